from django.urls import path

from warden.people import import_views

app_name = "people_import"

urlpatterns = [
    path("", import_views.upload, name="upload"),
    path("history/", import_views.history, name="history"),
    path("<int:run_pk>/", import_views.detail, name="detail"),
    path("<int:run_pk>/preview/", import_views.preview, name="preview"),
    path("<int:run_pk>/import/", import_views.run_import, name="import"),
    path("<int:run_pk>/review/", import_views.feed_review, name="feed_review"),
    path("feed/", import_views.feed, name="feed"),
    path("feed/pull/", import_views.feed_pull_now, name="feed_pull"),
]
