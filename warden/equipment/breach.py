"""The possible-breach hook: a lost or stolen device that could expose personal data.

This is the one place where equipment decides that a loss may be a personal-data breach.
Until the data-protection area exists, a ``PossibleBreach`` row is the flag: it shows on
the dashboard and the asset's page until the SIRO acknowledges it, and the SIRO is
e-mailed when it is raised. The data-protection area takes over by registering a handler
in ``HANDLERS`` (called inside the reporting transaction with the new ``PossibleBreach``)
and by reading the open flags through ``open_breaches``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from warden.core.audit import audit_log
from warden.core.errors import ServiceError
from warden.core.models import Membership, School, User
from warden.core.roles import Role
from warden.equipment.models import BreachStatus, LossReport, PossibleBreach

# Called with each new PossibleBreach, inside the transaction that raised it.
HANDLERS: list[Callable[[PossibleBreach], None]] = []

# Who assesses a possible breach: the SIRO, or the headteacher in their absence.
ASSESSOR_ROLES = frozenset({Role.SIRO, Role.HEADTEACHER, Role.TRUST_ADMIN})


def breach_reason(*, held_personal_data: bool, encrypted: bool) -> str | None:
    """Why this loss may be a personal-data breach, or None.

    Policy duty "Lost unencrypted data is a possible breach" (docs/policy-map.md): personal
    data leaves the site only encrypted, and disk encryption is what prevents "theft of data
    in the event of the device being stolen". So a device that could hold personal data and
    was not encrypted, once out of the school's hands, may have exposed that data.
    """
    if held_personal_data and not encrypted:
        return "It could hold personal data and its disk was not encrypted."
    return None


def possible_breach_raise(*, report: LossReport) -> PossibleBreach | None:
    """Raise a possible breach for a loss when ``breach_reason`` says so.

    Stamped with the time of the report, audited, handed to any registered handler and
    e-mailed to the school's SIRO (or headteacher when there is no SIRO).
    """
    reason = breach_reason(
        held_personal_data=report.held_personal_data, encrypted=report.was_encrypted
    )
    if reason is None:
        return None
    breach = PossibleBreach.objects.create(
        school=report.school, loss_report=report, raised_at=report.reported_at, reason=reason
    )
    audit_log(
        actor=report.reported_by,
        action="possible_breach.raised",
        obj=breach,
        changes={"raised_at": [None, breach.raised_at.isoformat()], "reason": [None, reason]},
    )
    for handler in HANDLERS:
        handler(breach)
    _notify(breach)
    return breach


def _notify(breach: PossibleBreach) -> None:
    from warden.core.tasks import send_email_on_commit

    recipients = assessor_emails(breach.school)
    if not recipients:
        return
    report = breach.loss_report
    when = timezone.localtime(breach.raised_at)
    body = (
        f"{report.asset} was reported {report.get_kind_display().lower()} at "
        f"{when:%H:%M on %d/%m/%Y}.\n\n{breach.reason}\n\nCircumstances: {report.circumstances}\n\n"
        "This may be a personal data breach. Assess it in Warden (Equipment → Lost and stolen); "
        "a reportable breach must be reported to the ICO within 72 hours of becoming aware."
    )
    send_email_on_commit(
        subject=f"Possible data breach at {breach.school.name}: {report.asset.asset_tag}",
        body=body,
        to=recipients,
    )


def assessor_emails(school: School) -> list[str]:
    memberships = Membership.objects.filter(school=school).select_related("user")
    siros = [m.user.email for m in memberships if m.role == Role.SIRO and m.user.email]
    if siros:
        return sorted(set(siros))
    heads = [m.user.email for m in memberships if m.role == Role.HEADTEACHER and m.user.email]
    return sorted(set(heads))


def assessor_refusal(roles: set[str]) -> str | None:
    """Only the SIRO (or the headteacher or a trust administrator) assesses a possible
    breach: the SIRO owns the school's information risk."""
    if roles & ASSESSOR_ROLES:
        return None
    return "Only the SIRO or the headteacher acknowledges a possible data breach."


def open_breaches(school: School) -> QuerySet[PossibleBreach]:
    return PossibleBreach.objects.filter(school=school, status=BreachStatus.OPEN).select_related(
        "loss_report__asset", "loss_report__holder"
    )


@transaction.atomic
def possible_breach_acknowledge(
    *, actor: User, roles: set[str], breach: PossibleBreach, note: str
) -> PossibleBreach:
    """The SIRO records that they have the possible breach in hand; the flag clears."""
    refusal = assessor_refusal(roles)
    if refusal:
        raise ServiceError(refusal)
    breach = PossibleBreach.objects.select_for_update().get(pk=breach.pk)
    if breach.status != BreachStatus.OPEN:
        raise ServiceError("This possible breach has already been acknowledged.")
    if len(note.strip()) < 5:
        raise ServiceError(
            "Say what you have done or decided (for example, reported to the ICO, or why "
            "it is not reportable).",
            field_errors={"note": ["Write a short note of your assessment."]},
        )
    breach.status = BreachStatus.ACKNOWLEDGED
    breach.acknowledged_at = timezone.now()
    breach.acknowledged_by = actor
    breach.note = note.strip()
    breach.save()
    audit_log(
        actor=actor,
        action="possible_breach.acknowledged",
        obj=breach,
        changes={"status": ["open", "acknowledged"], "note": [None, breach.note]},
    )
    return breach
