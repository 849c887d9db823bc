from warden.core.nav import NavItem
from warden.core.roles import Perm

NAV_ITEMS = [
    NavItem(
        "People and access",
        "Acceptable-use agreements",
        "agreements:list",
        Perm.AGREEMENTS_VIEW,
        30,
    ),
    NavItem(
        "People and access", "Agreement settings", "agreements:settings", Perm.AGREEMENTS_MANAGE, 35
    ),
]
