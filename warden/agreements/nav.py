from warden.core.nav import NavItem
from warden.core.roles import Perm, Role

NAV_ITEMS = [
    NavItem(
        "People and access",
        "Acceptable-use agreements",
        "agreements:list",
        Perm.AGREEMENTS_VIEW,
        30,
        daily=frozenset({Role.OFFICE, Role.SIRO}),
    ),
    NavItem(
        "Administration", "Agreement settings", "agreements:settings", Perm.AGREEMENTS_MANAGE, 35
    ),
]
