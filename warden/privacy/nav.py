from warden.core.nav import NavItem
from warden.core.roles import Perm, PrivacyPerm, Role

SECTION = "Data protection"

NAV_ITEMS = [
    NavItem(
        SECTION,
        "Data breaches",
        "privacy:breach_list",
        PrivacyPerm.BREACHES,
        10,
        daily=frozenset({Role.SIRO}),
    ),
    NavItem(
        SECTION,
        "Processors and cloud services",
        "privacy:processor_list",
        PrivacyPerm.PROCESSORS_VIEW,
        20,
    ),
    NavItem(SECTION, "Removable media", "privacy:media_list", Perm.EQUIPMENT_VIEW, 30),
    NavItem(
        SECTION, "Personal data off site", "privacy:off_site_list", PrivacyPerm.OFF_SITE_VIEW, 40
    ),
]
