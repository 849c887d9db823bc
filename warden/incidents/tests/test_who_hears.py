"""Who hears about what (policy duties "Serious violations raised at once", "Incidents are
confidential" and "Infections reported to the ICT team", docs/policy-map.md).

An adult's monitoring violation goes to the headteacher, the headteacher's to the chair of
governors, and nobody is alerted about (or shown) their own browsing. A malware or
security-breach report reaches the ICT manager and technicians, who work its technical part
without its confidential parts.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from warden.core.roles import Role
from warden.incidents.models import Incident, IncidentKind, Part, PlaybookStep, Triage
from warden.incidents.services.incidents import incident_report
from warden.incidents.services.triage import violations_received
from warden.people.models import PersonType
from warden.testing.clients import committed
from warden.testing.factories import PersonFactory, UserFactory, member

from .object_makers import violation_at

pytestmark = pytest.mark.django_db


def _staff_record(school, user, job_title=""):
    return PersonFactory.create(
        school=school,
        user=user,
        first_name=user.first_name,
        last_name="Staffrecord",
        person_type=PersonType.TEACHING_STAFF,
        job_title=job_title,
    )


def _recipients() -> list[set[str]]:
    return [set(m.to) for m in mail.outbox]


def test_an_alert_about_the_dsls_own_browsing_goes_to_the_headteacher_not_to_her(
    school, dsl, deputy, headteacher
):
    own = violation_at(school, severity=5, person=_staff_record(school, dsl))
    with committed():
        violations_received(school=school, violation_ids=[own.pk])
    assert _recipients() == [{"head@example.org"}]


def test_an_alert_about_the_headteacher_goes_to_the_chair_of_governors(
    school, dsl, headteacher, governor
):
    chair = UserFactory.create(username="chair", email="chair@example.org", first_name="Chair")
    member(chair, school, Role.GOVERNOR)
    _staff_record(school, chair, job_title="Chair of Governors")
    heads = violation_at(school, severity=4, person=_staff_record(school, headteacher))
    with committed():
        violations_received(school=school, violation_ids=[heads.pk])
    assert _recipients() == [{"chair@example.org"}]


def test_a_pupils_alert_still_goes_to_the_dsl_team_and_alerts_are_split_by_route(
    school, dsl, deputy, headteacher, pupil, teacher
):
    pupils = violation_at(school, severity=5, person=pupil)
    teachers = violation_at(school, severity=5, person=_staff_record(school, teacher))
    with committed():
        result = violations_received(school=school, violation_ids=[pupils.pk, teachers.pk])
    assert result["alerted"] == 2
    assert sorted(_recipients(), key=len) == [
        {"head@example.org"},
        {"dsl@example.org", "deputy@example.org"},
    ]


def test_the_dsl_cannot_open_triage_or_even_see_her_own_violation(school, dsl, client_for):
    own = violation_at(school, severity=3, person=_staff_record(school, dsl), phrase="own-search")
    other = violation_at(school, severity=3, phrase="someone-else")
    client = client_for(dsl)
    queue = client.get(reverse("incidents:triage")).content.decode()
    assert "someone-else" in queue and "own-search" not in queue
    assert client.get(reverse("incidents:triage_detail", args=[own.pk])).status_code == 404
    refused = client.post(
        reverse("incidents:triage_act"),
        {"violation": [own.pk], "action": "no_action", "reason": "Looked fine to me"},
        follow=True,
    )
    assert "about your own use" in refused.content.decode()
    assert not Triage.objects.filter(violation=own).exclude(state="unviewed").exists()
    assert client.get(reverse("incidents:triage_detail", args=[other.pk])).status_code == 200


def test_a_malware_report_reaches_the_ict_team_who_work_its_technical_part_only(
    school, teacher, technician, ict_manager, dsl, pupil, client_for
):
    response = client_for(teacher).post(
        reverse("incidents:report"),
        {
            "kind": IncidentKind.MALWARE,
            "title": "Virus warning on the PC in room 4",
            "occurred_at": "2026-11-30T10:15",
            "description": "A pop-up said files were encrypted and asked for payment.",
            "subject": pupil.pk,
            "victim": "",
        },
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert {"technician@example.org", "ictmanager@example.org", "dsl@example.org"} <= set(
        message.to
    )
    incident = Incident.objects.get()
    client = client_for(technician)
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 404
    listing = client.get(reverse("incidents:technical_list")).content.decode()
    assert incident.reference in listing
    page = client.get(reverse("incidents:technical_detail", args=[incident.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "asked for payment" in text and "Disconnect the machine" in text
    assert "Scan the machine" in text and "Restore damaged files" in text
    assert pupil.last_name not in text  # the people in it stay confidential
    step = PlaybookStep.objects.get(incident=incident, code="disconnect")
    done = client.post(reverse("incidents:technical_step_done", args=[step.pk]), {"note": ""})
    assert done.status_code == 302
    step.refresh_from_db()
    assert step.done_by == technician


def test_the_ict_team_sees_no_technical_part_of_other_kinds(
    school, dsl, technician, pupil, client_for
):
    bullying = incident_report(
        actor=dsl,
        school=school,
        kind=IncidentKind.CYBERBULLYING,
        title="Unkind messages",
        description="Messages in a class chat.",
        people=[(pupil, Part.SUBJECT)],
    )
    client = client_for(technician)
    assert client.get(reverse("incidents:technical_detail", args=[bullying.pk])).status_code == 404
    step = PlaybookStep.objects.filter(incident=bullying).first()
    assert step is not None
    assert client.post(reverse("incidents:technical_step_done", args=[step.pk])).status_code == 404
