from warden.core.nav import NavItem
from warden.core.roles import Perm, ReportingPerm, Role

NAV_ITEMS = [
    NavItem(
        "Governance",
        "Governors' report",
        "reporting:governors",
        Perm.REPORTS_VIEW,
        5,
        daily=frozenset({Role.GOVERNOR, Role.HEADTEACHER}),
    ),
    NavItem(
        "Governance",
        "Trust report",
        "reporting:trust",
        ReportingPerm.TRUST_REPORT,
        6,
        daily=frozenset({Role.TRUST_ADMIN}),
    ),
    NavItem("Governance", "Term dates", "reporting:terms", ReportingPerm.TERMS_MANAGE, 80),
]
