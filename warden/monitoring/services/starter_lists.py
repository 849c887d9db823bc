"""The starter lists: what a new school filters with before its first list update.

Small attributed subsets of the public lists ship in the package (``engine/data/starter``,
see its README); each school gets them as two list sources whose names say what they are,
so nobody mistakes them for full lists.
"""

from __future__ import annotations

from warden.core.models import School
from warden.engine.datafiles import STARTER_PORNOGRAPHY_HOSTS, STARTER_UT1
from warden.monitoring.models.filtering import ListFormat, ListSource
from warden.monitoring.services.filtering import list_import

STARTER_UT1_NAME = "Starter lists (a small part of UT1) — run an update"
STARTER_HOSTS_NAME = "Starter pornography list (a small part) — run an update"


def starter_lists_load(*, school: School) -> int:
    """Give ``school`` the starter lists unless it has lists of its own already; returns
    how many list sources were added."""
    if ListSource.objects.filter(school=school, is_active=True).exists():
        return 0
    list_import(
        actor=None,
        school=school,
        fmt=ListFormat.UT1,
        path=STARTER_UT1,
        name=STARTER_UT1_NAME,
        origin="Warden's starter lists: part of the UT1 blacklists (CC BY-SA 4.0)",
    )
    list_import(
        actor=None,
        school=school,
        fmt=ListFormat.HOSTS,
        path=STARTER_PORNOGRAPHY_HOSTS,
        name=STARTER_HOSTS_NAME,
        category="pornography",
        origin="Warden's starter lists: part of a hosts-file list (MIT)",
    )
    return 2
