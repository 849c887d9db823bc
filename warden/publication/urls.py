from django.urls import URLPattern, URLResolver, path

from warden.publication import views

app_name = "publication"

urlpatterns: list[URLPattern | URLResolver] = [
    path("media/", views.media_list, name="media_list"),
    path("media/new/", views.media_create, name="media_create"),
    path("media/<int:media_pk>/", views.media_detail, name="media_detail"),
    path("purge/", views.purge, name="purge"),
    path("purge/<int:removal_pk>/done/", views.removal_done, name="removal_done"),
    path("settings/", views.settings, name="settings"),
    path("recording/", views.recording_list, name="recording_list"),
    path("recording/<int:recording_pk>/end/", views.recording_end, name="recording_end"),
    path("posts/", views.post_list, name="post_list"),
    path("posts/new/", views.post_create, name="post_create"),
    path("posts/<int:post_pk>/", views.post_detail, name="post_detail"),
    path("posts/<int:post_pk>/decide/", views.post_decide, name="post_decide"),
    path("posts/images/<int:image_pk>/", views.post_image, name="post_image"),
    path("accounts/", views.account_list, name="account_list"),
]
