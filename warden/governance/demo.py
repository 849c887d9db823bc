"""Demo governance: the starter policies approved at different times (one review overdue,
one due within the month), the starter courses with most staff trained and the newest member
of staff overdue for induction, the communications matrix as the policy sets it, and this
year's filtering and monitoring review started. Adds nothing when run again."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from warden.agreements.models import AgreementVersion, Audience, VersionStatus
from warden.core.models import Membership, School, User
from warden.core.roles import Role
from warden.governance.models import Course, FilteringReview, Policy, PolicyKind, TrainingDue
from warden.governance.review_checks import DEFAULT_TEST_SITES
from warden.governance.services import policies, reviews, training
from warden.people.models import STAFF_TYPES, Person

# Days before today each starter policy was approved: the ICT security policy's review is
# overdue, the data protection policy's falls due within the month.
APPROVED_DAYS_AGO = {
    PolicyKind.ICT_SECURITY: 400,
    PolicyKind.ACCEPTABLE_USE: 200,
    PolicyKind.E_SAFETY: 120,
    PolicyKind.DATA_PROTECTION: 345,
}
# Share of those who must take each course who have (the rest are due or overdue).
TRAINED_SHARE = 0.85


def _owner(school: School) -> User | None:
    found = Membership.objects.filter(school=school, role=Role.HEADTEACHER).first()
    return found.user if found else None


def _policies(school: School, today: dt.date) -> int:
    policies.starter_policies_install(actor=None, school=school)
    owner = _owner(school)
    staff_agreements = list(
        AgreementVersion.objects.filter(
            school=school, status=VersionStatus.PUBLISHED, agreement__audience=Audience.STAFF
        )
    )
    made = 0
    for policy in Policy.objects.filter(school=school):
        days = APPROVED_DAYS_AGO.get(PolicyKind(policy.kind), 200)
        approved = today - dt.timedelta(days=days)
        if owner is not None:
            policies.policy_update(
                actor=None,
                policy=policy,
                owner=owner,
                approving_body=policy.approving_body,
                next_review_on=None,
            )
        version = policies.version_create(
            actor=None,
            policy=policy,
            label=str(approved.year),
            text=f"{policy.title} of {school.name}, as approved by the governing body.",
            approved_on=approved,
            minute_reference=f"FGB {approved:%d/%m/%Y} item {3 + made}",
        )
        if policy.kind == PolicyKind.ACCEPTABLE_USE and staff_agreements:
            policies.version_link_agreements(
                actor=None, version=version, agreement_versions=staff_agreements
            )
        made += 1
    return made


def _training(school: School, today: dt.date, seed: int) -> int:
    rng = random.Random(f"{seed}-{school.slug}-training")
    training.starter_courses_install(actor=None, school=school)
    staff = list(
        Person.objects.filter(
            school=school, person_type__in=list(STAFF_TYPES), joining_date__lte=today
        )
        .exclude(leaving_date__lt=today)
        .order_by("-joining_date", "pk")
    )
    newest = staff[0] if staff else None
    recorded = 0
    groups: list[tuple[Course, dt.date, list[Person]]] = []
    for course in Course.objects.filter(school=school):
        due = TrainingDue.objects.filter(course=course).select_related("person")
        by_day: dict[dt.date, list[Person]] = {}
        for row in due:
            joined = row.person.joining_date
            if (row.person == newest and course.induction) or (joined and joined > today):
                continue
            if not course.induction and rng.random() > TRAINED_SHARE:
                continue
            # A completion still in date: within the course's validity, or long ago if once.
            months = course.validity_months or 24
            start = joined or today - dt.timedelta(days=365)
            earliest = max(start, today - dt.timedelta(days=months * 30 - 45))
            span = max((today - earliest).days, 1)
            day = earliest + dt.timedelta(days=rng.randint(0, span - 1))
            by_day.setdefault(day, []).append(row.person)
        groups += [(course, day, people) for day, people in sorted(by_day.items())]
    if groups:
        recorded = len(training.completions_record_groups(actor=None, groups=groups, note="Demo"))
    if newest is not None:
        # The newest member of staff is past the days their induction was due within.
        TrainingDue.objects.filter(person=newest, course__induction=True).update(
            due_on=min(
                newest.joining_date + dt.timedelta(days=14) if newest.joining_date else today,
                today - dt.timedelta(days=7),
            )
        )
    return recorded


def load(*, school: School, today: dt.date, seed: int) -> dict[str, int]:
    if Policy.objects.filter(school=school).exists():
        return {}
    with transaction.atomic():
        created = {"policies": _policies(school, today)}
        created["training records"] = _training(school, today, seed)
        if not FilteringReview.objects.filter(school=school).exists():
            reviews.review_start(
                actor=None,
                school=school,
                year=reviews.school_year(today),
                test_sites=list(DEFAULT_TEST_SITES),
            )
            created["filtering reviews"] = 1
    return created


LOADERS = [load]
