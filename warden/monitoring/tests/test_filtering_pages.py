"""Every filtering page renders for the roles that use it, with a bounded number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warden.monitoring.services import filtering as services
from warden.monitoring.tests.filtering_helpers import in_hours, make_groups

pytestmark = pytest.mark.django_db

PAGES = [
    "monitoring:filter_group_list",
    "monitoring:filter_category_list",
    "monitoring:filter_list_list",
    "monitoring:filter_entry_list",
    "monitoring:filter_exception_list",
    "monitoring:filter_request_list",
    "monitoring:filter_changelog",
    "monitoring:filter_snapshot",
]


@pytest.fixture
def busy_school(school, dsl, teacher, filtering_dir):
    groups = make_groups(school)
    for n in range(5):
        services.entry_add(
            actor=None,
            school=school,
            site=f"blocked{n}.example.org",
            action="block",
            category="games",
            reason="Distracting in lessons",
        )
        request = services.request_create(
            actor=teacher,
            school=school,
            site=f"site{n}.example.org",
            group=groups["ks3"],
            reason="Needed for a history project",
            wanted_until=in_hours(3),
        )
        services.request_approve(actor=dsl, request=request)
    return groups


@pytest.mark.parametrize("url_name", PAGES)
def test_ict_manager_sees_every_filtering_page(url_name, busy_school, ict_manager, client_for):
    response = client_for(ict_manager).get(reverse(url_name))
    assert response.status_code == 200


def test_group_page_renders_for_viewers_and_managers(busy_school, ict_manager, dsl, client_for):
    url = reverse(
        "monitoring:filter_group_detail", kwargs={"filter_group_pk": busy_school["ks3"].pk}
    )
    managed = client_for(ict_manager).get(url).content.decode()
    assert "Save categories" in managed and "Add a time rule" in managed
    viewed = client_for(dsl).get(url).content.decode()
    assert "Save categories" not in viewed and "Gambling" in viewed


@pytest.mark.parametrize(
    "url_name",
    [
        "monitoring:filter_request_list",
        "monitoring:filter_exception_list",
        "monitoring:filter_group_list",
    ],
)
def test_main_lists_do_not_query_per_row(
    url_name, busy_school, dsl, client_for, django_assert_max_num_queries
):
    client = client_for(dsl)
    client.get(reverse(url_name))  # sessions, memberships and the like warmed up
    with django_assert_max_num_queries(20):
        response = client.get(reverse(url_name))
    assert response.status_code == 200


def test_nav_shows_filtering_to_the_roles_that_use_it(
    busy_school, teacher, governor, ict_manager, client_for
):
    teacher_page = client_for(teacher).get(reverse("core:dashboard")).content.decode()
    assert "Unblock requests" in teacher_page and "Filter groups" not in teacher_page
    governor_page = client_for(governor).get(reverse("core:dashboard")).content.decode()
    assert "Filtering change log" in governor_page and "Filter groups" not in governor_page
    manager_page = client_for(ict_manager).get(reverse("core:dashboard")).content.decode()
    assert "Filter groups" in manager_page and "Filtering lists" in manager_page
