"""Looking after the filter: filtering health and the helpers' heartbeats, "check a site"
(page and command) for every kind of decision, the unblock request it prefills, the lists
that update themselves (page), and the DfE standards evidence."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from warden.cli import main as warden
from warden.core.models import Role
from warden.monitoring import conf
from warden.monitoring.heartbeats import beat, heartbeats
from warden.monitoring.models.filtering import ListFeed
from warden.monitoring.selectors.filtering_check import (
    DEFAULT,
    EXCEPTION,
    LIST,
    NO_INTERNET,
    NOT_LISTED,
    SCHOOL_ALLOW,
    SCHOOL_ENTRY,
    TIME_RULE,
    site_check,
)
from warden.monitoring.selectors.filtering_health import RED, filtering_health
from warden.monitoring.services import filtering as services
from warden.monitoring.tests.feed_server import ut1_tarball
from warden.monitoring.tests.filtering_helpers import (
    GAMBLING_DOMAIN,
    in_hours,
    make_groups,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def filtering(school, filtering_dir, ut1_dir, published):
    """The standard test groups with the gambling list, published."""
    with published():
        groups = make_groups(school)
        services.list_import(actor=None, school=school, fmt="ut1", path=ut1_dir, name="UT1 test")
    return groups


def _verdict(result, slug):
    return next(v for v in result.verdicts if v.slug == slug)


# --- check a site --------------------------------------------------------------------------


def test_check_names_the_list_and_category_that_block(school, filtering):
    result = site_check(school, f"www.{GAMBLING_DOMAIN}")
    ks3 = _verdict(result, "ks3")
    assert ks3.blocked and ks3.rule == LIST and ks3.category == "Gambling"
    assert ks3.lists == ["UT1 test"] and "UT1 test" in ks3.explanation
    staff = _verdict(result, "staff")
    assert not staff.blocked and staff.rule == NOT_LISTED


def test_check_explains_an_exception_with_its_expiry(school, filtering, ict_manager, published):
    with published():
        services.exception_create(
            actor=ict_manager,
            school=school,
            site=GAMBLING_DOMAIN,
            group=filtering["ks3"],
            reason="Maths lesson on probability",
            expires_at=in_hours(2),
        )
    ks3 = _verdict(site_check(school, GAMBLING_DOMAIN, group="ks3"), "ks3")
    assert not ks3.blocked and ks3.rule == EXCEPTION
    assert "Maths lesson on probability" in ks3.explanation
    assert ks3.expires_at is not None and ks3.expires_at > timezone.now()


def test_check_explains_the_schools_own_entries(school, filtering, published):
    with published():
        services.entry_add(
            actor=None,
            school=school,
            site="blocked-here.example",
            action="block",
            category="gambling",
            reason="Seen in class",
        )
        services.entry_add(
            actor=None,
            school=school,
            site=f"www.{GAMBLING_DOMAIN}",
            action="allow",
            category="education",
            reason="Careers fair",
        )
    blocked = _verdict(site_check(school, "blocked-here.example", group="ks3"), "ks3")
    assert (
        blocked.blocked and blocked.rule == SCHOOL_ENTRY and "Seen in class" in blocked.explanation
    )
    allowed = _verdict(site_check(school, f"www.{GAMBLING_DOMAIN}", group="ks3"), "ks3")
    assert not allowed.blocked and allowed.rule == SCHOOL_ALLOW
    assert "Careers fair" in allowed.explanation


def test_check_explains_a_time_rule_and_safe_search(school, filtering, published):
    with published():
        services.schedule_add(
            actor=None,
            group=filtering["staff"],
            label="All day",
            days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            start=dt.time(0, 0),
            end=dt.time(23, 59),
            categories=["gambling"],
            action="block",
        )
    staff = _verdict(site_check(school, GAMBLING_DOMAIN, group="staff"), "staff")
    assert staff.blocked and staff.rule == TIME_RULE and "All day" in staff.explanation
    search = _verdict(site_check(school, "https://www.google.com/search?q=maths"), "ks3")
    assert search.safe_search and "Safe search" in search.explanation


def test_check_explains_walled_garden_and_no_internet(school, filtering, published):
    with published():
        group = services.no_internet_group(school)
    verdict = _verdict(site_check(school, "example.org", group=group.slug), group.slug)
    assert verdict.blocked and verdict.rule == NO_INTERNET
    with published():
        services.group_update(
            actor=None, group=filtering["guests"], fields={"default_action": "block"}, reason="Test"
        )
    guests = _verdict(site_check(school, "example.org", group="guests"), "guests")
    assert guests.blocked and guests.rule == DEFAULT


def test_check_command_answers_for_a_group_or_an_address(school, filtering, capsys):
    warden(["filter-check", GAMBLING_DOMAIN, "--school", school.slug, "--group", "ks3"])
    out = capsys.readouterr().out
    assert "ks3\tBLOCK\ta blocked category\t" in out and "Gambling" in out
    warden(["filter-check", GAMBLING_DOMAIN, "--school", school.slug, "--ip", "10.2.0.9"])
    assert "staff\tALLOW" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        warden(["filter-check", GAMBLING_DOMAIN, "--school", school.slug, "--group", "nope"])
    assert "no filter group 'nope'" in capsys.readouterr().err


def test_teacher_checks_a_site_and_gets_a_prefilled_request(school, filtering, teacher, client_for):
    client = client_for(teacher)
    page = client.get(reverse("monitoring:filter_check"), {"site": GAMBLING_DOMAIN})
    assert page.status_code == 200
    text = page.content.decode()
    assert "the site is listed under Gambling" in text
    ask = reverse("monitoring:filter_request_list") + f"?site={GAMBLING_DOMAIN}&amp;group="
    assert ask in text
    form = client.get(
        reverse("monitoring:filter_request_list"),
        {"site": GAMBLING_DOMAIN, "group": filtering["ks3"].pk},
    )
    assert f'value="{GAMBLING_DOMAIN}"' in form.content.decode()


def test_check_page_says_what_to_fix_for_a_bad_site(school, filtering, ict_manager, client_for):
    page = client_for(ict_manager).get(reverse("monitoring:filter_check"), {"site": "://"})
    assert page.status_code == 400
    assert "has no site name to check" in page.content.decode()


def test_approver_sees_why_the_requested_site_is_blocked(
    school, filtering, teacher, ict_manager, client_for
):
    request = services.request_create(
        actor=teacher,
        school=school,
        site=GAMBLING_DOMAIN,
        reason="A lesson on the odds of winning",
        wanted_until=in_hours(3),
        group=filtering["ks3"],
    )
    page = client_for(ict_manager).get(
        reverse("monitoring:filter_request_detail", kwargs={"filter_request_pk": request.pk})
    )
    text = page.content.decode()
    assert "What the filter does with" in text
    assert "the site is listed under Gambling in “UT1 test”" in text


# --- health --------------------------------------------------------------------------------


def test_health_warns_in_red_of_an_empty_illegal_category(school, filtering):
    health = filtering_health(school)
    red = [p.text for p in health.problems if p.level == RED]
    assert any("needs the IWF list — members only — import it here" in t for t in red)
    assert any("needs the CTIRU list" in t for t in red)


def test_categories_page_never_shows_a_silent_dash_for_illegal_content(
    school, filtering, ict_manager, client_for
):
    page = client_for(ict_manager).get(reverse("monitoring:filter_category_list"))
    assert "needs the IWF list — members only — import it here" in page.content.decode()


def test_a_helper_silent_for_ten_minutes_is_a_red_warning(school, filtering):
    snapshot = conf.snapshot_path(school.slug)
    beat(school.slug, snapshot, time.time() - 3600, now=time.time() - 11 * 60)
    [helper] = filtering_health(school).helpers
    assert helper.beat.silent and helper.current
    red = [p.text for p in filtering_health(school).problems if p.level == RED]
    assert any("has not checked in for 11 minutes" in t for t in red)
    beat(school.slug, snapshot, time.time() - 3600)
    assert not filtering_health(school).helpers[0].beat.silent


def test_the_helper_command_checks_in_while_it_runs(school, filtering, filtering_dir, tmp_path):
    env = dict(os.environ)
    env.update(
        WARDEN_FILTER_DIR=str(filtering_dir),
        WARDEN_BASE_URL="http://warden.test",
        WARDEN_VAR_DIR=str(tmp_path / "var"),
    )
    command = [sys.executable, "-m", "warden.cli", "filter-helper", "--school", school.slug]
    helper = subprocess.Popen(  # noqa: S603 - fixed arguments
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    try:
        deadline = time.monotonic() + 60
        while not heartbeats(school.slug) and time.monotonic() < deadline:
            time.sleep(0.2)
        [seen] = heartbeats(school.slug)
        assert seen.pid == helper.pid and not seen.silent
        assert filtering_health(school).helpers[0].current
    finally:
        helper.communicate(b"", timeout=60)
    assert heartbeats(school.slug) == []


def test_health_page_for_the_ict_manager_not_for_teachers(
    school, filtering, ict_manager, teacher, client_for
):
    page = client_for(ict_manager).get(reverse("monitoring:filter_health"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "No filter helper has checked in" in text and "UT1 test" in text
    assert client_for(teacher).get(reverse("monitoring:filter_health")).status_code == 403


# --- lists that update themselves (page) -----------------------------------------------------


def test_ict_manager_adds_a_list_by_address_and_updates_it_now(
    school, filtering_dir, ict_manager, client_for, publisher, published
):
    publisher.publish("blacklists.tar.gz", ut1_tarball())
    client = client_for(ict_manager)
    url = reverse("monitoring:filter_feed_list")
    refused = client.post(url, {"name": "A folder", "url": "/srv/lists", "format": "ut1"})
    assert refused.status_code == 400
    assert "must be a web address starting with https://" in refused.content.decode()
    added = client.post(
        url,
        {
            "name": "Test UT1",
            "url": publisher.url("blacklists.tar.gz"),
            "format": "ut1",
            "checksum_url": publisher.url("MD5SUM.LST"),
        },
    )
    assert added.status_code == 302
    feed = ListFeed.objects.get(school=school, name="Test UT1")
    with published():
        client.post(reverse("monitoring:filter_feed_update", kwargs={"list_feed_pk": feed.pk}))
    page = client.get(url).content.decode()
    assert "updated" in page and "Gambling" in page
    feed.refresh_from_db()
    assert feed.last_success_at is not None


def test_teachers_cannot_add_or_update_lists(school, filtering_dir, teacher, client_for):
    client = client_for(teacher)
    assert client.get(reverse("monitoring:filter_feed_list")).status_code == 403


# --- DfE standards evidence ------------------------------------------------------------------


def test_evidence_answers_the_standard_in_figures_for_governors(
    school, filtering, ict_manager, teacher, governor, client_for
):
    request = services.request_create(
        actor=teacher,
        school=school,
        site=GAMBLING_DOMAIN,
        reason="A lesson on the odds of winning",
        wanted_until=in_hours(3),
    )
    services.request_refuse(actor=ict_manager, request=request, note="Use the video instead")
    page = client_for(governor).get(reverse("monitoring:filter_evidence"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Not fully" in text and "needs the IWF list" in text
    assert "Key stage 3" in text and "Gambling" in text
    assert f"{Role.ICT_MANAGER.label}: 1 person" in text
    assert "1 request to unblock a site: 0 approved, 1 refused, 0 waiting" in text
    assert "Half were decided within" in text
    for name in (teacher.get_full_name(), ict_manager.get_full_name(), "Use the video"):
        assert name not in text
