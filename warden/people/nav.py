from warden.core.nav import NavItem
from warden.core.roles import Perm, Role

NAV_ITEMS = [
    NavItem(
        "People and access",
        "People",
        "people:list",
        Perm.PEOPLE_VIEW,
        order=10,
        daily=frozenset({Role.OFFICE, Role.ICT_MANAGER, Role.TRUST_ADMIN}),
    ),
    NavItem("People and access", "Import from MIS", "people_import:upload", Perm.PEOPLE_IMPORT, 20),
    NavItem("People and access", "MIS feed", "people_import:feed", Perm.PEOPLE_IMPORT, 21),
]
