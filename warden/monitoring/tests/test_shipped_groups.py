"""The shipped filter groups follow the school's policies from the first minute, and the
school can change them only knowingly (a reason, kept in the change log)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from warden.core.audit import AuditEntry
from warden.core.errors import ServiceError
from warden.core.models import School
from warden.monitoring.models.filtering import FilterGroup
from warden.monitoring.services import filtering as services

pytestmark = pytest.mark.django_db


def _actions(group: FilterGroup) -> dict[str, str]:
    return {a.category: a.action for a in group.actions.all()}


def test_a_school_registered_from_the_command_line_filters_at_once(filtering_dir):
    call_command(
        "add_school",
        name="Hill Top High",
        slug="hilltop",
        trust_slug="hill-trust",
        phase="secondary",
    )
    school = School.objects.get(slug="hilltop")
    groups = {g.slug: g for g in FilterGroup.objects.filter(school=school)}
    assert set(groups) == {"ks3", "ks4", "sixth-form", "staff", "guests", "no-internet"}
    for slug in ("ks3", "ks4", "sixth-form"):
        actions = _actions(groups[slug])
        assert actions["social-networks"] == "block", slug
        assert actions["downloads"] == "block", slug
        assert actions["gambling"] == "block", slug
    assert _actions(groups["staff"]).get("social-networks") is None


def test_a_registered_school_filters_real_sites_with_the_starter_lists(filtering_dir):
    from warden.monitoring.models.filtering import ListSource
    from warden.monitoring.services.starter_lists import STARTER_UT1_NAME
    from warden.monitoring.tests.filtering_helpers import engine_for

    call_command(
        "add_school", name="Hill Top High", slug="hilltop", trust_slug="ht", phase="secondary"
    )
    school = School.objects.get(slug="hilltop")
    names = set(ListSource.objects.filter(school=school).values_list("name", flat=True))
    assert STARTER_UT1_NAME in names
    assert all("run an update" in name for name in names)
    services.snapshot_publish(school=school, reason="test")
    engine = engine_for(school)
    ks3 = "10.101.0.7"  # the shipped Key stage 3 range
    staff = "10.104.0.7"
    assert engine.decide("https://www.tiktok.com/", client_ip=ks3).blocked
    assert engine.decide("https://www.pokerstars.com/", client_ip=ks3).blocked
    assert engine.decide("https://www.pokerstars.com/", client_ip=staff).blocked
    assert not engine.decide("https://www.tiktok.com/", client_ip=staff).blocked
    assert not engine.decide("https://www.bbc.co.uk/bitesize", client_ip=ks3).blocked


def test_loosening_a_policy_block_for_pupils_needs_a_reason(school, filtering_dir):
    from warden.monitoring.services.standard_groups import standard_groups_create

    standard_groups_create(school=school)
    ks2 = FilterGroup.objects.get(school=school, slug="ks2")
    actions = _actions(ks2)
    actions["social-networks"] = "allow"
    with pytest.raises(ServiceError) as refused:
        services.group_set_categories(actor=None, group=ks2, actions=actions)
    assert "Social networks" in refused.value.message
    assert "Give a reason" in refused.value.message
    assert _actions(ks2)["social-networks"] == "block"

    services.group_set_categories(
        actor=None, group=ks2, actions=actions, reason="Year 6 blogging project with the LA"
    )
    assert _actions(ks2)["social-networks"] == "allow"
    entry = (
        AuditEntry.objects.filter(action="filtering.group_categories_changed")
        .order_by("seq")
        .last()
    )
    assert entry is not None
    assert entry.changes["reason"][1] == "Year 6 blogging project with the LA"


def test_the_group_page_explains_the_refusal(school, filtering_dir, ict_manager, client_for):
    from warden.monitoring.services.standard_groups import standard_groups_create

    standard_groups_create(school=school)
    ks2 = FilterGroup.objects.get(school=school, slug="ks2")
    actions = _actions(ks2)
    actions["downloads"] = "allow"
    url = reverse("monitoring:filter_group_categories", kwargs={"filter_group_pk": ks2.pk})
    response = client_for(ict_manager).post(
        url, {f"cat_{slug}": action for slug, action in actions.items()}, follow=True
    )
    assert response.status_code == 200
    assert "Software downloads" in response.content.decode()
    assert "Give a reason" in response.content.decode()
    assert _actions(ks2)["downloads"] == "block"
