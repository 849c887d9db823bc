from warden.core.nav import NavItem
from warden.core.roles import Perm

NAV_ITEMS = [
    NavItem("Equipment", "Assets", "equipment:asset_list", Perm.EQUIPMENT_VIEW, order=10),
    NavItem("Equipment", "Scan a label", "equipment:scan", Perm.EQUIPMENT_VIEW, order=12),
    NavItem("Equipment", "Loans", "equipment:loan_list", Perm.EQUIPMENT_VIEW, order=15),
    NavItem("Equipment", "Class sets", "equipment:class_set_list", Perm.EQUIPMENT_VIEW, 20),
    NavItem("Equipment", "Stocktakes", "equipment:stocktake_overview", Perm.EQUIPMENT_VIEW, 25),
    NavItem("Equipment", "Lost and stolen", "equipment:loss_list", Perm.EQUIPMENT_VIEW, 30),
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
    NavItem("Equipment", "Equipment settings", "equipment:settings", Perm.SCHOOL_CONFIGURE, 80),
]
