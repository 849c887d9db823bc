from django.urls import path

from warden.consent import views

app_name = "consent"

urlpatterns = [
    path("", views.purpose_list, name="purposes"),
    path("starters/", views.starters_install, name="starters_install"),
    path("purposes/<int:purpose_pk>/", views.purpose_detail, name="purpose_detail"),
    path("purposes/<int:purpose_pk>/versions/new/", views.version_create, name="version_create"),
    path("versions/<int:text_pk>/edit/", views.version_edit, name="version_edit"),
    path("versions/<int:text_pk>/publish/", views.version_publish, name="version_publish"),
    path("pupils/<int:pupil_pk>/", views.pupil_consent, name="pupil"),
    path("pupils/<int:pupil_pk>/record/", views.record, name="record"),
    path("pupils/<int:pupil_pk>/send/", views.pupil_send, name="pupil_send"),
    path("send/", views.send_requests, name="send"),
    path("check/", views.check, name="check"),
    path("class-list/", views.class_list, name="class_list"),
    path("coverage/", views.coverage_page, name="coverage"),
    # Public: reached by a one-time token, without signing in.
    path("answer/<str:token>/", views.public_answer, name="public_answer"),
]
