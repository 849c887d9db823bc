from warden.core.nav import NavItem
from warden.core.roles import Perm
from warden.safeguarding.rules import REPORT_PERM

NAV_ITEMS = [
    # Every member of staff who may look pupils up tells the DSL of a worry (rules.REPORT_PERM).
    NavItem("Safeguarding", "Tell the DSL of a worry", "safeguarding:report", REPORT_PERM, 8),
    NavItem("Safeguarding", "Welfare concerns", "safeguarding:list", Perm.WELFARE_VIEW, 5),
    NavItem(
        "Safeguarding", "Safeguarding settings", "safeguarding:settings", Perm.WELFARE_MANAGE, 60
    ),
]
