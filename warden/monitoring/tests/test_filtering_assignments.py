"""Assignments by name: a person put in a filter group ahead of the rules, for a while."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.engine.snapshot import read_snapshot
from warden.monitoring import conf
from warden.monitoring.demo import load_filter_groups
from warden.monitoring.models.filtering import FilterGroup, FilterGroupAssignment
from warden.monitoring.selectors.filtering import changelog_at
from warden.monitoring.services import filtering as services
from warden.monitoring.tasks.filtering import lapse_filter_assignments
from warden.monitoring.tests.filtering_helpers import make_groups
from warden.monitoring.tests.monitoring_helpers import pupil_with_account

pytestmark = pytest.mark.django_db


def _users(school) -> dict[str, str]:
    return read_snapshot(conf.snapshot_path(school.slug)).users


@pytest.fixture
def pupil(school, filtering_dir, published):
    with published():
        make_groups(school)
        return pupil_with_account(
            school, "robin.assigned", first_name="Robin", last_name="Assigned", year_group=8
        )


def test_an_assigned_person_is_in_the_assigned_group_until_removed(
    school, pupil, ict_manager, published
):
    assert _users(school)["robin.assigned"] == "ks3"
    staff = FilterGroup.objects.get(school=school, slug="staff")
    with published():
        assignment = services.filter_group_assign(
            actor=ict_manager, person=pupil, group=staff, reason="Trying the staff policy"
        )
    assert _users(school)["robin.assigned"] == "staff"
    with published():
        services.filter_group_unassign(
            actor=ict_manager, assignment=assignment, reason="Trial over"
        )
    assert _users(school)["robin.assigned"] == "ks3"
    actions = list(changelog_at(school).values_list("action", flat=True))
    assert "filtering.assignment_added" in actions
    assert "filtering.assignment_removed" in actions


def test_the_latest_assignment_wins_and_the_earlier_one_returns(school, pupil, published):
    staff = FilterGroup.objects.get(school=school, slug="staff")
    with published():
        services.filter_group_assign(actor=None, person=pupil, group=staff, reason="First")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=1)), published():
        later = services.filter_group_assign(
            actor=None, person=pupil, group=services.no_internet_group(school), reason="Second"
        )
    assert _users(school)["robin.assigned"] == services.NO_INTERNET_SLUG
    with published():
        services.filter_group_unassign(actor=None, assignment=later, reason="Done")
    assert _users(school)["robin.assigned"] == "staff"


def test_assigning_again_to_the_same_group_keeps_one_assignment_to_the_later_end(school, pupil):
    group = services.no_internet_group(school)
    soon = timezone.now() + dt.timedelta(days=2)
    later = timezone.now() + dt.timedelta(days=5)
    first = services.filter_group_assign(
        actor=None, person=pupil, group=group, reason="One", ends=soon
    )
    again = services.filter_group_assign(
        actor=None, person=pupil, group=group, reason="Two", ends=later
    )
    assert again.pk == first.pk
    assert again.ends_at == later
    assert AuditEntry.objects.filter(action="filtering.assignment_extended").count() == 1


def test_an_assignment_leaves_the_snapshot_at_its_end(school, pupil, published):
    group = services.no_internet_group(school)
    with published():
        services.filter_group_assign(
            actor=None,
            person=pupil,
            group=group,
            reason="Two hours",
            ends=timezone.now() + dt.timedelta(hours=2),
        )
    assert _users(school)["robin.assigned"] == services.NO_INTERNET_SLUG
    with time_machine.travel(timezone.now() + dt.timedelta(hours=3)), published():
        assert lapse_filter_assignments.enqueue().return_value == 1
    assert _users(school)["robin.assigned"] == "ks3"
    assert FilterGroupAssignment.objects.get().removed_at is not None
    assert AuditEntry.objects.filter(action="filtering.assignment_lapsed").count() == 1


def test_the_no_internet_group_blocks_everything_and_is_made_once(school, filtering_dir):
    group = services.no_internet_group(school)
    assert services.no_internet_group(school) == group
    assert group.default_action == "block" and group.safe_search
    assert group.person_types == []
    actions = {a.action for a in group.actions.all()}
    assert actions == {"block"}
    assert group.actions.count() > 20


def test_the_demo_loader_adds_the_no_internet_group(school, filtering_dir):
    load_filter_groups(school=school, today=dt.date.today(), seed=1)
    assert FilterGroup.objects.filter(school=school, slug=services.NO_INTERNET_SLUG).exists()


def test_a_group_with_people_assigned_cannot_be_deleted(school, pupil):
    staff = FilterGroup.objects.get(school=school, slug="staff")
    services.filter_group_assign(actor=None, person=pupil, group=staff, reason="Trial")
    with pytest.raises(ServiceError, match="assigned to Staff by name"):
        services.group_delete(actor=None, group=staff, reason="Tidying")


def test_an_assignment_needs_a_reason_and_a_future_end(school, pupil):
    staff = FilterGroup.objects.get(school=school, slug="staff")
    with pytest.raises(ServiceError, match="Give a reason"):
        services.filter_group_assign(actor=None, person=pupil, group=staff, reason=" ")
    with pytest.raises(ServiceError, match="end in the future"):
        services.filter_group_assign(
            actor=None,
            person=pupil,
            group=staff,
            reason="Late",
            ends=timezone.now() - dt.timedelta(minutes=1),
        )


def test_the_ict_manager_assigns_from_the_persons_page_and_removes_from_the_group_page(
    school, pupil, ict_manager, client_for, published
):
    client = client_for(ict_manager)
    page = client.get(reverse("people:detail", kwargs={"person_pk": pupil.pk})).content.decode()
    assert "Web filtering" in page and "Key stage 3" in page
    staff = FilterGroup.objects.get(school=school, slug="staff")
    with published():
        response = client.post(
            reverse("monitoring:filter_assignment_add", kwargs={"person_pk": pupil.pk}),
            {"group": staff.pk, "reason": "Helping in the library"},
        )
    assert response.status_code == 302
    assert _users(school)["robin.assigned"] == "staff"
    group_page = client.get(
        reverse("monitoring:filter_group_detail", kwargs={"filter_group_pk": staff.pk})
    ).content.decode()
    assert "Robin Assigned" in group_page and "Helping in the library" in group_page
    assignment = FilterGroupAssignment.objects.get()
    with published():
        response = client.post(
            reverse(
                "monitoring:filter_assignment_remove",
                kwargs={"filter_assignment_pk": assignment.pk},
            ),
            {"reason": "Library work finished"},
        )
    assert response.status_code == 302
    assert _users(school)["robin.assigned"] == "ks3"


def test_a_teacher_cannot_assign_anyone(school, pupil, teacher, client_for):
    staff = FilterGroup.objects.get(school=school, slug="staff")
    response = client_for(teacher).post(
        reverse("monitoring:filter_assignment_add", kwargs={"person_pk": pupil.pk}),
        {"group": staff.pk, "reason": "Because"},
    )
    assert response.status_code == 403
    assert not FilterGroupAssignment.objects.exists()
