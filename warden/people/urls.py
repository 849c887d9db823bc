from django.urls import path

from warden.people import exports, views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("export.csv", exports.person_export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", exports.person_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("new/", views.person_create, name="create"),
    path("choose/", views.person_choose, name="choose"),
    path("<int:person_pk>/", views.person_detail, name="detail"),
    path("<int:person_pk>/edit/", views.person_edit, name="edit"),
    path("<int:person_pk>/leaving/", views.person_leaving, name="leaving"),
    path("<int:person_pk>/parents/add/", views.guardian_add, name="guardian_add"),
    path("parents/<int:link_pk>/remove/", views.guardian_remove, name="guardian_remove"),
]
