"""The backups panel of the ICT manager's home page: the last good backup, and a warning
when none was written in 48 hours or the last one failed."""

from __future__ import annotations

from django.http import HttpRequest

from warden.backups.selectors import OVERDUE_AFTER, backup_status
from warden.core.dashboard import Panel
from warden.core.models import School
from warden.core.roles import Perm


def _backups_panel(request: HttpRequest, school: School) -> list[Panel]:
    hours = int(OVERDUE_AFTER.total_seconds() // 3600)
    context = {"status": backup_status(), "overdue_hours": hours}
    return [Panel("Backups", "backups/_dashboard_panel.html", context, order=90)]


# Those who run Warden for the school (the ICT manager, the headteacher, a trust
# administrator) see whether the whole site is being backed up.
PANELS = [(Perm.SCHOOL_CONFIGURE, _backups_panel)]
