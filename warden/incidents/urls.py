from django.urls import path

from warden.incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("report/", views.incident_report, name="report"),
    path("mine/", views.my_reports, name="my_reports"),
    path("mine/<int:incident_pk>/", views.my_report_detail, name="my_report"),
    path("anti-bullying/", views.bullying_log, name="bullying_log"),
    path("<int:incident_pk>/", views.incident_detail, name="detail"),
    path("<int:incident_pk>/notes/", views.note_add, name="note_add"),
    path("<int:incident_pk>/people/", views.person_add, name="person_add"),
    path("people/<int:involvement_pk>/remove/", views.person_remove, name="person_remove"),
    path("<int:incident_pk>/severity/", views.severity_set, name="severity_set"),
    path("<int:incident_pk>/status/", views.status_set, name="status_set"),
    path("<int:incident_pk>/close/", views.incident_close, name="close"),
    path("<int:incident_pk>/reopen/", views.incident_reopen, name="reopen"),
    path("<int:incident_pk>/sanctions/", views.sanction_add, name="sanction_add"),
    path("sanctions/<int:sanction_pk>/end/", views.sanction_end, name="sanction_end"),
    path("steps/<int:step_pk>/done/", views.step_done, name="step_done"),
    path("<int:incident_pk>/playbooks/", views.playbook_add, name="playbook_add"),
    path("<int:incident_pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("evidence/<int:evidence_pk>/", views.evidence_download, name="evidence_download"),
    path(
        "evidence/<int:evidence_pk>/supersede/",
        views.evidence_supersede,
        name="evidence_supersede",
    ),
    path("<int:incident_pk>/access/", views.access_add, name="access_add"),
    path("access/<int:access_pk>/remove/", views.access_remove, name="access_remove"),
    path("triage/", views.triage_queue, name="triage"),
    path("triage/act/", views.triage_bulk, name="triage_act"),
    path("triage/<int:violation_pk>/", views.triage_detail, name="triage_detail"),
]
