from warden.core.nav import NavItem
from warden.core.roles import Perm

NAV_ITEMS = [NavItem("Administration", "API", "api:docs", Perm.SCHOOL_CONFIGURE, 26)]
