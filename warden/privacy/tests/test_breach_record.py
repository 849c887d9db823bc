"""The breach record: the ICO's risk questions, the decision with reasons, people informed,
actions with owners, and closing with lessons; closing needs the decision. Every change is
audited and written to the chronology."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from warden.accounts.models import Account, AccountState, System
from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.privacy.models import BreachSource, BreachState
from warden.privacy.services import breaches as services

pytestmark = pytest.mark.django_db


def _assess(siro, breach):
    return services.breach_assess(
        actor=siro,
        breach=breach,
        data_description="Names and parents' phone numbers of 6B.",
        categories=["contact", "health"],
        people_affected=28,
        likelihood="possible",
        harm="significant",
        containment="contained",
    )


def test_closing_needs_the_decision_then_every_action_and_the_lessons(
    school, siro, headteacher, breach
):
    with pytest.raises(ServiceError, match="decision on reporting to the ICO"):
        services.breach_close(actor=siro, breach=breach, lessons="Links are now internal only.")
    with pytest.raises(ServiceError, match="risk questions first"):
        services.breach_decide(
            actor=siro, breach=breach, decision="not_reportable", reasons="Low risk to anyone."
        )
    breach = _assess(siro, breach)
    assert breach.special_category
    with pytest.raises(ServiceError) as refused:
        services.breach_decide(actor=siro, breach=breach, decision="report", reasons="High risk.")
    assert "ico_reference" in refused.value.field_errors
    services.breach_decide(
        actor=siro,
        breach=breach,
        decision="report",
        reasons="Health data of 28 pupils could be misused.",
        ico_reference="IC-123456",
        ico_reported_on=timezone.localdate(),
    )
    services.breach_inform(
        actor=siro,
        breach=breach,
        party="parents",
        detail="The 28 families of 6B",
        informed_on=timezone.localdate(),
        how="letter",
    )
    action = services.breach_action_add(
        actor=siro, breach=breach, text="Turn off public sharing links", owner=headteacher
    )
    with pytest.raises(ServiceError, match="not done yet"):
        services.breach_close(actor=siro, breach=breach, lessons="Links are now internal only.")
    services.breach_action_done(actor=headteacher, action=action)
    breach = services.breach_close(actor=siro, breach=breach, lessons="Links are internal only.")
    assert breach.state == BreachState.CLOSED
    actions = list(
        AuditEntry.objects.filter(object_id=str(breach.pk), action__startswith="breach.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "breach.opened",
        "breach.assessed",
        "breach.decided",
        "breach.informed",
        "breach.action_added",
        "breach.action_done",
        "breach.closed",
    ]
    texts = [e.text for e in breach.chronology.order_by("at", "pk")]
    assert "within the 72 hours" in texts[2] and "IC-123456" in texts[2]
    assert texts[-1].startswith("Closed by")


def test_awareness_moves_only_with_a_reason_and_never_into_the_future(siro, breach):
    earlier = timezone.now() - dt.timedelta(hours=30)
    with pytest.raises(ServiceError) as refused:
        services.breach_set_aware(actor=siro, breach=breach, aware_at=earlier, reason="")
    assert "aware_reason" in refused.value.field_errors
    with pytest.raises(ServiceError, match="future") as refused:
        services.breach_set_aware(
            actor=siro,
            breach=breach,
            aware_at=timezone.now() + dt.timedelta(hours=2),
            reason="Typed wrongly",
        )
    assert "aware_at" in refused.value.field_errors
    breach = services.breach_set_aware(
        actor=siro, breach=breach, aware_at=earlier, reason="The loss was noticed the day before."
    )
    assert breach.aware_at == earlier
    assert AuditEntry.objects.filter(action="breach.aware_changed").exists()


def test_a_compromised_account_opens_a_breach_linked_to_it(school, siro, pupil):
    system = System.objects.create(school=school, name="E-mail")
    account = Account.objects.create(
        school=school, person=pupil, system=system, username="rpupil", state=AccountState.ACTIVE
    )
    breach = services.breach_open(
        actor=siro,
        school=school,
        title="Pupil mailbox taken over",
        description="A phishing e-mail took the pupil's password; mail was forwarded out.",
        account=account,
    )
    assert breach.source == BreachSource.ACCOUNT and breach.account == account
    assert "rpupil on E-mail" in breach.chronology.order_by("pk").last().text  # type: ignore[union-attr]


def test_only_the_siro_headteacher_or_trust_admin_keep_the_log(school, technician):
    with pytest.raises(ServiceError, match="Only the SIRO"):
        services.breach_open(
            actor=technician,
            school=school,
            title="A breach",
            description="Someone's data went somewhere.",
        )


def test_a_breach_is_not_opened_aware_in_the_future(school, siro):
    with pytest.raises(ServiceError, match="future") as refused:
        services.breach_open(
            actor=siro,
            school=school,
            title="Stick lost",
            description="A memory stick with a class list was lost.",
            aware_at=timezone.now() + dt.timedelta(hours=2),
        )
    assert list(refused.value.field_errors) == ["aware_at"]


def test_an_action_is_owned_by_staff_never_a_governor(school, siro, governor, headteacher):
    from django import forms

    from warden.privacy.forms import ActionForm

    owner = ActionForm(school=school).fields["owner"]
    assert isinstance(owner, forms.ModelChoiceField)
    owners = set(owner.queryset or [])
    assert {siro, headteacher} <= owners and governor not in owners
