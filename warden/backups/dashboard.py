"""The backups panel of the ICT manager's home page: the last good backup, and a warning
when none was written in 48 hours or the last one failed; the headteacher's overview shows
the same warning."""

from __future__ import annotations

from django.http import HttpRequest

from warden.backups.selectors import OVERDUE_AFTER, BackupStatus, backup_status
from warden.core.dashboard import Figure, HomePanel, Panel
from warden.core.models import School
from warden.core.roles import Perm, Role


def _hours() -> int:
    return int(OVERDUE_AFTER.total_seconds() // 3600)


def _status(request: HttpRequest) -> BackupStatus:
    """The site's backup status, read once per page: the panel and the overview's figure
    both show it, and it is the same for every school."""
    found: BackupStatus | None = getattr(request, "_warden_backup_status", None)
    if found is None:
        found = backup_status()
        request._warden_backup_status = found  # type: ignore[attr-defined]
    return found


def _backups_panel(request: HttpRequest, school: School) -> list[Panel]:
    context = {"status": _status(request), "overdue_hours": _hours()}
    return [Panel("Backups", "backups/_dashboard_panel.html", context, order=90)]


# Those who run Warden for the school (the ICT manager, a trust administrator) see whether
# the whole site is being backed up; the headteacher sees it in the overview when it is not.
HOME = [
    HomePanel(
        frozenset({Role.ICT_MANAGER, Role.TRUST_ADMIN}),
        _backups_panel,
        Perm.SCHOOL_CONFIGURE,
        order=90,
    )
]


def _backup_figures(request: HttpRequest, school: School) -> list[Figure]:
    """Only when something is wrong: no good backup for two nights, or none yet."""
    status = _status(request)
    if not status.overdue:
        return []
    note = (
        f"No backup has been written for more than {_hours()} hours."
        if status.last_good
        else "No backup has been written yet."
    )
    if status.last_failed:
        note += f" The last one failed: {status.last_failed.message}"
    return [
        Figure(
            "Backups",
            "Overdue",
            "nightly backup: ask the ICT manager to check the worker",
            "",
            overdue=True,
            note=note,
            order=90,
        )
    ]


FIGURES = [(Perm.SCHOOL_CONFIGURE, _backup_figures)]
