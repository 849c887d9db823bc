from warden.core.nav import NavItem
from warden.core.roles import RecordsPerm, Role

NAV_ITEMS = [
    NavItem(
        "Data protection",
        "Subject access requests",
        "records:sar_list",
        RecordsPerm.SAR,
        10,
        daily=frozenset({Role.SIRO}),
    ),
    NavItem(
        "Data protection", "Retention schedule", "records:retention", RecordsPerm.RETENTION, 40
    ),
    NavItem("Data protection", "Data protection officer", "records:dpo", RecordsPerm.DPO, 45),
]
