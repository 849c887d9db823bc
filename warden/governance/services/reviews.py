"""The annual filtering and monitoring review: started with live figures, filled in by the
reviewers, refreshed while in draft, and kept, as completed, year after year."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.governance.models import FilteringReview, ReviewAction, ReviewStatus
from warden.governance.review_checks import ANSWERS, CHECK_KEYS, live_figures

# Who takes part, as the standard names them.
PARTICIPANT_ROLES = (
    ("slt", "Senior leadership team lead"),
    ("dsl", "Designated safeguarding lead"),
    ("it", "IT lead or provider"),
    ("governor", "Governor"),
)
_ANSWER_KEYS = {key for key, _label in ANSWERS}


def school_year(day: dt.date) -> int:
    """The school year a day falls in, by the year it starts (1 September)."""
    return day.year if day.month >= 9 else day.year - 1


def _sites(sites: list[str]) -> list[str]:
    cleaned = [s.strip() for s in sites if s.strip()]
    if len(cleaned) > 10:
        raise ServiceError(
            "Give at most ten test sites.", field_errors={"test_sites": ["At most ten sites."]}
        )
    return cleaned


def _refuse_unless_draft(review: FilteringReview) -> None:
    if not review.is_draft:
        raise ServiceError(f"{review} is complete; it is kept as it was and cannot change.")


@transaction.atomic
def review_start(
    *, actor: User | None, school: School, year: int, test_sites: list[str]
) -> FilteringReview:
    """Start the year's review with a snapshot of the live figures for every check."""
    if FilteringReview.objects.filter(school=school, year=year).exists():
        raise ServiceError(
            f"The review for {year}–{(year + 1) % 100:02d} is already started; open it from "
            "the list.",
            field_errors={"year": ["This year's review exists."]},
        )
    this_year = school_year(timezone.localdate())
    if not this_year - 1 <= year <= this_year:
        raise ServiceError(
            "Start the review for this school year or the last one.",
            field_errors={"year": ["Choose this school year or the last."]},
        )
    sites = _sites(test_sites)
    now = timezone.now()
    review = FilteringReview.objects.create(
        school=school,
        year=year,
        test_sites=sites,
        snapshot=live_figures(school, test_sites=sites, now=now),
        snapshot_at=now,
        started_by=actor,
        started_at=now,
    )
    audit_log(
        actor=actor,
        action="filtering_review.started",
        obj=review,
        changes={"year": [None, year], "snapshot_at": [None, now.isoformat()]},
    )
    return review


@transaction.atomic
def review_refresh(
    *, actor: User | None, review: FilteringReview, test_sites: list[str] | None = None
) -> FilteringReview:
    """Read the live figures again (only while the review is a draft)."""
    _refuse_unless_draft(review)
    if test_sites is not None:
        review.test_sites = _sites(test_sites)
    before = review.snapshot_at
    review.snapshot_at = timezone.now()
    review.snapshot = live_figures(
        review.school, test_sites=review.test_sites, now=review.snapshot_at
    )
    review.save()
    audit_log(
        actor=actor,
        action="filtering_review.refreshed",
        obj=review,
        changes={"snapshot_at": [before.isoformat(), review.snapshot_at.isoformat()]},
    )
    return review


@transaction.atomic
def review_update(
    *,
    actor: User | None,
    review: FilteringReview,
    participants: list[dict[str, str]],
    answers: dict[str, dict[str, str]],
    summary: str,
) -> FilteringReview:
    """Record who took part, the answer and evidence for each check, and the summary."""
    _refuse_unless_draft(review)
    roles = {key for key, _label in PARTICIPANT_ROLES}
    people = [
        {"role": p["role"], "name": p.get("name", "").strip()[:120]}
        for p in participants
        if p.get("role") in roles and p.get("name", "").strip()
    ]
    cleaned: dict[str, dict[str, str]] = {}
    for key in CHECK_KEYS:
        given = answers.get(key, {})
        answer = given.get("answer", "")
        if answer and answer not in _ANSWER_KEYS:
            raise ServiceError(f"{answer!r} is not an answer Warden knows.")
        cleaned[key] = {"answer": answer, "evidence": given.get("evidence", "").strip()[:4000]}
    before = {
        "answers": review.answers,
        "summary": review.summary,
        "participants": review.participants,
    }
    review.participants = people
    review.answers = cleaned
    review.summary = summary.strip()
    review.save()
    after = {
        "answers": review.answers,
        "summary": review.summary,
        "participants": review.participants,
    }
    audit_log(
        actor=actor, action="filtering_review.updated", obj=review, changes=diff(before, after)
    )
    return review


@transaction.atomic
def review_complete(*, actor: User | None, review: FilteringReview) -> FilteringReview:
    """Complete the review: every check answered and the four parts of the standard present
    (SLT, DSL, IT and a governor). It is then kept as it is."""
    _refuse_unless_draft(review)
    unanswered = [
        check["title"]
        for check in review.snapshot.get("checks", [])
        if not review.answers.get(check["key"], {}).get("answer")
    ]
    present = {p["role"] for p in review.participants}
    absent = [label for key, label in PARTICIPANT_ROLES if key not in present]
    problems: list[str] = []
    if unanswered:
        problems.append("answer every check (" + ", ".join(unanswered) + ")")
    if absent:
        problems.append("record who took part for " + ", ".join(a.lower() for a in absent))
    if problems:
        raise ServiceError("Before completing the review, " + "; and ".join(problems) + ".")
    review.status = ReviewStatus.COMPLETE
    review.completed_at = timezone.now()
    review.save()
    audit_log(
        actor=actor,
        action="filtering_review.completed",
        obj=review,
        changes={"status": [ReviewStatus.DRAFT, ReviewStatus.COMPLETE]},
    )
    return review


@transaction.atomic
def review_action_add(
    *, actor: User | None, review: FilteringReview, text: str, owner: str, due_on: dt.date | None
) -> ReviewAction:
    """Add an action the review agreed, with who will do it and by when."""
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = ["Say what is to be done."]
    if not owner.strip():
        errors["owner"] = ["Say who will do it."]
    if due_on is None:
        errors["due_on"] = ["Give the date it is to be done by."]
    if errors:
        raise ServiceError(
            "Check the action: " + " ".join(e[0] for e in errors.values()), field_errors=errors
        )
    assert due_on is not None
    action = ReviewAction.objects.create(
        school=review.school,
        review=review,
        text=text.strip()[:300],
        owner=owner.strip()[:120],
        due_on=due_on,
    )
    audit_log(
        actor=actor, action="review_action.created", obj=action, changes=diff({}, snapshot(action))
    )
    return action


@transaction.atomic
def review_action_done(*, actor: User | None, action: ReviewAction) -> ReviewAction:
    if action.done_on is not None:
        raise ServiceError("This action is already marked done.")
    action.done_on = timezone.localdate()
    action.save(update_fields=["done_on"])
    audit_log(
        actor=actor,
        action="review_action.done",
        obj=action,
        changes={"done_on": [None, action.done_on.isoformat()]},
    )
    return action


def participants_by_role(review: FilteringReview) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for p in review.participants:
        found.setdefault(p["role"], []).append(p["name"])
    return found


def answers_for(review: FilteringReview) -> dict[str, Any]:
    return {key: review.answers.get(key, {}) for key in CHECK_KEYS}
