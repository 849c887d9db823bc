"""Filter groups: category actions, the illegal-content rule, time rules, membership, pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from warden.accounts.models import Account, AccountState, System, SystemKind
from warden.core.errors import ServiceError
from warden.engine.snapshot import read_snapshot
from warden.monitoring import conf
from warden.monitoring.models.filtering import FilterGroup
from warden.monitoring.services import filtering as services
from warden.monitoring.tests.filtering_helpers import (
    engine_for,
    make_groups,
)
from warden.testing.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db


def test_illegal_category_can_never_be_allowed(school, filtering_dir):
    groups = make_groups(school)
    with pytest.raises(ServiceError) as refused:
        services.group_set_categories(
            actor=None, group=groups["staff"], actions={"child-sexual-abuse": "allow"}
        )
    assert "Child sexual abuse content is illegal content" in refused.value.message
    assert "illegal-content rule" in refused.value.message
    with pytest.raises(ServiceError, match="illegal content"):
        services.group_set_categories(
            actor=None, group=groups["staff"], actions={"terrorism": "alert"}
        )
    with pytest.raises(ServiceError, match="illegal content"):
        services.schedule_add(
            actor=None,
            group=groups["staff"],
            days=["mon"],
            start=dt.time(9),
            end=dt.time(10),
            categories=["terrorism"],
            action="allow",
        )


def test_illegal_categories_are_stored_as_blocked_for_every_group(school, filtering_dir):
    groups = make_groups(school)
    actions = {a.category: a.action for a in groups["staff"].actions.all()}
    assert actions["child-sexual-abuse"] == "block"
    assert actions["terrorism"] == "block"


def test_person_goes_to_the_first_matching_group_by_order(school, filtering_dir, published):
    groups = make_groups(school)
    everyone = services.group_create(
        actor=None,
        school=school,
        fields={"name": "All pupils", "slug": "pupils", "position": 5, "person_types": ["pupil"]},
    )
    system = System.objects.create(school=school, name="Network", kind=SystemKind.DIRECTORY)
    email = System.objects.create(school=school, name="Mail", kind=SystemKind.EMAIL)
    pupil = PupilFactory.create(school=school, year_group=8)
    teacher = PersonFactory.create(school=school)
    Account.objects.create(
        school=school, person=pupil, system=system, username="p.eight", state=AccountState.ACTIVE
    )
    Account.objects.create(
        school=school, person=teacher, system=system, username="t.one", state=AccountState.ACTIVE
    )
    Account.objects.create(
        school=school, person=teacher, system=email, username="t.mail", state=AccountState.ACTIVE
    )
    Account.objects.create(
        school=school,
        person=PersonFactory.create(school=school),
        system=system,
        username="t.gone",
        state=AccountState.DISABLED,
    )
    with published():
        services.snapshot_publish(school=school, reason="test")
    users = read_snapshot(conf.snapshot_path(school.slug)).users
    assert users == {"p.eight": "pupils", "t.one": "staff"}
    with published():
        services.group_update(actor=None, group=everyone, fields={"position": 50})
    users = read_snapshot(conf.snapshot_path(school.slug)).users
    assert users["p.eight"] == groups["ks3"].slug


def test_time_rule_opens_games_at_lunchtime(school, filtering_dir, published, tmp_path):
    groups = make_groups(school)
    plain = tmp_path / "games.txt"
    plain.write_text("somegame.test\n")
    with published():
        services.list_import(actor=None, school=school, fmt="domains", path=plain, category="games")
        services.group_set_categories(
            actor=None, group=groups["ks3"], actions={"gambling": "block", "games": "block"}
        )
        services.schedule_add(
            actor=None,
            group=groups["ks3"],
            days=["mon", "tue", "wed", "thu", "fri"],
            start=dt.time(12, 15),
            end=dt.time(13, 15),
            categories=["games"],
            action="allow",
        )
    engine = engine_for(school)
    monday_lunch = dt.datetime(2025, 3, 10, 12, 30, tzinfo=dt.UTC).timestamp()
    monday_morning = dt.datetime(2025, 3, 10, 10, 0, tzinfo=dt.UTC).timestamp()
    url = "http://somegame.test/"
    assert not engine.decide(url, client_ip="10.1.0.9", now=monday_lunch).blocked
    assert engine.decide(url, client_ip="10.1.0.9", now=monday_morning).blocked


def test_overlapping_address_range_is_refused(school, filtering_dir):
    groups = make_groups(school)
    with pytest.raises(ServiceError, match="already belongs to Key stage 3"):
        services.network_add(actor=None, group=groups["staff"], cidr="10.1.0.0/16")
    with pytest.raises(ServiceError, match="not an address range"):
        services.network_add(actor=None, group=groups["staff"], cidr="ten dot one")


def test_only_one_default_group(school, filtering_dir):
    groups = make_groups(school)
    services.group_update(actor=None, group=groups["staff"], fields={"is_default": True})
    assert list(
        FilterGroup.objects.filter(school=school, is_default=True).values_list("slug", flat=True)
    ) == ["staff"]


def test_year_groups_need_pupils(school, filtering_dir):
    with pytest.raises(ServiceError) as refused:
        services.group_create(
            actor=None,
            school=school,
            fields={"name": "Odd", "slug": "odd", "year_groups": [7], "person_types": []},
        )
    assert "year_groups" in refused.value.field_errors


def test_ict_manager_creates_a_group_and_blocks_a_category_through_the_pages(
    school, ict_manager, client_for, filtering_dir, published
):
    client = client_for(ict_manager)
    response = client.post(
        reverse("monitoring:filter_group_create"),
        {
            "name": "Key stage 2",
            "slug": "ks2",
            "position": 10,
            "default_action": "allow",
            "safe_search": "on",
            "person_types": ["pupil"],
            "year_groups": ["3", "4", "5", "6"],
        },
    )
    assert response.status_code == 302
    group = FilterGroup.objects.get(school=school, slug="ks2")
    assert group.year_groups == [3, 4, 5, 6]
    with published():
        response = client.post(
            reverse("monitoring:filter_group_categories", kwargs={"filter_group_pk": group.pk}),
            {"cat_gambling": "block", "cat_games": "alert", "reason": "Year 5 incident"},
        )
    assert response.status_code == 302
    page = client.get(
        reverse("monitoring:filter_group_detail", kwargs={"filter_group_pk": group.pk})
    )
    assert page.status_code == 200
    assert b"Gambling" in page.content
    snapshot = read_snapshot(conf.snapshot_path(school.slug))
    assert "gambling" in snapshot.groups["ks2"].block
    assert "games" in snapshot.groups["ks2"].alert


def test_allowing_an_illegal_category_through_the_page_shows_the_rule(
    school, ict_manager, client_for, filtering_dir
):
    groups = make_groups(school)
    response = client_for(ict_manager).post(
        reverse(
            "monitoring:filter_group_categories", kwargs={"filter_group_pk": groups["staff"].pk}
        ),
        {"cat_child-sexual-abuse": "allow"},
        follow=True,
    )
    # Illegal categories are not even offered on the form: the field is ignored, and the
    # group still blocks them.
    assert response.status_code == 200
    actions = {a.category: a.action for a in groups["staff"].actions.all()}
    assert actions["child-sexual-abuse"] == "block"


def test_governor_reads_the_change_log_but_cannot_change_groups(
    school, governor, client_for, filtering_dir
):
    groups = make_groups(school)
    client = client_for(governor)
    log = client.get(reverse("monitoring:filter_changelog"))
    assert log.status_code == 200
    assert "Key stage 3" in log.content.decode()
    assert client.get(reverse("monitoring:filter_group_list")).status_code == 403
    response = client.post(
        reverse("monitoring:filter_group_categories", kwargs={"filter_group_pk": groups["ks3"].pk}),
        {"cat_gambling": "allow"},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("monitoring:filter_group_edit", kwargs={"filter_group_pk": groups["ks3"].pk}),
        {"name": "Changed", "slug": "ks3", "position": 1, "default_action": "allow"},
    )
    assert response.status_code == 403
    assert FilterGroup.objects.get(pk=groups["ks3"].pk).name == "Key stage 3"


def test_teacher_sees_no_filtering_configuration(school, teacher, client_for, filtering_dir):
    make_groups(school)
    client = client_for(teacher)
    assert client.get(reverse("monitoring:filter_group_list")).status_code == 403
    assert client.get(reverse("monitoring:filter_changelog")).status_code == 403


def test_change_log_records_who_and_why(school, ict_manager, filtering_dir):
    groups = make_groups(school, actor=ict_manager)
    services.group_set_categories(
        actor=ict_manager,
        group=groups["ks3"],
        actions={"gambling": "block", "social-networks": "block"},
        reason="Safer internet day review",
    )
    from warden.monitoring.selectors.filtering import changelog_at

    entry = changelog_at(school).first()
    assert entry is not None
    assert entry.action == "filtering.group_categories_changed"
    assert entry.actor == ict_manager
    assert entry.changes["reason"] == [None, "Safer internet day review"]
    assert entry.changes["social-networks"] == [None, "block"]


def test_time_rules_and_address_ranges_are_added_on_the_group_page(
    school, ict_manager, client_for, filtering_dir
):
    groups = make_groups(school)
    client = client_for(ict_manager)
    pk = groups["ks3"].pk
    response = client.post(
        reverse("monitoring:filter_schedule_add", kwargs={"filter_group_pk": pk}),
        {
            "label": "Lunchtime games",
            "days": ["mon", "fri"],
            "start": "12:15",
            "end": "13:15",
            "categories": ["games"],
            "action": "allow",
        },
        follow=True,
    )
    assert b"Time rule added." in response.content
    assert groups["ks3"].schedules.get().days == ["mon", "fri"]
    response = client.post(
        reverse("monitoring:filter_network_add", kwargs={"filter_group_pk": pk}),
        {"cidr": "10.2.0.0/16"},
        follow=True,
    )
    assert b"already belongs to Staff" in response.content
    rule = groups["ks3"].schedules.get()
    client.post(
        reverse("monitoring:filter_schedule_remove", kwargs={"filter_schedule_pk": rule.pk})
    )
    assert not groups["ks3"].schedules.exists()
