from django.urls import path

from warden.people import import_views

app_name = "people_import"

urlpatterns = [
    path("", import_views.upload, name="upload"),
    path("history/", import_views.history, name="history"),
    path("<int:run_pk>/", import_views.detail, name="detail"),
    path("<int:run_pk>/preview/", import_views.preview, name="preview"),
    path("<int:run_pk>/import/", import_views.run_import, name="import"),
]
