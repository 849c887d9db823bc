from warden.core.nav import NavItem
from warden.core.roles import Perm, Role
from warden.safeguarding.rules import REPORT_PERM

SAFEGUARDING_LEADS = frozenset({Role.DSL, Role.DEPUTY_DSL})

NAV_ITEMS = [
    # Every member of staff who may look pupils up tells the DSL of a worry (rules.REPORT_PERM).
    NavItem(
        "Safeguarding",
        "Tell the DSL of a worry",
        "safeguarding:report",
        REPORT_PERM,
        8,
        daily=frozenset({Role.TEACHER}),
    ),
    NavItem(
        "Safeguarding",
        "Welfare concerns",
        "safeguarding:list",
        Perm.WELFARE_VIEW,
        5,
        daily=SAFEGUARDING_LEADS,
    ),
    NavItem(
        "Administration",
        "Safeguarding settings",
        "safeguarding:settings",
        Perm.WELFARE_MANAGE,
        60,
    ),
]
