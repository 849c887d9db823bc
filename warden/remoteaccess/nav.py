"""The remote-access page in the "Filtering and monitoring" section, beside the other logs."""

from warden.core.nav import NavItem
from warden.remoteaccess.access import VIEW

NAV_ITEMS = [
    NavItem("Filtering and monitoring", "Remote access", "remoteaccess:overview", VIEW, 65),
]
