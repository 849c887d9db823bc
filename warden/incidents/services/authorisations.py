"""Staff monitoring authorisations (policy duty "Staff monitored only with authorisation",
docs/policy-map.md): request, approve or refuse, review, end, and the search of the
subject's archived internet history that only an authorisation in force opens.

Each write runs in a transaction and is audited as ``staff_monitoring.<what>``. Every search,
and every refused attempt, is written to the audit trail with the filters and the number of
rows found, so the headteacher and governors can see exactly what was looked at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from warden.accounts.models import Account
from warden.core.access import visible_school_ids
from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.engine import investigate
from warden.incidents import rules
from warden.incidents.access_authorisations import (
    APPROVE_REFUSAL,
    REQUEST_REFUSAL,
    may_approve,
    may_request,
)
from warden.incidents.models import (
    AuthorisationReview,
    AuthorisationScope,
    AuthorisationStatus,
    MonitoringAuthorisation,
    ReviewOutcome,
)
from warden.monitoring.ingestion import archive_root
from warden.people.models import STAFF_TYPES, Person

SEARCH_PAGE_SIZE = 50
SEARCH_COLUMNS = investigate.HISTORY_COLUMNS
_FIELDS = [
    "subject",
    "investigator",
    "scope",
    "reason",
    "starts_on",
    "ends_on",
    "review_dates",
    "history_from",
    "history_to",
]


def today_at(school: School) -> dt.date:
    return timezone.localtime(timezone.now(), ZoneInfo(school.timezone)).date()


def _locked(authorisation: MonitoringAuthorisation) -> MonitoringAuthorisation:
    return (
        MonitoringAuthorisation.objects.select_for_update()
        .select_related("school", "school__trust", "subject", "investigator")
        .get(pk=authorisation.pk)
    )


def facts_of(authorisation: MonitoringAuthorisation) -> rules.AuthorisationFacts:
    return rules.AuthorisationFacts(
        reference=authorisation.reference,
        status=authorisation.status,
        scope_covers_internet=authorisation.covers_internet,
        starts_on=authorisation.starts_on,
        ends_on=authorisation.ends_on,
        review_dates=tuple(dt.date.fromisoformat(d) for d in authorisation.review_dates),
        reviewed_on=tuple(r.reviewed_on for r in authorisation.reviews.all()),
        subject_is_staff=authorisation.subject.person_type in STAFF_TYPES,
    )


def state_label(authorisation: MonitoringAuthorisation, today: dt.date) -> str:
    """The authorisation's state in words for lists: in force, or why not."""
    if authorisation.status != AuthorisationStatus.APPROVED:
        return authorisation.get_status_display()
    if today < authorisation.starts_on:
        return f"Approved, from {authorisation.starts_on:%d/%m/%Y}"
    if today > authorisation.ends_on:
        return "Past its end date"
    facts = facts_of(authorisation)
    if rules.review_overdue_since(facts.review_dates, facts.reviewed_on, today):
        return "Review overdue"
    return "In force"


# --- requesting and deciding -----------------------------------------------------------------


