"""The policy register and the training matrix cost the same number of queries whatever
their length."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from warden.governance.models import PolicyKind
from warden.governance.services import policies, training
from warden.people.models import PersonType
from warden.testing.factories import PersonFactory
from warden.testing.pages import page_queries

pytestmark = pytest.mark.django_db


def _policy(school, title, owner=None):
    policy = policies.policy_create(
        actor=None, school=school, kind=PolicyKind.E_SAFETY, title=title, owner=owner
    )
    policies.version_create(
        actor=None,
        policy=policy,
        label="2025",
        text="The school's policy.",
        approved_on=timezone.localdate() - dt.timedelta(days=400),
        minute_reference="FGB 12 item 4",
    )
    return policy


def test_the_policy_register_costs_the_same_queries_for_one_policy_or_many(
    school, headteacher, client_for
):
    client = client_for(headteacher)
    url = reverse("governance:policy_list")
    _policy(school, "Policy 0")
    few = page_queries(client, url)
    for n in range(1, 9):
        _policy(school, f"Policy {n}", owner=headteacher)
    assert page_queries(client, url) == few


def test_the_training_matrix_costs_the_same_queries_for_one_person_or_many(
    school, headteacher, client_for
):
    course = training.course_create(
        actor=None,
        school=school,
        title="Induction: e-safety",
        person_types=[PersonType.TEACHING_STAFF],
        due_within_days=14,
        induction=True,
    )
    client = client_for(headteacher)
    url = reverse("governance:training")

    def staff(n):
        people = PersonFactory.create_batch(n, school=school, person_type=PersonType.TEACHING_STAFF)
        training.completions_record(
            actor=None,
            course=course,
            people=people[: n // 2],
            completed_on=timezone.localdate() - dt.timedelta(days=3),
        )
        return people

    staff(2)
    few = page_queries(client, url)
    staff(8)
    assert page_queries(client, url) == few
