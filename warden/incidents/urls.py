from django.urls import path

from warden.incidents import views, views_reports, views_technical

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

# --- the technical part of malware and security incidents (views_technical.py) ---
urlpatterns += [
    path("technical/", views_technical.technical_list, name="technical_list"),
    path(
        "technical/<int:incident_pk>/",
        views_technical.technical_detail,
        name="technical_detail",
    ),
    path(
        "technical/steps/<int:step_pk>/done/",
        views_technical.technical_step_done,
        name="technical_step_done",
    ),
]

# --- reports: the termly report for governors and the weekly digest (views_reports.py) ---
urlpatterns += [
    path("reports/termly/", views_reports.termly_report, name="termly_report"),
    path("reports/weekly/", views_reports.weekly_digest, name="weekly_digest"),
]
# --- end of reports ---

# --- staff monitoring authorisations (views_authorisations.py) ---
from warden.incidents import views_authorisations  # noqa: E402

urlpatterns += [
    path(
        "authorisations/",
        views_authorisations.authorisation_list,
        name="authorisation_list",
    ),
    path(
        "authorisations/new/",
        views_authorisations.authorisation_request,
        name="authorisation_request",
    ),
    path(
        "authorisations/<int:authorisation_pk>/",
        views_authorisations.authorisation_detail,
        name="authorisation_detail",
    ),
    path(
        "authorisations/<int:authorisation_pk>/approve/",
        views_authorisations.authorisation_approve,
        name="authorisation_approve",
    ),
    path(
        "authorisations/<int:authorisation_pk>/refuse/",
        views_authorisations.authorisation_refuse,
        name="authorisation_refuse",
    ),
    path(
        "authorisations/<int:authorisation_pk>/review/",
        views_authorisations.authorisation_review,
        name="authorisation_review",
    ),
    path(
        "authorisations/<int:authorisation_pk>/end/",
        views_authorisations.authorisation_end,
        name="authorisation_end",
    ),
    path(
        "authorisations/<int:authorisation_pk>/search/",
        views_authorisations.authorisation_search,
        name="authorisation_search",
    ),
]
# --- end of staff monitoring authorisations ---
