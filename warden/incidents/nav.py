from warden.core.nav import NavItem
from warden.core.roles import Perm, Role

SAFEGUARDING_LEADS = frozenset({Role.DSL, Role.DEPUTY_DSL})
REPORTERS = frozenset({Role.TEACHER})

NAV_ITEMS = [
    NavItem(
        "Safeguarding",
        "Report an incident",
        "incidents:report",
        Perm.INCIDENTS_REPORT,
        10,
        daily=REPORTERS,
    ),
    NavItem(
        "Safeguarding",
        "My reports",
        "incidents:my_reports",
        Perm.INCIDENTS_REPORT,
        15,
        daily=REPORTERS,
    ),
    NavItem(
        "Safeguarding",
        "E-safety incidents",
        "incidents:list",
        Perm.INCIDENTS_VIEW,
        20,
        daily=SAFEGUARDING_LEADS | {Role.HEADTEACHER, Role.SIRO},
    ),
    NavItem("Safeguarding", "Anti-bullying log", "incidents:bullying_log", Perm.INCIDENTS_VIEW, 30),
    NavItem(
        "Safeguarding",
        "Triage queue",
        "incidents:triage",
        Perm.VIOLATIONS_VIEW,
        # First in its section: the safeguarding leads' day starts with the queue.
        4,
        daily=SAFEGUARDING_LEADS,
    ),
    NavItem(
        "Safeguarding",
        "Malware and security incidents",
        "incidents:technical_list",
        Perm.INCIDENTS_TECHNICAL,
        45,
        daily=frozenset({Role.TECHNICIAN}),
    ),
]

# --- reports (views/reports.py) ---
NAV_ITEMS += [
    NavItem(
        "Governance",
        # The incident log's own figures by term; the governors' report (reporting) holds
        # them beside every other area's.
        "E-safety figures by term",
        "incidents:termly_report",
        Perm.REPORTS_VIEW,
        10,
    ),
    NavItem(
        "Safeguarding",
        "Weekly safeguarding digest",
        "incidents:weekly_digest",
        Perm.INCIDENTS_VIEW,
        35,
        daily=SAFEGUARDING_LEADS,
    ),
]
# --- end of reports ---

# --- staff monitoring authorisations (views/authorisations.py) ---
# Governors and investigators without INCIDENTS_VIEW reach theirs from the home page panel.
NAV_ITEMS += [
    NavItem(
        "Safeguarding",
        "Staff monitoring authorisations",
        "incidents:authorisation_list",
        Perm.INCIDENTS_VIEW,
        50,
        daily=frozenset({Role.HEADTEACHER}),
    ),
]
# --- end of staff monitoring authorisations ---
