from django.urls import URLPattern, URLResolver, path

from warden.monitoring.views import filtering as filtering_views
from warden.monitoring.views import filtering_oversight as oversight_views

app_name = "monitoring"

urlpatterns: list[URLPattern | URLResolver] = []

# --- filtering (web filtering: groups, lists, exceptions, requests, block page) ---------------
urlpatterns += [
    path("", filtering_views.filter_group_list, name="filter_group_list"),
    path("groups/new/", filtering_views.filter_group_create, name="filter_group_create"),
    path(
        "groups/<int:filter_group_pk>/",
        filtering_views.filter_group_detail,
        name="filter_group_detail",
    ),
    path(
        "groups/<int:filter_group_pk>/edit/",
        filtering_views.filter_group_edit,
        name="filter_group_edit",
    ),
    path(
        "groups/<int:filter_group_pk>/categories/",
        filtering_views.filter_group_categories,
        name="filter_group_categories",
    ),
    path(
        "groups/<int:filter_group_pk>/delete/",
        filtering_views.filter_group_delete,
        name="filter_group_delete",
    ),
    path(
        "groups/<int:filter_group_pk>/schedules/add/",
        filtering_views.filter_schedule_add,
        name="filter_schedule_add",
    ),
    path(
        "schedules/<int:filter_schedule_pk>/remove/",
        filtering_views.filter_schedule_remove,
        name="filter_schedule_remove",
    ),
    path(
        "groups/<int:filter_group_pk>/networks/add/",
        filtering_views.filter_network_add,
        name="filter_network_add",
    ),
    path(
        "networks/<int:filter_network_pk>/remove/",
        filtering_views.filter_network_remove,
        name="filter_network_remove",
    ),
    path(
        "people/<int:person_pk>/assign/",
        filtering_views.filter_assignment_add,
        name="filter_assignment_add",
    ),
    path(
        "assignments/<int:filter_assignment_pk>/remove/",
        filtering_views.filter_assignment_remove,
        name="filter_assignment_remove",
    ),
    path("categories/", filtering_views.filter_category_list, name="filter_category_list"),
    path("lists/", filtering_views.filter_list_list, name="filter_list_list"),
    path("lists/import/", filtering_views.filter_list_import, name="filter_list_import"),
    path(
        "lists/imports/<int:list_import_pk>/",
        filtering_views.filter_list_import_detail,
        name="filter_list_import_detail",
    ),
    path(
        "lists/<int:list_source_pk>/remove/",
        filtering_views.filter_list_remove,
        name="filter_list_remove",
    ),
    path("entries/", filtering_views.filter_entry_list, name="filter_entry_list"),
    path(
        "entries/<int:filter_entry_pk>/remove/",
        filtering_views.filter_entry_remove,
        name="filter_entry_remove",
    ),
    path("exceptions/", filtering_views.filter_exception_list, name="filter_exception_list"),
    path(
        "exceptions/<int:filter_exception_pk>/revoke/",
        filtering_views.filter_exception_revoke,
        name="filter_exception_revoke",
    ),
    path("requests/", filtering_views.filter_request_list, name="filter_request_list"),
    path(
        "requests/<int:filter_request_pk>/",
        filtering_views.filter_request_detail,
        name="filter_request_detail",
    ),
    path(
        "requests/<int:filter_request_pk>/approve/",
        filtering_views.filter_request_approve,
        name="filter_request_approve",
    ),
    path(
        "requests/<int:filter_request_pk>/refuse/",
        filtering_views.filter_request_refuse,
        name="filter_request_refuse",
    ),
    path("changes/", filtering_views.filter_changelog, name="filter_changelog"),
    path("snapshot/", filtering_views.filter_snapshot, name="filter_snapshot"),
    path("blocked/<slug:school_slug>/", filtering_views.filter_blocked, name="filter_blocked"),
]
urlpatterns += [
    path("lists/updates/", oversight_views.filter_feed_list, name="filter_feed_list"),
    path(
        "lists/updates/<int:list_feed_pk>/update/",
        oversight_views.filter_feed_update,
        name="filter_feed_update",
    ),
    path("health/", oversight_views.filter_health, name="filter_health"),
    path("check/", oversight_views.filter_check, name="filter_check"),
    path("evidence/", oversight_views.filter_evidence, name="filter_evidence"),
]
# --- end of filtering ---------------------------------------------------------------------------

# --- monitoring (keyword libraries, IP leases, violations) ------------------------------------
from warden.monitoring import exports  # noqa: E402
from warden.monitoring.views import monitoring as monitoring_views  # noqa: E402

urlpatterns += [
    path("violations/", monitoring_views.violation_list, name="violation_list"),
    path("violations/export.csv", exports.violation_export, {"fmt": "csv"}, name="violations_csv"),
    path(
        "violations/export.xlsx", exports.violation_export, {"fmt": "xlsx"}, name="violations_xlsx"
    ),
    path(
        "violations/<int:violation_pk>/",
        monitoring_views.violation_detail,
        name="violation_detail",
    ),
    path(
        "violations/<int:violation_pk>/context/",
        monitoring_views.violation_context,
        name="violation_context",
    ),
    path("keywords/", monitoring_views.keyword_list, name="keyword_list"),
    path("keywords/new/", monitoring_views.keyword_create, name="keyword_create"),
    path("keywords/import/", monitoring_views.keyword_import, name="keyword_import"),
    path("keywords/starter/", monitoring_views.keyword_starter, name="keyword_starter"),
    path(
        "keywords/<int:keyword_pk>/toggle/",
        monitoring_views.keyword_toggle,
        name="keyword_toggle",
    ),
    path("keywords/exclusions/", monitoring_views.exclusion_list, name="exclusion_list"),
    path(
        "keywords/exclusions/<int:exclusion_pk>/remove/",
        monitoring_views.exclusion_remove,
        name="exclusion_remove",
    ),
    path("leases/", monitoring_views.lease_list, name="lease_list"),
    path("leases/<int:lease_pk>/remove/", monitoring_views.lease_remove, name="lease_remove"),
]
# --- end of monitoring --------------------------------------------------------------------------
