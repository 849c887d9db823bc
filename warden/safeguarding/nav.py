from warden.core.nav import NavItem
from warden.core.roles import Perm

NAV_ITEMS = [
    NavItem("Safeguarding", "Welfare concerns", "safeguarding:list", Perm.WELFARE_VIEW, 5),
    NavItem(
        "Safeguarding", "Safeguarding settings", "safeguarding:settings", Perm.WELFARE_MANAGE, 60
    ),
]
