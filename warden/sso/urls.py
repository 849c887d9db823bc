from django.urls import path

from warden.sso import views

app_name = "sso"

urlpatterns = [
    path("<int:sso_provider_pk>/start/", views.start, name="start"),
    path("callback/", views.callback, name="callback"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("settings/", views.sso_settings, name="settings"),
    path("providers/new/", views.provider_add, name="provider_add"),
    path("providers/<int:sso_provider_pk>/", views.provider_edit, name="provider_edit"),
    path("providers/<int:sso_provider_pk>/link/", views.link_add, name="link_add"),
    path("links/<int:sso_link_pk>/remove/", views.link_remove, name="link_remove"),
]
