from django.urls import path

from warden.incidents import exports
from warden.incidents.views import authorisations, incident, log, reports, technical, triage

app_name = "incidents"

urlpatterns = [
    path("", log.incident_list, name="list"),
    path("export.csv", exports.incident_export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", exports.incident_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("report/", log.incident_report, name="report"),
    path("mine/", log.my_reports, name="my_reports"),
    path("mine/<int:incident_pk>/", log.my_report_detail, name="my_report"),
    path("anti-bullying/", log.bullying_log, name="bullying_log"),
    path("<int:incident_pk>/", incident.incident_detail, name="detail"),
    path("<int:incident_pk>/notes/", incident.note_add, name="note_add"),
    path("<int:incident_pk>/people/", incident.person_add, name="person_add"),
    path("people/<int:involvement_pk>/remove/", incident.person_remove, name="person_remove"),
    path("<int:incident_pk>/severity/", incident.severity_set, name="severity_set"),
    path("<int:incident_pk>/status/", incident.status_set, name="status_set"),
    path("<int:incident_pk>/close/", incident.incident_close, name="close"),
    path("<int:incident_pk>/reopen/", incident.incident_reopen, name="reopen"),
    path("<int:incident_pk>/sanctions/", incident.sanction_add, name="sanction_add"),
    path("sanctions/<int:sanction_pk>/end/", incident.sanction_end, name="sanction_end"),
    path("steps/<int:step_pk>/done/", incident.step_done, name="step_done"),
    path("<int:incident_pk>/playbooks/", incident.playbook_add, name="playbook_add"),
    path("<int:incident_pk>/evidence/", incident.evidence_add, name="evidence_add"),
    path("evidence/<int:evidence_pk>/", incident.evidence_download, name="evidence_download"),
    path(
        "evidence/<int:evidence_pk>/supersede/",
        incident.evidence_supersede,
        name="evidence_supersede",
    ),
    path("<int:incident_pk>/access/", incident.access_add, name="access_add"),
    path("access/<int:access_pk>/remove/", incident.access_remove, name="access_remove"),
    path("triage/", triage.triage_queue, name="triage"),
    path("triage/act/", triage.triage_act, name="triage_act"),
    path("triage/archive/", triage.triage_bulk, name="triage_bulk"),
    path("triage/<int:violation_pk>/", triage.triage_detail, name="triage_detail"),
]

# --- the technical part of malware and security incidents (technical.py) ---
urlpatterns += [
    path("technical/", technical.technical_list, name="technical_list"),
    path(
        "technical/<int:incident_pk>/",
        technical.technical_detail,
        name="technical_detail",
    ),
    path(
        "technical/steps/<int:step_pk>/done/",
        technical.technical_step_done,
        name="technical_step_done",
    ),
]

# --- reports: the termly report for governors and the weekly digest (reports.py) ---
urlpatterns += [
    path("reports/termly/", reports.termly_report, name="termly_report"),
    path("reports/weekly/", reports.weekly_digest, name="weekly_digest"),
]
# --- end of reports ---

# --- staff monitoring authorisations (views/authorisations.py) ---

urlpatterns += [
    path(
        "authorisations/",
        authorisations.authorisation_list,
        name="authorisation_list",
    ),
    path(
        "authorisations/new/",
        authorisations.authorisation_request,
        name="authorisation_request",
    ),
    path(
        "authorisations/<int:authorisation_pk>/",
        authorisations.authorisation_detail,
        name="authorisation_detail",
    ),
    path(
        "authorisations/<int:authorisation_pk>/approve/",
        authorisations.authorisation_approve,
        name="authorisation_approve",
    ),
    path(
        "authorisations/<int:authorisation_pk>/refuse/",
        authorisations.authorisation_refuse,
        name="authorisation_refuse",
    ),
    path(
        "authorisations/<int:authorisation_pk>/review/",
        authorisations.authorisation_review,
        name="authorisation_review",
    ),
    path(
        "authorisations/<int:authorisation_pk>/end/",
        authorisations.authorisation_end,
        name="authorisation_end",
    ),
    path(
        "authorisations/<int:authorisation_pk>/search/",
        authorisations.authorisation_search,
        name="authorisation_search",
    ),
]
# --- end of staff monitoring authorisations ---
