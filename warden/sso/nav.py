from warden.core.nav import NavItem
from warden.core.roles import Perm

NAV_ITEMS = [
    NavItem("Administration", "Single sign-on", "sso:settings", Perm.SCHOOL_CONFIGURE, 27),
]