@transaction.atomic
def authorisation_request(
    *,
    actor: User,
    school: School,
    subject: Person,
    investigator: User,
    scope: str,
    reason: str,
    starts_on: dt.date,
    ends_on: dt.date,
    review_dates: Sequence[dt.date] = (),
    history_from: dt.date | None = None,
    history_to: dt.date | None = None,
) -> MonitoringAuthorisation:
    """Ask the headteacher or a governor for permission to examine a member of staff's use.

    The request names the member of staff, the investigator who will do the looking, the
    scope (internet history, e-mail or both), the grounds, the period it is in force, when
    it will be reviewed, and optionally which period of use may be examined. Nothing may be
    searched until someone other than the requester approves it.
    """
    if not may_request(actor, school):
        raise ServiceError(REQUEST_REFUSAL)
    errors: dict[str, list[str]] = {}
    if subject.school_id != school.pk:
        errors["subject"] = ["Choose a member of staff of this school."]
    elif subject.person_type not in STAFF_TYPES:
        errors["subject"] = [
            "Authorisations are for members of staff. Pupils' use is followed through the "
            "DSL's normal monitoring."
        ]
    if school.pk not in visible_school_ids(investigator):
        errors["investigator"] = ["The investigator must be a Warden user at this school."]
    if scope not in AuthorisationScope.values:
        errors["scope"] = ["Choose internet history, e-mail, or both."]
    reason = (reason or "").strip()
    if len(reason) < 20:
        errors["reason"] = [
            "Set out the reasonable grounds for suspecting misuse (a few sentences): "
            "monitoring is never routine."
        ]
    refusal = rules.authorisation_period_refusal(
        starts_on=starts_on, ends_on=ends_on, review_dates=review_dates, today=today_at(school)
    )
    if refusal:
        errors.setdefault(refusal[0], []).append(refusal[1])
    if history_from and history_to and history_from > history_to:
        errors["history_to"] = ["The end of the period to examine must follow its start."]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ServiceError(f"The request was not made: {first}", field_errors=errors)
    authorisation = MonitoringAuthorisation.objects.create(
        school=school,
        subject=subject,
        investigator=investigator,
        scope=scope,
        reason=reason,
        starts_on=starts_on,
        ends_on=ends_on,
        review_dates=[d.isoformat() for d in sorted(set(review_dates))],
        history_from=history_from,
        history_to=history_to,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    audit_log(
        actor=actor,
        action="staff_monitoring.requested",
        obj=authorisation,
        changes=diff({}, snapshot(authorisation, _FIELDS)),
    )
    return authorisation


def _expect_pending(authorisation: MonitoringAuthorisation) -> None:
    if authorisation.status != AuthorisationStatus.PENDING:
        raise ServiceError(
            f"{authorisation.reference} is already {authorisation.get_status_display().lower()}."
        )


def _expect_approver(actor: User, authorisation: MonitoringAuthorisation, doing: str) -> None:
    if not may_approve(actor, authorisation.school_id):
        raise ServiceError(APPROVE_REFUSAL)
    if actor.pk == authorisation.requested_by_id:
        raise ServiceError(
            f"You asked for {authorisation.reference}, so you cannot {doing} it: the "
            "headteacher or another governor decides."
        )
    if actor.pk == authorisation.investigator_id:
        raise ServiceError(
            f"You are the investigator of {authorisation.reference}, so you cannot {doing} it."
        )


def _decide(
    actor: User, authorisation: MonitoringAuthorisation, status: str, note: str
) -> MonitoringAuthorisation:
    """Approve or refuse a pending request, as someone who may decide it."""
    authorisation = _locked(authorisation)
    _expect_pending(authorisation)
    doing = "approve" if status == AuthorisationStatus.APPROVED else "refuse"
    _expect_approver(actor, authorisation, doing)
    if status == AuthorisationStatus.APPROVED and authorisation.ends_on < today_at(
        authorisation.school
    ):
        raise ServiceError(f"{authorisation.reference} asked for a period that is over; ask again.")
    authorisation.status = status
    authorisation.decided_by = actor
    authorisation.decided_at = timezone.now()
    authorisation.decision_note = note[:300]
    authorisation.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_log(
        actor=actor,
        action=f"staff_monitoring.{status}",
        obj=authorisation,
        changes={
            "status": [AuthorisationStatus.PENDING.value, status],
            "note": [None, authorisation.decision_note],
        },
    )
    return authorisation


@transaction.atomic
def authorisation_approve(
    *, actor: User, authorisation: MonitoringAuthorisation, note: str = ""
) -> MonitoringAuthorisation:
    """Grant a pending request (headteacher or governor, never the requester or the
    investigator); the investigator may search from its start date."""
    return _decide(actor, authorisation, AuthorisationStatus.APPROVED, (note or "").strip())


@transaction.atomic
def authorisation_refuse(
    *, actor: User, authorisation: MonitoringAuthorisation, note: str
) -> MonitoringAuthorisation:
    """Refuse a pending request, saying why."""
    note = (note or "").strip()
    if not note:
        raise ServiceError("Say why it is refused.", field_errors={"note": ["Say why."]})
    return _decide(actor, authorisation, AuthorisationStatus.REFUSED, note)


def _finish(authorisation: MonitoringAuthorisation, actor: User, reason: str) -> None:
    before = authorisation.status
    authorisation.status = AuthorisationStatus.ENDED
    authorisation.ended_at = timezone.now()
    authorisation.ended_by = actor
    authorisation.end_reason = reason[:300]
    authorisation.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
    audit_log(
        actor=actor,
        action="staff_monitoring.ended",
        obj=authorisation,
        changes={"status": [before, AuthorisationStatus.ENDED.value], "reason": [None, reason]},
    )


@transaction.atomic
def authorisation_review(
    *, actor: User, authorisation: MonitoringAuthorisation, outcome: str, notes: str
) -> AuthorisationReview:
    """Record the regular review of an approved authorisation (§2): continue, or end now."""
    notes = (notes or "").strip()
    errors: dict[str, list[str]] = {}
    if outcome not in ReviewOutcome.values:
        errors["outcome"] = ["Choose whether monitoring continues or ends."]
    if not notes:
        errors["notes"] = ["Say why monitoring is still needed, or why it ends."]
    if errors:
        raise ServiceError(
            f"The review was not recorded: {next(iter(errors.values()))[0]}", field_errors=errors
        )
    authorisation = _locked(authorisation)
    if authorisation.status != AuthorisationStatus.APPROVED:
        raise ServiceError(
            f"Only an approved authorisation is reviewed; {authorisation.reference} is "
            f"{authorisation.get_status_display().lower()}."
        )
    if not may_approve(actor, authorisation.school_id):
        raise ServiceError(APPROVE_REFUSAL)
    if actor.pk == authorisation.investigator_id:
        raise ServiceError("The investigator cannot review their own authorisation.")
    review = AuthorisationReview.objects.create(
        school_id=authorisation.school_id,
        authorisation=authorisation,
        reviewed_on=today_at(authorisation.school),
        reviewed_at=timezone.now(),
        reviewed_by=actor,
        outcome=outcome,
        notes=notes,
    )
    audit_log(
        actor=actor,
        action="staff_monitoring.reviewed",
        obj=authorisation,
        changes={"review": [None, {"outcome": outcome, "notes": notes}]},
    )
    if outcome == ReviewOutcome.END:
        _finish(authorisation, actor, f"ended at review: {notes}")
    return review


@transaction.atomic
def authorisation_end(
    *, actor: User, authorisation: MonitoringAuthorisation, reason: str
) -> MonitoringAuthorisation:
    """End an authorisation early (or withdraw a request): monitoring stops at once."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Say why it ends.", field_errors={"reason": ["Say why."]})
    authorisation = _locked(authorisation)
    if authorisation.status not in (AuthorisationStatus.PENDING, AuthorisationStatus.APPROVED):
        raise ServiceError(
            f"{authorisation.reference} is already {authorisation.get_status_display().lower()}."
        )
    involved = actor.pk in (authorisation.requested_by_id, authorisation.investigator_id)
    if not (involved or may_approve(actor, authorisation.school_id)):
        raise ServiceError(
            "The requester, the investigator, the headteacher or a governor ends an authorisation."
        )
    _finish(authorisation, actor, reason)
    return authorisation


# --- searching the archive -------------------------------------------------------------------


@dataclass(frozen=True)
class HistorySearch:
    start: dt.date | None = None
    end: dt.date | None = None
    host: str = ""
    url: str = ""
    page: int = 1
    order: str = "oldest"
    """``"oldest"`` or ``"newest"`` first."""

    def as_audit(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "host": self.host or None,
            "url": self.url or None,
            "page": self.page,
            "order": self.order,
        }


@dataclass
class HistoryPage:
    search: HistorySearch
    total: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    page: int = 1
    pages: int = 1

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def search_refusal_for(
    actor: User, authorisation: MonitoringAuthorisation, today: dt.date
) -> str | None:
    """Why ``actor`` may not search under ``authorisation`` today, in the policy's words."""
    if actor.pk != authorisation.investigator_id:
        name = authorisation.investigator.get_full_name() or authorisation.investigator
        return (
            f"Only the investigator named in {authorisation.reference} ({name}) may search: "
            "approved monitoring is undertaken by designated staff."
        )
    return rules.search_refusal(facts_of(authorisation), today)


def _clamped(authorisation: MonitoringAuthorisation, search: HistorySearch) -> HistorySearch:
    """The search limited to the period of use the authorisation allows (§2: only to the
    extent necessary)."""
    start, end = search.start, search.end
    if authorisation.history_from and (start is None or start < authorisation.history_from):
        start = authorisation.history_from
    if authorisation.history_to and (end is None or end > authorisation.history_to):
        end = authorisation.history_to
    return replace(search, start=start, end=end)


def _usernames(authorisation: MonitoringAuthorisation) -> list[str]:
    """The names the subject's accounts log in under (and their lower-case forms, as
    proxies may log them)."""
    return sorted(
        {
            name
            for username in Account.objects.filter(person_id=authorisation.subject_id)
            .exclude(username="")
            .values_list("username", flat=True)
            for name in (username, username.lower())
        }
    )


def _history(
    authorisation: MonitoringAuthorisation, search: HistorySearch, page: int
) -> investigate.ResultPage:
    """One page of the subject's archived requests, attributed to them by ingestion
    (``person_id``) or made under one of their usernames, each line once, with the total:
    read from the archive with DuckDB (:func:`warden.engine.investigate.history`)."""
    return investigate.history(
        archive_root(),
        authorisation.school.slug,
        person_ids=[str(authorisation.subject_id)],
        usernames=_usernames(authorisation),
        start=search.start,
        end=search.end,
        host_contains=search.host,
        url_contains=search.url,
        limit=SEARCH_PAGE_SIZE,
        offset=(page - 1) * SEARCH_PAGE_SIZE,
        order=search.order,
        columns=SEARCH_COLUMNS,
    )


def authorisation_search(
    *, actor: User, authorisation: MonitoringAuthorisation, search: HistorySearch
) -> HistoryPage:
    """Search the subject's archived internet history under an authorisation in force.

    Refused, with the reason in the policy's words, unless ``actor`` is the investigator
    and the authorisation is approved, started, not ended, not past its end date and not
    waiting for a review that fell due. The search keeps to the period of use the
    authorisation allows. Every search is audited (who, which authorisation, the filters,
    how many rows), and so is every refused attempt.
    """
    refusal = search_refusal_for(actor, authorisation, today_at(authorisation.school))
    if refusal:
        audit_log(
            actor=actor,
            action="staff_monitoring.search_refused",
            obj=authorisation,
            changes={"filters": [None, search.as_audit()], "refusal": [None, refusal]},
        )
        raise ServiceError(refusal)
    search = _clamped(authorisation, search)
    if search.start and search.end and search.start > search.end:
        raise ServiceError("The search ends before it starts; check the dates.")
    if search.order not in ("oldest", "newest"):
        raise ServiceError("Show the oldest or the newest requests first.")
    page = max(1, search.page)
    found = _history(authorisation, search, page)
    total = found.total
    pages = max(1, -(-total // SEARCH_PAGE_SIZE))
    if page > pages:
        # Past the last page (the archive shrank, or a hand-made link): show the last.
        page = pages
        found = _history(authorisation, search, page)
    rows = found.rows
    audit_log(
        actor=actor,
        action="staff_monitoring.searched",
        obj=authorisation,
        changes={"filters": [None, search.as_audit()], "rows": [None, total]},
    )
    return HistoryPage(search=search, total=total, rows=rows, page=page, pages=pages)
