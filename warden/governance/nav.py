from warden.core.nav import NavItem
from warden.core.roles import GovernancePerm, Role

NAV_ITEMS = [
    NavItem(
        "Governance",
        "Policy register",
        "governance:policy_list",
        GovernancePerm.READ,
        10,
        daily=frozenset({Role.GOVERNOR}),
    ),
    NavItem("Governance", "Training", "governance:training", GovernancePerm.TRAINING_VIEW, 20),
    NavItem(
        "Governance",
        "Annual filtering review",
        "governance:review_list",
        GovernancePerm.READ,
        30,
    ),
    NavItem(
        "Governance",
        "Communications matrix",
        "governance:comms_matrix",
        GovernancePerm.COMMS_VIEW,
        40,
    ),
]
