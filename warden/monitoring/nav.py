"""Pages of the monitoring app in the "Filtering and monitoring" section."""

from warden.core.nav import NavItem
from warden.core.roles import Role

NAV_ITEMS: list[NavItem] = []

# --- monitoring (keyword libraries, IP leases, violations) ------------------------------------
NAV_ITEMS += [
    NavItem(
        "Filtering and monitoring",
        "Violations",
        "monitoring:violation_list",
        "monitoring.violations",
        60,
    ),
    NavItem(
        "Filtering and monitoring",
        "Keyword library",
        "monitoring:keyword_list",
        "monitoring.keywords",
        70,
    ),
    NavItem(
        "Filtering and monitoring",
        "Keyword exclusions",
        "monitoring:exclusion_list",
        "monitoring.keywords",
        71,
    ),
    NavItem(
        "Filtering and monitoring",
        "IP leases and log sources",
        "monitoring:lease_list",
        "monitoring.ingest",
        80,
    ),
]
# --- end of monitoring --------------------------------------------------------------------------

# --- filtering (web filtering groups, lists, exceptions, requests, change log) ----------------
NAV_ITEMS += [
    NavItem(
        "Filtering and monitoring",
        "Filter groups",
        "monitoring:filter_group_list",
        "filtering.view",
        10,
        daily=frozenset({Role.ICT_MANAGER}),
    ),
    NavItem(
        "Filtering and monitoring",
        "Filtering lists",
        "monitoring:filter_list_list",
        "filtering.view",
        20,
    ),
    NavItem(
        "Filtering and monitoring",
        "Unblock requests",
        "monitoring:filter_request_list",
        "filtering.request",
        30,
        daily=frozenset({Role.ICT_MANAGER, Role.TEACHER}),
    ),
    NavItem(
        "Filtering and monitoring",
        "Filtering exceptions",
        "monitoring:filter_exception_list",
        "filtering.view",
        40,
    ),
    NavItem(
        "Filtering and monitoring",
        "Filtering change log",
        "monitoring:filter_changelog",
        "filtering.changelog",
        50,
    ),
    NavItem(
        "Filtering and monitoring",
        "Filtering health",
        "monitoring:filter_health",
        "filtering.view",
        15,
    ),
    NavItem(
        "Filtering and monitoring",
        "List updates",
        "monitoring:filter_feed_list",
        "filtering.view",
        21,
    ),
    NavItem(
        "Filtering and monitoring",
        "Check a site",
        "monitoring:filter_check",
        "filtering.request",
        35,
    ),
    NavItem(
        "Filtering and monitoring",
        "Filtering standards evidence",
        "monitoring:filter_evidence",
        "filtering.changelog",
        55,
    ),
]
# --- end of filtering ---------------------------------------------------------------------------
