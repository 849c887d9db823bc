"""The policy snapshot file: validation, atomic writing, fail-closed loading, live reload."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from warden.engine.lists import CategoryIndex, ListBuilder
from warden.engine.snapshot import (
    SnapshotError,
    SnapshotHolder,
    read_snapshot,
    snapshot_bytes,
    write_snapshot,
)

# Small generated lists and a policy that the engine tests share (no shared data needed).


def small_index() -> CategoryIndex:
    builder = ListBuilder()
    builder.add_domains(["casino.example", "bet.example"], "gambling")
    builder.add_domains(["play.example", "arcade.example"], "games")
    builder.add_domains(["chat.example"], "social-networks")
    builder.add_domains(["abuse.example"], "child-sexual-abuse")
    builder.add_domains(["harm.example"], "self-harm")
    builder.add_domains(["school.example"], "education")
    builder.add_urls(["news.example/casino/"], "gambling")
    return builder.build()


def policy_header(**overrides: Any) -> dict[str, Any]:
    header: dict[str, Any] = {
        "format": "warden-policy",
        "version": 1,
        "timezone": "Europe/London",
        "block_page": "https://warden.school.example/blocked",
        "default_group": "guests",
        "groups": [
            {
                "slug": "ks2",
                "label": "Key stage 2",
                "block": ["gambling", "games", "social-networks"],
                "alert": ["self-harm"],
                "safe_search": True,
                "schedules": [
                    {
                        "categories": ["games"],
                        "action": "allow",
                        "days": ["mon", "tue", "wed", "thu", "fri"],
                        "start": "12:00",
                        "end": "13:00",
                    }
                ],
            },
            {"slug": "staff", "label": "Staff", "block": ["gambling"]},
            {"slug": "guests", "label": "Guests", "block": ["gambling", "games"]},
            {"slug": "no-internet", "label": "No internet", "default": "block"},
            {
                "slug": "ks1",
                "label": "Key stage 1",
                "default": "block",
                "allow": ["education"],
            },
        ],
        "users": {"alice": "ks2", "Bob": "staff", "carol": "no-internet", "dan": "ks1"},
        "networks": [
            {"cidr": "10.1.0.0/16", "group": "ks2"},
            {"cidr": "10.1.5.0/24", "group": "staff"},
            {"cidr": "10.2.0.0/16", "group": "staff"},
        ],
        "exceptions": [],
    }
    header.update(overrides)
    return header


def test_a_written_snapshot_loads_with_its_lists(tmp_path: Path):
    path = write_snapshot(tmp_path / "policy.wps", policy_header(), small_index())
    snapshot = read_snapshot(path)
    assert set(snapshot.groups) == {"ks2", "staff", "guests", "no-internet", "ks1"}
    assert snapshot.default_group == "guests"
    assert snapshot.users["bob"] == "staff"
    assert snapshot.index.categories_for_host("www.casino.example") == ("gambling",)
    assert snapshot.groups["ks2"].schedules[0].start == 12 * 60


def test_snapshot_starts_with_a_readable_json_header(tmp_path: Path):
    path = write_snapshot(tmp_path / "policy.wps", policy_header(), small_index())
    first, header, _rest = path.read_bytes().split(b"\n", 2)
    assert first == b"WARDEN-POLICY 1"
    assert header.startswith(b"{") and b'"groups"' in header


def test_lists_can_live_in_a_separate_file(tmp_path: Path):
    path = write_snapshot(
        tmp_path / "policy.wps", policy_header(), small_index(), lists_file=tmp_path / "l.wli"
    )
    assert read_snapshot(path).index.categories_for_host("bet.example") == ("gambling",)
    other = small_index().to_bytes().replace(b"bet.example", b"bet.exampla")
    (tmp_path / "l.wli").write_bytes(other)
    with pytest.raises(SnapshotError, match="checksum"):
        read_snapshot(path)


def test_a_group_allowing_an_illegal_category_is_refused():
    header = policy_header()
    header["groups"][1]["allow"] = ["child-sexual-abuse"]
    with pytest.raises(SnapshotError, match="illegal"):
        snapshot_bytes(header, small_index())


def test_a_group_alerting_on_an_illegal_category_is_refused():
    header = policy_header()
    header["groups"][1]["alert"] = ["terrorism"]
    with pytest.raises(SnapshotError, match="illegal"):
        snapshot_bytes(header, small_index())


def test_a_time_rule_allowing_an_illegal_category_is_refused():
    header = policy_header()
    header["groups"][0]["schedules"][0]["categories"] = ["csam"]
    with pytest.raises(SnapshotError, match="illegal"):
        snapshot_bytes(header, small_index())


def test_an_exception_for_an_illegal_site_is_refused():
    exception = {
        "site": "www.abuse.example",
        "group": "staff",
        "reason": "research",
        "approved_by": "head",
        "expires": "2030-01-01T00:00:00Z",
    }
    with pytest.raises(SnapshotError, match="illegal"):
        snapshot_bytes(policy_header(exceptions=[exception]), small_index())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"default_group": "nobody"}, "default_group"),
        ({"users": {"alice": "nowhere"}}, "unknown group"),
        ({"networks": [{"cidr": "10.0.0.0/33", "group": "ks2"}]}, "address range"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"groups": []}, "at least one group"),
    ],
)
def test_inconsistent_snapshots_are_refused(change, message):
    with pytest.raises(SnapshotError, match=message):
        snapshot_bytes(policy_header(**change), small_index())


def test_a_category_both_blocked_and_allowed_is_refused():
    header = policy_header()
    header["groups"][1]["allow"] = ["gambling"]
    with pytest.raises(SnapshotError, match="both"):
        snapshot_bytes(header, small_index())


def test_unknown_categories_are_refused():
    header = policy_header()
    header["groups"][1]["block"] = ["gamblin"]
    with pytest.raises(SnapshotError, match="unknown category"):
        snapshot_bytes(header, small_index())


def test_missing_corrupt_and_truncated_files_are_refused(tmp_path: Path):
    with pytest.raises(SnapshotError, match="cannot read"):
        read_snapshot(tmp_path / "missing.wps")
    good = snapshot_bytes(policy_header(), small_index())
    (tmp_path / "trunc.wps").write_bytes(good[: len(good) - 10])
    with pytest.raises(SnapshotError):
        read_snapshot(tmp_path / "trunc.wps")
    (tmp_path / "junk.wps").write_bytes(b"WARDEN-POLICY 1\n{not json\n")
    with pytest.raises(SnapshotError, match="JSON"):
        read_snapshot(tmp_path / "junk.wps")
    (tmp_path / "pickle.wps").write_bytes(b"\x80\x04\x95")
    with pytest.raises(SnapshotError, match="not a Warden"):
        read_snapshot(tmp_path / "pickle.wps")


def test_writing_replaces_the_file_atomically(tmp_path: Path):
    path = write_snapshot(tmp_path / "policy.wps", policy_header(), small_index())
    inode = os.stat(path).st_ino
    write_snapshot(path, policy_header(default_group="staff"), small_index())
    assert os.stat(path).st_ino != inode
    assert read_snapshot(path).default_group == "staff"
    assert [p.name for p in tmp_path.iterdir()] == ["policy.wps"]


def test_an_invalid_snapshot_is_never_written(tmp_path: Path):
    header = policy_header(default_group="nobody")
    with pytest.raises(SnapshotError):
        write_snapshot(tmp_path / "policy.wps", header, small_index())
    assert not (tmp_path / "policy.wps").exists()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_holder_reloads_a_replaced_file_within_the_check_interval(tmp_path: Path):
    path = write_snapshot(tmp_path / "policy.wps", policy_header(), small_index())
    clock = FakeClock()
    holder = SnapshotHolder(path, check_interval=2.0, clock=clock)
    first = holder.get()
    assert first is not None and first.default_group == "guests"
    write_snapshot(path, policy_header(default_group="staff"), small_index())
    clock.now += 1.0
    assert holder.get() is first  # not looked at yet: checks are rate-limited
    clock.now += 1.5
    second = holder.get()
    assert second is not None and second.default_group == "staff"
    assert holder.generation == 2


def test_holder_does_not_reload_an_unchanged_file(tmp_path: Path):
    path = write_snapshot(tmp_path / "policy.wps", policy_header(), small_index())
    clock = FakeClock()
    holder = SnapshotHolder(path, check_interval=2.0, clock=clock)
    first = holder.get()
    clock.now += 10
    assert holder.get() is first
    assert holder.generation == 1


def test_holder_loads_a_snapshot_with_a_separate_lists_file_once(tmp_path: Path):
    path = write_snapshot(
        tmp_path / "policy.wps", policy_header(), small_index(), lists_file=tmp_path / "l.wli"
    )
    clock = FakeClock()
    holder = SnapshotHolder(path, check_interval=2.0, clock=clock)
    first = holder.get()
    for _ in range(3):
        clock.now += 10
        assert holder.get() is first
    assert holder.generation == 1
    write_snapshot(
        path, policy_header(default_group="staff"), small_index(), lists_file=tmp_path / "l.wli"
    )
    clock.now += 10
    second = holder.get()
    assert second is not None and second.default_group == "staff"
    clock.now += 10
    assert holder.get() is second
    assert holder.generation == 2


def test_holder_drops_the_policy_when_the_file_is_damaged_and_recovers(tmp_path: Path):
    path = write_snapshot(tmp_path / "policy.wps", policy_header(), small_index())
    clock = FakeClock()
    holder = SnapshotHolder(path, check_interval=1.0, clock=clock)
    assert holder.get() is not None
    path.write_bytes(b"WARDEN-POLICY 1\n{broken")
    clock.now += 2
    assert holder.get() is None
    assert holder.error == "snapshot header is truncated"
    write_snapshot(path, policy_header(), small_index())
    clock.now += 2
    assert holder.get() is not None
    assert holder.error is None


def test_holder_drops_the_policy_when_the_file_is_deleted(tmp_path: Path):
    path = write_snapshot(tmp_path / "policy.wps", policy_header(), small_index())
    clock = FakeClock()
    holder = SnapshotHolder(path, check_interval=1.0, clock=clock)
    assert holder.get() is not None
    path.unlink()
    clock.now += 2
    assert holder.get() is None
    assert holder.error is not None


def test_holder_has_nothing_when_no_valid_file_was_ever_loaded(tmp_path: Path):
    clock = FakeClock()
    holder = SnapshotHolder(tmp_path / "policy.wps", check_interval=1.0, clock=clock)
    assert holder.get() is None
    assert holder.error is not None
    write_snapshot(tmp_path / "policy.wps", policy_header(), small_index())
    clock.now += 1.5
    assert holder.get() is not None
    assert holder.error is None
