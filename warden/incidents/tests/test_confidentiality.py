"""Incidents are confidential: who may read them, and every read is in the audit trail."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.incidents.models import Incident, IncidentKind, Part
from warden.incidents.services.incidents import access_grant, access_revoke, incident_report
from warden.testing.factories import PersonFactory


@pytest.fixture
def incident(school, dsl, pupil, other_pupil):
    return incident_report(
        actor=dsl,
        school=school,
        kind=IncidentKind.CYBERBULLYING,
        title="Name-calling on the learning platform",
        description="Comments under a homework post.",
        people=[(pupil, Part.SUBJECT), (other_pupil, Part.VICTIM)],
    )


def test_a_teacher_can_report_an_incident_and_the_siro_dsl_and_head_are_told(
    school, teacher, dsl, siro, headteacher, pupil, client_for
):
    PersonFactory.create(school=school, first_name="Teacher", last_name="Own", user=teacher)
    response = client_for(teacher).post(
        reverse("incidents:report"),
        {
            "kind": IncidentKind.OFFENSIVE_EMAIL,
            "title": "Offensive e-mail from outside",
            "occurred_at": "2026-11-30T09:15",
            "description": "An abusive message arrived; I have not forwarded it.",
            "subject": "",
            "victim": pupil.pk,
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("incidents:my_reports")
    incident = Incident.objects.get()
    parts = set(incident.involvements.values_list("part", flat=True))
    assert parts == {Part.VICTIM, Part.REPORTER}
    (message,) = mail.outbox
    assert set(message.to) == {"dsl@example.org", "siro@example.org", "head@example.org"}
    assert pupil.last_name not in message.body  # no details leave Warden by e-mail


def test_a_teacher_cannot_open_the_log_or_an_incident(incident, teacher, client_for):
    client = client_for(teacher)
    assert client.get(reverse("incidents:list")).status_code == 403
    assert client.get(reverse("incidents:bullying_log")).status_code == 403
    detail = reverse("incidents:detail", kwargs={"incident_pk": incident.pk})
    assert client.get(detail).status_code == 404
    assert client.get(reverse("incidents:my_report", args=[incident.pk])).status_code == 404


def test_a_reporter_sees_their_report_without_the_people_in_it(school, teacher, pupil, client_for):
    incident = incident_report(
        actor=teacher,
        school=school,
        kind=IncidentKind.MISUSE,
        title="Shared password",
        description="Saw a password written on a desk.",
        people=[(pupil, Part.SUBJECT)],
    )
    client = client_for(teacher)
    mine = client.get(reverse("incidents:my_reports")).content.decode()
    assert incident.reference in mine
    page = client.get(reverse("incidents:my_report", args=[incident.pk]))
    assert page.status_code == 200
    assert pupil.last_name not in page.content.decode()
    assert "Saw a password" not in page.content.decode()
    detail = reverse("incidents:detail", kwargs={"incident_pk": incident.pk})
    assert client.get(detail).status_code == 404  # reporting gives no right to the file


def test_every_view_of_an_incident_is_in_the_audit_trail(incident, dsl, siro, client_for):
    detail = reverse("incidents:detail", kwargs={"incident_pk": incident.pk})
    client_for(dsl).get(detail)
    client_for(dsl).get(detail)
    assert client_for(siro).get(detail).status_code == 200
    views = AuditEntry.objects.filter(action="incident.viewed", object_id=str(incident.pk))
    assert sorted(views.values_list("actor__username", flat=True)) == ["dsl", "dsl", "siro"]


def test_a_user_added_to_the_access_list_can_read_only_that_incident(
    school, incident, dsl, teacher, pupil, client_for
):
    other = incident_report(
        actor=dsl,
        school=school,
        kind=IncidentKind.MALWARE,
        title="Virus warning",
        description="Pop-up on a classroom PC.",
    )
    response = client_for(dsl).post(
        reverse("incidents:access_add", kwargs={"incident_pk": incident.pk}),
        {"user": teacher.pk, "reason": "Form tutor helping the investigation"},
    )
    assert response.status_code == 302
    client = client_for(teacher)
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 200
    assert client.get(reverse("incidents:detail", args=[other.pk])).status_code == 404
    listing = client.get(reverse("incidents:list"), {"status": ""}).content.decode()
    assert incident.reference in listing and other.reference not in listing
    # Reading is all: handling stays with the DSL.
    severity = reverse("incidents:severity_set", args=[incident.pk])
    assert client.post(severity, {"severity": "minor"}).status_code == 403


def test_only_those_who_handle_incidents_change_an_access_list(incident, dsl, teacher, office):
    entry = access_grant(actor=dsl, incident=incident, user=teacher, reason="Tutor")
    # On the list, the teacher reads the incident, but may not let anyone else in or out.
    with pytest.raises(ServiceError, match="Only the DSL, a deputy DSL or the headteacher"):
        access_grant(actor=teacher, incident=incident, user=office, reason="Helps")
    with pytest.raises(ServiceError, match="Only the DSL, a deputy DSL or the headteacher"):
        access_revoke(actor=teacher, entry=entry)
    assert list(incident.access_list.values_list("user", flat=True)) == [teacher.pk]


def test_school_b_sees_nothing_of_school_a(incident, other_school_user, client_for):
    client = client_for(other_school_user)
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 404
    listing = client.get(reverse("incidents:list"), {"status": ""})
    assert incident.title not in listing.content.decode()
    bullying = client.get(reverse("incidents:bullying_log"))
    assert incident.title not in bullying.content.decode()


def test_the_person_page_shows_incidents_only_to_incident_readers(
    incident, pupil, dsl, office, client_for
):
    url = reverse("people:detail", kwargs={"person_pk": pupil.pk})
    assert incident.reference in client_for(dsl).get(url).content.decode()
    assert incident.reference not in client_for(office).get(url).content.decode()
