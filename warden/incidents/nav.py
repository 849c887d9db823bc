from warden.core.nav import NavItem
from warden.core.roles import Perm

NAV_ITEMS = [
    NavItem("Safeguarding", "Report an incident", "incidents:report", Perm.INCIDENTS_REPORT, 10),
    NavItem("Safeguarding", "My reports", "incidents:my_reports", Perm.INCIDENTS_REPORT, 15),
    NavItem("Safeguarding", "E-safety incidents", "incidents:list", Perm.INCIDENTS_VIEW, 20),
    NavItem("Safeguarding", "Anti-bullying log", "incidents:bullying_log", Perm.INCIDENTS_VIEW, 30),
    NavItem("Safeguarding", "Triage queue", "incidents:triage", Perm.VIOLATIONS_VIEW, 40),
    NavItem(
        "Safeguarding",
        "Malware and security incidents",
        "incidents:technical_list",
        Perm.INCIDENTS_TECHNICAL,
        45,
    ),
]

# --- reports (views/reports.py) ---
NAV_ITEMS += [
    NavItem(
        "Governance", "Reports for governors", "incidents:termly_report", Perm.REPORTS_VIEW, 10
    ),
    NavItem(
        "Safeguarding",
        "Weekly safeguarding digest",
        "incidents:weekly_digest",
        Perm.INCIDENTS_VIEW,
        35,
    ),
]
# --- end of reports ---

# --- staff monitoring authorisations (views/authorisations.py) ---
# Governors and investigators without INCIDENTS_VIEW reach theirs from the dashboard panel.
NAV_ITEMS += [
    NavItem(
        "Safeguarding",
        "Staff monitoring authorisations",
        "incidents:authorisation_list",
        Perm.INCIDENTS_VIEW,
        50,
    ),
]
# --- end of staff monitoring authorisations ---
