from warden.core.nav import NavItem

NAV_ITEMS = [
    NavItem("People and access", "People", "people:list", "people.view", order=10),
    NavItem("People and access", "Import from MIS", "people_import:upload", "people.import", 20),
]
