"""Playbooks: add one by hand and tick off its steps."""

from __future__ import annotations

from django.db import transaction

from warden.core.audit import audit_log
from warden.core.confidential.services import (
    step_tick,
)
from warden.core.errors import ServiceError
from warden.core.models import User
from warden.incidents import playbooks, rules
from warden.incidents.models import (
    Incident,
    PlaybookStep,
)
from warden.incidents.services._shared import _apply_playbook, _expect_open, _locked


@transaction.atomic
def playbook_apply(*, actor: User, incident: Incident, key: str) -> int:
    """Add a playbook by hand (a pupil violation also needing the bullying steps)."""
    if key not in playbooks.PLAYBOOKS:
        raise ServiceError("Choose a playbook from the list.")
    incident = _locked(incident)
    _expect_open(incident, "add a playbook")
    added = _apply_playbook(incident, key, actor)
    if not added:
        raise ServiceError(f"“{playbooks.PLAYBOOKS[key].title}” is already applied.")
    audit_log(
        actor=actor,
        action="incident.playbook_applied",
        obj=incident,
        changes={"playbook": [None, key]},
    )
    return added


@transaction.atomic
def step_complete(*, actor: User, step: PlaybookStep, note: str = "") -> PlaybookStep:
    """Tick a playbook step, with who and when (and whom they told, in the note)."""
    step = PlaybookStep.objects.select_for_update().select_related("incident").get(pk=step.pk)
    _expect_open(step.incident, "tick its steps")
    step_tick(actor=actor, step=step, record=step.incident, note=note, kind=rules.INCIDENT_RECORDS)
    return step
