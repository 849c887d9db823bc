from warden.core.nav import NavItem
from warden.core.roles import Perm, Role

# The office and ICT staff lend and look up equipment every day.
LENDERS = frozenset({Role.OFFICE, Role.TECHNICIAN})

NAV_ITEMS = [
    NavItem(
        "Equipment",
        "Assets",
        "equipment:asset_list",
        Perm.EQUIPMENT_VIEW,
        order=10,
        daily=LENDERS | {Role.ICT_MANAGER},
    ),
    NavItem(
        "Equipment", "Scan a label", "equipment:scan", Perm.EQUIPMENT_VIEW, order=12, daily=LENDERS
    ),
    NavItem(
        "Equipment", "Loans", "equipment:loan_list", Perm.EQUIPMENT_VIEW, order=15, daily=LENDERS
    ),
    NavItem("Equipment", "Class sets", "equipment:class_set_list", Perm.EQUIPMENT_VIEW, 20),
    NavItem("Equipment", "Stocktakes", "equipment:stocktake_overview", Perm.EQUIPMENT_VIEW, 25),
    NavItem(
        "Equipment",
        "Lost and stolen",
        "equipment:loss_list",
        Perm.EQUIPMENT_VIEW,
        30,
        daily=frozenset({Role.SIRO}),
    ),
    NavItem("Equipment", "Disposal", "equipment:disposal_list", Perm.DISPOSAL_MANAGE, 35),
    NavItem("Equipment", "Software licences", "equipment:product_list", Perm.EQUIPMENT_VIEW, 40),
    NavItem(
        "Equipment",
        "Installation requests",
        "equipment:install_request_list",
        Perm.DEVICES_REQUEST,
        45,
    ),
    NavItem("Equipment", "Personal devices", "equipment:device_list", Perm.DEVICES_REQUEST, 50),
    NavItem("Equipment", "Pupils' phones", "equipment:phone_list", Perm.DEVICES_REQUEST, 55),
    NavItem("Equipment", "Guest Wi-Fi log", "equipment:wifi_list", Perm.DEVICES_REQUEST, 60),
    NavItem("Equipment", "Import assets", "equipment:import_upload", Perm.EQUIPMENT_MANAGE, 70),
    NavItem(
        "Administration", "Equipment settings", "equipment:settings", Perm.SCHOOL_CONFIGURE, 40
    ),
]
