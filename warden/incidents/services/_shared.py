"""Helpers several incident services use: the clock, links, mail, locking, and the
playbooks an incident's kind, severity and subjects call for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.utils import timezone

from warden.core.confidential.services import (
    steps_apply,
)
from warden.core.errors import ServiceError
from warden.core.links import absolute_url
from warden.core.models import School, User
from warden.core.tasks import send_email_on_commit
from warden.incidents import playbooks
from warden.incidents.models import (
    Incident,
    IncidentStatus,
    Part,
)

EVIDENCE_DIR = "evidence"
MAX_EVIDENCE_BYTES = 50 * 1024 * 1024
MAX_BULK = 200


def _now() -> dt.datetime:
    return timezone.now()


def _today(school: School) -> dt.date:
    return timezone.localtime(_now(), ZoneInfo(school.timezone)).date()


def _link(path: str) -> str:
    return absolute_url(path)


def _locked(incident: Incident) -> Incident:
    return (
        Incident.objects.select_for_update()
        .select_related("school", "school__trust")
        .get(pk=incident.pk)
    )


def _expect_open(incident: Incident, what: str) -> None:
    if incident.status == IncidentStatus.CLOSED:
        raise ServiceError(f"{incident.reference} is closed; reopen it before you {what}.")


def _mail(*, subject: str, body: str, to: Sequence[str]) -> int:
    if not to:
        return 0
    send_email_on_commit(subject=subject, body=body, to=list(to))
    return len(to)


# --- playbooks ------------------------------------------------------------------------------


def _apply_playbook(incident: Incident, key: str, actor: User | None) -> int:
    book = playbooks.PLAYBOOKS[key]
    return steps_apply(
        incident,
        key=key,
        title=book.title,
        source=book.source,
        steps=[playbooks.local_step(incident.school, s) for s in book.steps],
        actor=actor,
    )


def _refresh_playbooks(incident: Incident, actor: User | None) -> None:
    subject_types = incident.involvements.filter(part=Part.SUBJECT).values_list(
        "person__person_type", flat=True
    )
    for key in playbooks.playbooks_for(
        kind=incident.kind, severity=incident.severity, subject_types=list(subject_types)
    ):
        _apply_playbook(incident, key, actor)
