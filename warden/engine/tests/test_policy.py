"""Filtering decisions: groups, categories, time rules, exceptions, safe search, failing closed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from warden.engine.policy import (
    NO_POLICY_REASON,
    Action,
    PolicyEngine,
    block_page_url,
    safe_search,
)
from warden.engine.snapshot import SnapshotHolder, parse_header, write_snapshot
from warden.engine.tests.test_snapshot import policy_header, small_index

# Monday 6 January 2025 (GMT, so London time equals UTC).
MONDAY_LUNCH = datetime(2025, 1, 6, 12, 30, tzinfo=UTC).timestamp()
MONDAY_MORNING = datetime(2025, 1, 6, 10, 0, tzinfo=UTC).timestamp()
SATURDAY_LUNCH = datetime(2025, 1, 11, 12, 30, tzinfo=UTC).timestamp()


def engine(**overrides) -> PolicyEngine:
    return PolicyEngine.for_snapshot(parse_header(policy_header(**overrides), small_index()))


def test_blocked_category_blocks_with_a_redirect_to_the_block_page():
    decision = engine().decide(
        "http://www.casino.example/poker", user="alice", client_ip="10.1.2.3", now=MONDAY_MORNING
    )
    assert decision.action is Action.BLOCK
    assert decision.category == "gambling"
    assert decision.group == "ks2"
    redirect = decision.redirect_url or ""
    query = parse_qs(urlsplit(redirect).query)
    assert redirect.startswith("https://warden.school.example/blocked?")
    assert query["url"] == ["http://www.casino.example/poker"]
    assert query["category"] == ["gambling"]
    assert query["group"] == ["ks2"]
    assert query["user"] == ["alice"]
    assert query["ip"] == ["10.1.2.3"]


def test_block_page_template_placeholders_are_filled_and_encoded():
    url = block_page_url(
        "https://b.example/{group}/{category}?u={url}&who={user}&ip={client_ip}",
        url="http://x.example/a b?c=d",
        category="games",
        group="ks2",
        user="alice smith",
        client_ip="10.0.0.1",
        reason="r",
    )
    assert url == (
        "https://b.example/ks2/games?u=http%3A%2F%2Fx.example%2Fa%20b%3Fc%3Dd"
        "&who=alice%20smith&ip=10.0.0.1"
    )


def test_uncategorised_sites_are_allowed_for_a_default_allow_group():
    decision = engine().decide("https://www.bbc.co.uk/news", user="alice", now=MONDAY_MORNING)
    assert decision.action is Action.ALLOW
    assert decision.redirect_url is None


def test_users_map_to_groups_before_addresses():
    policy = engine().policy()
    assert policy is not None
    assert policy.group_slug("bob", "10.1.2.3") == "staff"
    assert policy.group_slug("BOB", "") == "staff"
    assert policy.group_slug("SCHOOL%5Cbob", "") == "staff"
    assert policy.group_slug("bob@school.local", "") == "staff"
    assert policy.group_slug("unknown", "10.1.2.3") == "ks2"
    assert policy.group_slug("-", "10.2.0.9") == "staff"
    assert policy.group_slug("", "192.168.0.1") == "guests"
    assert policy.group_slug("", "not-an-ip") == "guests"


def test_the_most_specific_network_decides_the_group():
    policy = engine().policy()
    assert policy is not None
    assert policy.group_slug("", "10.1.5.20") == "staff"
    assert policy.group_slug("", "10.1.6.20") == "ks2"


def test_time_rule_allows_games_at_lunchtime_on_weekdays_only():
    e = engine()
    assert e.decide("http://play.example/", user="alice", now=MONDAY_MORNING).blocked
    assert e.decide("http://play.example/", user="alice", now=MONDAY_LUNCH).action is Action.ALLOW
    assert e.decide("http://play.example/", user="alice", now=SATURDAY_LUNCH).blocked


def test_time_rules_follow_british_summer_time():
    # 11:30 UTC on a July Monday is 12:30 in London.
    july = datetime(2025, 7, 7, 11, 30, tzinfo=UTC).timestamp()
    assert engine().decide("http://play.example/", user="alice", now=july).action is Action.ALLOW


def test_alerted_category_is_allowed_but_flagged():
    decision = engine().decide("http://harm.example/", user="alice", now=MONDAY_MORNING)
    assert decision.action is Action.ALERT
    assert decision.category == "self-harm"


def test_illegal_content_is_blocked_for_every_group():
    e = engine()
    for user in ("alice", "bob", "dan"):
        decision = e.decide("http://abuse.example/", user=user, now=MONDAY_MORNING)
        assert decision.blocked
        assert decision.category == "child-sexual-abuse"
        assert "illegal" in decision.reason


def test_no_internet_group_blocks_everything():
    decision = engine().decide("https://www.bbc.co.uk/", user="carol", now=MONDAY_MORNING)
    assert decision.blocked
    assert decision.group == "no-internet"


def test_walled_garden_group_reaches_only_allowed_categories():
    e = engine()
    assert e.decide("http://school.example/", user="dan", now=MONDAY_MORNING).action is Action.ALLOW
    assert e.decide("https://www.bbc.co.uk/", user="dan", now=MONDAY_MORNING).blocked


def test_url_prefix_entries_block_only_that_part_of_a_site():
    e = engine()
    assert e.decide("http://news.example/casino/1", user="bob", now=MONDAY_MORNING).blocked
    assert not e.decide("http://news.example/sport/1", user="bob", now=MONDAY_MORNING).blocked


def _exception(**fields):
    base = {
        "site": "play.example",
        "group": "ks2",
        "reason": "Computing lesson",
        "approved_by": "dsl@school.example",
        "expires": "2025-01-06T11:00:00Z",
    }
    base.update(fields)
    return base


def test_an_exception_allows_a_site_until_it_lapses():
    e = engine(exceptions=[_exception()])
    before = datetime(2025, 1, 6, 10, 59, tzinfo=UTC).timestamp()
    at_expiry = datetime(2025, 1, 6, 11, 0, tzinfo=UTC).timestamp()
    allowed = e.decide("http://www.play.example/x", user="alice", now=before)
    assert allowed.action is Action.ALLOW
    assert "Computing lesson" in allowed.reason and "dsl@school.example" in allowed.reason
    assert e.decide("http://www.play.example/x", user="alice", now=at_expiry).blocked


def test_an_exception_applies_only_to_its_group():
    e = engine(exceptions=[_exception(expires="2030-01-01T00:00:00Z")])
    assert e.decide("http://play.example/", user="alice", now=MONDAY_MORNING).action is Action.ALLOW
    assert e.decide("http://play.example/", client_ip="192.168.1.1", now=MONDAY_MORNING).blocked


def test_a_url_prefix_exception_opens_only_that_path():
    e = engine(exceptions=[_exception(site="arcade.example/maths/", expires="2030-01-01")])
    assert not e.decide("http://arcade.example/maths/1", user="alice", now=MONDAY_MORNING).blocked
    assert e.decide("http://arcade.example/racing", user="alice", now=MONDAY_MORNING).blocked


def test_an_exception_opens_a_site_for_a_no_internet_group():
    e = engine(exceptions=[_exception(site="exam.example", group="no-internet")])
    decision = e.decide("https://exam.example/", user="carol", now=MONDAY_MORNING)
    assert decision.action is Action.ALLOW


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.google.co.uk/search?q=cats",
            "https://www.google.co.uk/search?q=cats&safe=active",
        ),
        (
            "https://www.google.com/search?q=a&safe=off",
            "https://www.google.com/search?q=a&safe=active",
        ),
        ("https://www.bing.com/search?q=dogs", "https://www.bing.com/search?q=dogs&adlt=strict"),
        ("https://duckduckgo.com/?q=fish", "https://duckduckgo.com/?q=fish&kp=1"),
        ("https://www.google.com/search?q=a&safe=active", None),
        ("https://www.google.com/maps", None),
        ("https://www.googleusercontent.com/search?q=a", None),
    ],
)
def test_safe_search_rewrites_search_urls(url, expected):
    assert safe_search(url)[0] == expected


def test_youtube_requests_carry_the_restricted_mode_note():
    assert safe_search("https://www.youtube.com/results?search_query=x") == (
        None,
        (("youtube-restrict", "strict"),),
    )


def test_safe_search_applies_only_to_groups_that_have_it():
    e = engine()
    url = "https://www.google.com/search?q=cats"
    assert (e.decide(url, user="alice", now=MONDAY_MORNING).rewrite_url or "").endswith(
        "safe=active"
    )
    assert e.decide(url, user="bob", now=MONDAY_MORNING).rewrite_url is None


def test_no_snapshot_fails_closed(tmp_path: Path):
    e = PolicyEngine(SnapshotHolder(tmp_path / "missing.wps"))
    decision = e.decide("https://www.bbc.co.uk/", user="alice", client_ip="10.1.2.3")
    assert decision.blocked
    assert decision.reason == NO_POLICY_REASON
    assert "no+valid+policy" in (decision.redirect_url or "") or "no%20valid" in (
        decision.redirect_url or ""
    )


def test_no_snapshot_fails_open_only_when_configured(tmp_path: Path):
    e = PolicyEngine(SnapshotHolder(tmp_path / "missing.wps"), fail_open=True)
    decision = e.decide("https://www.bbc.co.uk/")
    assert decision.action is Action.ALLOW
    assert NO_POLICY_REASON in decision.reason


def test_engine_uses_a_replaced_snapshot_after_the_check_interval(tmp_path: Path):
    path = write_snapshot(tmp_path / "p.wps", policy_header(), small_index())
    clock = [0.0]
    e = PolicyEngine(SnapshotHolder(path, check_interval=2.0, clock=lambda: clock[0]))
    assert not e.decide("https://www.bbc.co.uk/", user="zed", now=MONDAY_MORNING).blocked
    write_snapshot(path, policy_header(default_group="no-internet"), small_index())
    clock[0] = 2.5
    decision = e.decide("https://www.bbc.co.uk/", user="zed", now=MONDAY_MORNING)
    assert decision.blocked and decision.group == "no-internet"
