"""A self-harm alert goes triage → welfare concern → referral → closed, with no disciplinary
step, no sanction and no change to the child's accounts (issue 13, items 1 and 2)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from warden.accounts.models import Account, AccountState
from warden.core.models import AuditEntry
from warden.incidents.models import Incident, PlaybookStep, Sanction, Triage, TriageState
from warden.safeguarding.models import ConcernStatus, WelfareConcern

from .conftest import alert


def test_a_self_harm_alert_becomes_a_welfare_concern_and_closes_without_discipline(
    school, dsl, pupil, pupil_accounts, self_harm_alert, client_for
):
    client = client_for(dsl)
    today = timezone.localdate().isoformat()

    queue = client.get(reverse("incidents:triage")).content.decode()
    assert "Welfare concern</span>" in queue  # the route the self-harm alert proposes
    assert "Raise a welfare concern" not in queue  # never in bulk: one child at a time
    detail = reverse("incidents:triage_detail", args=[self_harm_alert.pk])
    assert "Raise a welfare concern" in client.get(detail).content.decode()

    response = client.post(
        reverse("safeguarding:concern_from_triage"), {"violation": [self_harm_alert.pk]}
    )
    concern = WelfareConcern.objects.get()
    assert response["Location"] == reverse("safeguarding:detail", args=[concern.pk])
    assert concern.person == pupil
    assert concern.category == "self_harm"
    assert concern.search_terms == "how to cut myself"
    assert concern.seen_at == self_harm_alert.ts
    assert Triage.objects.get(violation=self_harm_alert).state == TriageState.WELFARE

    page = client.get(response["Location"]).content.decode()
    assert "how to cut myself" in page
    assert "Risk of suicide or self-harm" in page
    steps = list(concern.steps.all())
    assert steps and not any("disciplin" in s.text.lower() for s in steps)

    detail = reverse("safeguarding:detail", args=[concern.pk])
    client.post(
        reverse("safeguarding:assess", args=[concern.pk]),
        {
            "category": "self_harm",
            "assessment": "Low mood after a falling-out with friends; no plan to act.",
            "review_on": today,
        },
    )
    refused = client.post(
        reverse("safeguarding:actions", args=[concern.pk]),
        {"spoke_to_pupil_on": today, "parents": "not_informed"},
        follow=True,
    ).content.decode()
    assert "Say why informing the parents or carers would put the child at risk" in refused
    client.post(
        reverse("safeguarding:actions", args=[concern.pk]),
        {
            "spoke_to_pupil_on": today,
            "spoke_to_pupil_note": "Said they were curious after a video.",
            "parents": "informed",
            "parents_on": today,
        },
    )
    client.post(
        reverse("safeguarding:referral_add", args=[concern.pk]),
        {"agency": "early_help", "made_on": today, "reference": "EH-2291"},
    )
    for step in concern.steps.filter(done_at__isnull=True, mandatory=True):
        client.post(
            reverse("safeguarding:step_done", args=[step.pk]),
            {"note": "Done the same day." if step.tell else ""},
        )
    closed = client.post(
        reverse("safeguarding:close", args=[concern.pk]),
        {"outcome": "early_help", "notes": "Early help plan agreed with the family."},
        follow=True,
    )
    assert f"{concern.reference} is closed." in closed.content.decode()

    concern.refresh_from_db()
    assert concern.status == ConcernStatus.CLOSED
    assert concern.referrals.get().reference == "EH-2291"
    # No disciplinary route was taken: no incident, no sanction, no playbook step of one,
    # and every account is as it was.
    assert not Incident.objects.exists()
    assert not Sanction.objects.exists()
    assert not PlaybookStep.objects.exists()
    assert [a.state for a in Account.objects.filter(person=pupil)] == [AccountState.ACTIVE] * 3
    chronology = "\n".join(concern.chronology.values_list("text", flat=True))
    assert "Referred to Early help on" in chronology and "EH-2291" in chronology
    assert AuditEntry.objects.filter(action="welfare_concern.viewed").exists()
    assert client.get(detail).status_code == 200


def test_a_concern_cannot_close_before_the_parents_decision_and_the_open_steps(
    school, dsl, self_harm_alert, client_for
):
    client = client_for(dsl)
    client.post(reverse("safeguarding:concern_from_triage"), {"violation": [self_harm_alert.pk]})
    concern = WelfareConcern.objects.get()
    refused = client.post(
        reverse("safeguarding:close", args=[concern.pk]),
        {"outcome": "support_in_school", "notes": "Supported."},
        follow=True,
    ).content.decode()
    assert "cannot be closed yet" in refused
    assert "whether the parents or carers were informed" in refused
    assert "Speak to the pupil today" in refused
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.OPEN


def test_parents_not_informed_is_recorded_with_its_reason(school, dsl, self_harm_alert, client_for):
    client = client_for(dsl)
    client.post(reverse("safeguarding:concern_from_triage"), {"violation": [self_harm_alert.pk]})
    concern = WelfareConcern.objects.get()
    client.post(
        reverse("safeguarding:actions", args=[concern.pk]),
        {
            "parents": "not_informed",
            "parents_not_informed_reason": "The pupil disclosed harm at home.",
        },
    )
    concern.refresh_from_db()
    assert concern.parents == "not_informed"
    assert concern.parents_not_informed_reason == "The pupil disclosed harm at home."
    assert "Parents or carers not informed, because it would put the child at risk" in "\n".join(
        concern.chronology.values_list("text", flat=True)
    )


def test_a_concern_is_about_one_child(school, dsl, pupil, client_for):
    from warden.testing.factories import PupilFactory

    other = PupilFactory.create(school=school)
    first, second = alert(pupil), alert(other)
    response = client_for(dsl).post(
        reverse("safeguarding:concern_from_triage"),
        {"violation": [first.pk, second.pk]},
        follow=True,
    )
    assert "A welfare concern is about one child" in response.content.decode()
    assert not WelfareConcern.objects.exists()
    assert Triage.objects.get(violation=first).state == TriageState.UNVIEWED


def test_the_dsl_can_still_take_a_self_harm_alert_down_the_breach_route(
    school, dsl, pupil, self_harm_alert, client_for
):
    client_for(dsl).post(
        reverse("incidents:triage_act"),
        {"violation": [self_harm_alert.pk], "action": "escalate_new", "kind": "misuse"},
    )
    assert Incident.objects.get().kind == "misuse"
    assert not WelfareConcern.objects.exists()


def test_a_concern_links_to_a_breach_when_both_apply(school, dsl, pupil, client_for):
    from warden.incidents.services.incidents import incident_report

    breach = incident_report(
        actor=dsl, school=school, kind="misuse", title="Used a proxy", description="A proxy."
    )
    client = client_for(dsl)
    client.post(reverse("safeguarding:concern_from_triage"), {"violation": [alert(pupil).pk]})
    concern = WelfareConcern.objects.get()
    client.post(reverse("safeguarding:link", args=[concern.pk]), {"incident": breach.pk})
    concern.refresh_from_db()
    assert concern.incident == breach
    page = client.get(reverse("safeguarding:detail", args=[concern.pk])).content.decode()
    assert breach.reference in page
