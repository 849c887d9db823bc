from warden.core.nav import NavItem
from warden.core.roles import Perm

NAV_ITEMS = [
    NavItem("Safeguarding", "Report an incident", "incidents:report", Perm.INCIDENTS_REPORT, 10),
    NavItem("Safeguarding", "My reports", "incidents:my_reports", Perm.INCIDENTS_REPORT, 15),
    NavItem("Safeguarding", "E-safety incidents", "incidents:list", Perm.INCIDENTS_VIEW, 20),
    NavItem("Safeguarding", "Anti-bullying log", "incidents:bullying_log", Perm.INCIDENTS_VIEW, 30),
    NavItem("Safeguarding", "Triage queue", "incidents:triage", Perm.VIOLATIONS_VIEW, 40),
]
