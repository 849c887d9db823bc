from warden.core.nav import NavItem
from warden.core.roles import Perm, Role

ICT = frozenset({Role.ICT_MANAGER, Role.TECHNICIAN})

NAV_ITEMS = [
    NavItem("People and access", "Systems", "accounts:system_list", Perm.ACCOUNTS_VIEW, 30),
    NavItem(
        "People and access",
        "Accounts and requests",
        "accounts:account_list",
        Perm.ACCOUNTS_VIEW,
        40,
        daily=ICT | {Role.OFFICE, Role.HEADTEACHER},
    ),
    NavItem("People and access", "Leavers", "accounts:leavers", Perm.LEAVERS_VIEW, 50, daily=ICT),
    NavItem(
        "People and access",
        "Suspension list",
        "accounts:suspensions",
        Perm.ACCOUNTS_VIEW,
        60,
        daily=ICT,
    ),
    NavItem(
        "People and access",
        "Access reviews",
        "accounts:review_list",
        Perm.ACCESS_REVIEW,
        70,
        daily=frozenset({Role.SIRO}),
    ),
    NavItem("Administration", "Account settings", "accounts:settings", Perm.SCHOOL_CONFIGURE, 25),
]
