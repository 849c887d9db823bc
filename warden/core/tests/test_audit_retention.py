"""The audit trail keeps seven years: its oldest entries go as a prefix of the chain behind
a signed anchor, and verify still proves what is left."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from warden.cli import main as warden
from warden.core.audit import audit_verify
from warden.core.audit_retention import anchor_path
from warden.core.models import AuditEntry
from warden.people.services import person_create

OLD = dt.datetime(2018, 3, 1, 9, tzinfo=dt.UTC)
RECENT = dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)


def _people(school, actor, names):
    for name in names:
        person_create(
            actor=actor,
            school=school,
            fields={"person_type": "teaching_staff", "first_name": name, "last_name": "Lee"},
        )


@pytest.fixture
def trail(school, headteacher, capsys):
    """Entries written eight years ago, a checkpoint, then entries written last month."""
    with time_machine.travel(OLD, tick=False):
        _people(school, headteacher, ["Ann", "Bea", "Cal"])
        warden(["audit", "checkpoint"])
    with time_machine.travel(RECENT, tick=False):
        _people(school, headteacher, ["Dee", "Eve"])
    capsys.readouterr()
    return list(AuditEntry.objects.order_by("seq"))


def _run(capsys, *args):
    try:
        warden(["audit", *args])
    except SystemExit as exit_info:
        return exit_info.code, capsys.readouterr()
    return 0, capsys.readouterr()


def test_prune_removes_only_the_entries_older_than_the_rule_and_verify_passes(trail, capsys):
    old = [entry for entry in trail if entry.at < RECENT]
    assert old and len(old) < len(trail)

    with time_machine.travel(NOW, tick=False):
        code, out = _run(capsys, "prune", "--older-than-years", "7", "--dry-run")
        assert code == 0
        assert f"Would remove {len(old)} audit entries (#1 to #{old[-1].seq})" in out.out
        assert AuditEntry.objects.count() == len(trail)  # a dry run removes nothing

        code, out = _run(capsys, "prune", "--older-than-years", "7")
        assert code == 0, out.err

    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs[0] == old[-1].seq + 1  # the kept trail starts right after the removed prefix
    pruned = AuditEntry.objects.get(action="audit.pruned")
    assert pruned.changes["count"] == len(old) and pruned.changes["years"] == 7
    result = audit_verify()
    assert result.ok, result.problem
    assert result.checked == len(trail) - len(old) + 1
    code, out = _run(capsys, "checkpoint")  # the hourly checkpoint carries on after a prune
    assert code == 0, out.err
    assert audit_verify().ok


def test_a_second_prune_with_nothing_old_removes_nothing(trail, capsys):
    with time_machine.travel(NOW, tick=False):
        _run(capsys, "prune")
        code, out = _run(capsys, "prune")
    assert code == 0 and "nothing to remove" in out.out
    assert AuditEntry.objects.filter(action="audit.pruned").count() == 1


def test_a_forged_anchor_fails_verify(trail, capsys):
    with time_machine.travel(NOW, tick=False):
        _run(capsys, "prune")
    line = json.loads(anchor_path().read_text())
    line["seq"] += 1  # claim one more entry was removed, without the key
    anchor_path().write_text(json.dumps(line) + "\n")

    code, out = _run(capsys, "verify")

    assert code != 0
    assert "Line 1 of the retention anchor file is not signed with this site's audit key" in (
        out.err
    )


def test_a_lost_anchor_fails_verify(trail, capsys):
    with time_machine.travel(NOW, tick=False):
        _run(capsys, "prune")
    anchor_path().unlink()

    code, out = _run(capsys, "verify")

    assert code != 0
    assert "entry #1 is missing" in out.err


def test_an_anchor_copied_from_a_checkpoint_fails_verify(trail, capsys, settings):
    """A checkpoint line is signed too, but not as an anchor: it cannot let someone drop
    the start of the trail up to a checkpoint."""
    checkpoint = settings.WARDEN_AUDIT_CHECKPOINT_FILE.read_text().splitlines()[0]
    anchor_path().write_text(checkpoint + "\n")

    code, out = _run(capsys, "verify")

    assert code != 0
    assert "retention anchor file is not signed" in out.err
