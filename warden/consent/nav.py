from warden.core.nav import NavItem
from warden.core.roles import ConsentPerm, Role

NAV_ITEMS = [
    NavItem(
        "People and access",
        "Check before publishing",
        "consent:check",
        ConsentPerm.CHECK,
        32,
        daily=frozenset({Role.TEACHER}),
    ),
    NavItem(
        "People and access",
        "Not-to-be-photographed lists",
        "consent:class_list",
        ConsentPerm.CHECK,
        33,
    ),
    NavItem(
        "People and access",
        "Consent for images",
        "consent:purposes",
        ConsentPerm.VIEW,
        34,
        daily=frozenset({Role.OFFICE}),
    ),
    NavItem("People and access", "Consent coverage", "consent:coverage", ConsentPerm.VIEW, 35),
    NavItem("People and access", "Ask for consent", "consent:send", ConsentPerm.RECORD, 36),
]
