"""Policy duty "Incidents follow the policy's response steps" (docs/policy-map.md): mandatory
steps must be done before closing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.incidents.models import IncidentKind, IncidentStatus, Part, Severity
from warden.incidents.services.incidents import incident_report, incident_set_severity
from warden.incidents.services.steps import step_complete


def _bullying(school, dsl, victim, subject):
    return incident_report(
        actor=dsl,
        school=school,
        kind=IncidentKind.CYBERBULLYING,
        title="Unkind messages in a group chat",
        description="Messages about a classmate shared in a chat.",
        people=[(subject, Part.SUBJECT), (victim, Part.VICTIM)],
    )


def test_a_bullying_incident_gets_the_bullying_steps_naming_who_must_be_told(
    school, dsl, pupil, other_pupil
):
    incident = _bullying(school, dsl, other_pupil, pupil)
    steps = {s.code: s for s in incident.steps.filter(playbook="bullying")}
    assert steps["evidence"].text == "Secure and preserve any evidence."
    assert steps["parents"].tell == "Parents or carers"
    assert steps["la_officer"].tell == "LA e-safety officer" and not steps["la_officer"].mandatory
    assert steps["police"].mandatory is False


def test_illegal_material_steps_say_do_not_copy_secure_the_device_and_contact_the_police(
    school, dsl, staff_member
):
    incident = incident_report(
        actor=dsl,
        school=school,
        kind=IncidentKind.ILLEGAL_MATERIAL,
        title="Suspected illegal images",
        description="Found on a shared drive.",
        people=[(staff_member, Part.SUBJECT)],
    )
    texts = " ".join(incident.steps.values_list("text", flat=True))
    assert "Do not copy, forward" in texts
    assert "Secure the device" in texts
    assert "police" in texts and "CEOP" in texts
    # Illegal material is a serious violation; an adult subject adds the adult playbook.
    assert set(incident.steps.values_list("playbook", flat=True)) == {"illegal", "serious_adult"}


def test_a_severe_pupil_breach_adds_the_serious_pupil_playbook(school, dsl, pupil):
    incident = incident_report(
        actor=dsl,
        school=school,
        kind=IncidentKind.MISUSE,
        title="Tried to get round the filter",
        description="Used a proxy site.",
        people=[(pupil, Part.SUBJECT)],
    )
    incident_set_severity(
        actor=dsl, incident=incident, severity=Severity.SEVERE, suspend_accounts=False
    )
    assert incident.steps.filter(playbook="serious_pupil", code="parents").exists()


def test_an_incident_cannot_be_closed_while_a_mandatory_step_is_open(
    school, dsl, pupil, other_pupil, client_for
):
    incident = _bullying(school, dsl, other_pupil, pupil)
    client = client_for(dsl)
    close = reverse("incidents:close", kwargs={"incident_pk": incident.pk})
    response = client.post(close, {"outcome": "upheld", "notes": "Dealt with."})
    assert response.status_code == 400
    assert "cannot be closed while" in response.content.decode()
    assert "“Refer to the relevant policies (anti-bullying, behaviour).”" in (
        response.content.decode()
    )
    incident.refresh_from_db()
    assert incident.status != IncidentStatus.CLOSED

    incident_set_severity(actor=dsl, incident=incident, severity=Severity.MINOR)
    for step in incident.steps.filter(mandatory=True):
        response = client.post(
            reverse("incidents:step_done", kwargs={"step_pk": step.pk}),
            {"note": "Parents phoned 10:15" if step.tell else ""},
        )
        assert response.status_code == 302
    response = client.post(close, {"outcome": "upheld", "notes": "Dealt with."})
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    done = incident.steps.filter(mandatory=True).first()
    assert done is not None and done.done_by == dsl and done.done_at is not None
    actions = set(
        AuditEntry.objects.filter(object_id=str(incident.pk)).values_list("action", flat=True)
    )
    assert {"incident.reported", "incident.step_done", "incident.closed"} <= actions


def test_a_step_naming_who_must_be_told_needs_a_note(school, dsl, pupil, other_pupil):
    incident = _bullying(school, dsl, other_pupil, pupil)
    parents = incident.steps.get(playbook="bullying", code="parents")
    with pytest.raises(ServiceError, match="Parents or carers was told"):
        step_complete(actor=dsl, step=parents)


def test_a_refused_close_keeps_the_summary_and_names_every_open_step_beside_the_form(
    school, dsl, pupil, other_pupil, client_for
):
    incident = _bullying(school, dsl, other_pupil, pupil)
    open_steps = list(incident.steps.filter(mandatory=True).order_by("playbook", "position"))
    assert len(open_steps) > 1
    summary = "Messages deleted; both families spoken to; apology given in person."
    response = client_for(dsl).post(
        reverse("incidents:close", kwargs={"incident_pk": incident.pk}),
        {"outcome": "upheld", "notes": summary},
    )
    assert response.status_code == 400
    page = response.content.decode()
    close_section = page[page.index('id="close"') :]
    # What was typed is still in the box, and the refusal sits in the close section.
    assert f"{summary}</textarea>" in close_section
    assert f"cannot be closed while {len(open_steps)} mandatory steps are open" in close_section
    for step in open_steps:
        assert step.text in close_section
    incident.refresh_from_db()
    assert incident.status != IncidentStatus.CLOSED
