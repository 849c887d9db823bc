from django.urls import URLPattern, URLResolver, path

from warden.records import views

app_name = "records"

urlpatterns: list[URLPattern | URLResolver] = [
    path("dpo/", views.dpo, name="dpo"),
    path("sar/", views.sar_list, name="sar_list"),
    path("sar/new/", views.sar_new, name="sar_new"),
    path("sar/<int:sar_pk>/", views.sar_detail, name="sar_detail"),
    path("sar/<int:sar_pk>/identity/", views.sar_step, {"step": "identity"}, name="sar_identity"),
    path("sar/<int:sar_pk>/extend/", views.sar_step, {"step": "extend"}, name="sar_extend"),
    path("sar/<int:sar_pk>/generate/", views.sar_step, {"step": "generate"}, name="sar_generate"),
    path("sar/<int:sar_pk>/exclude/", views.sar_step, {"step": "exclude"}, name="sar_exclude"),
    path("sar/<int:sar_pk>/include/", views.sar_step, {"step": "include"}, name="sar_include"),
    path("sar/<int:sar_pk>/review/", views.sar_step, {"step": "review"}, name="sar_review"),
    path("sar/<int:sar_pk>/release/", views.sar_step, {"step": "release"}, name="sar_release"),
    path("sar/<int:sar_pk>/bundle/", views.sar_download, name="sar_download"),
    path("retention/", views.retention, name="retention"),
    path("retention/period/", views.retention_setting, name="retention_setting"),
    path("retention/find/", views.retention_find, name="retention_find"),
    path("retention/runs/<int:run_pk>/", views.run_detail, name="run_detail"),
    path("retention/runs/<int:run_pk>/approve/", views.run_approve, name="run_approve"),
    path("retention/runs/<int:run_pk>/cancel/", views.run_cancel, name="run_cancel"),
]
