"""Someone with database access rewrites the audit trail; ``warden audit verify`` must notice.

Each attack uses raw SQL, as an attacker with the database's password would, and knows the
hashing (Warden is open source); only the audit key, outside the database, is out of reach.
"""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.db import connection
from django.db.models import ProtectedError

from warden.cli import main as warden
from warden.core.audit import GENESIS, _entry_hash, actor_label, audit_verify
from warden.core.models import AuditEntry, User
from warden.core.roles import Role
from warden.people.services import person_create
from warden.testing.factories import UserFactory, member


def _add_people(school, actor, count, start=0):
    for n in range(start, start + count):
        person_create(
            actor=actor,
            school=school,
            fields={"person_type": "teaching_staff", "first_name": f"Sam{n}", "last_name": "Lee"},
        )


@pytest.fixture
def checkpointed(school, headteacher, capsys):
    """Five entries, a checkpoint after them, then three more entries."""
    _add_people(school, headteacher, 5)
    warden(["audit", "checkpoint"])
    assert "Checkpoint written" in capsys.readouterr().out
    _add_people(school, headteacher, 3, start=5)
    return list(AuditEntry.objects.order_by("seq"))


def _verify(capsys, *args):
    try:
        warden(["audit", "verify", *args])
    except SystemExit as exit_info:
        return exit_info.code, capsys.readouterr()
    return 0, capsys.readouterr()


def _sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)


def _fix_head(seq, last_hash):
    _sql("UPDATE core_auditchainhead SET last_seq = %s, last_hash = %s", [seq, last_hash])


def test_an_intact_trail_passes_through_its_checkpoint(checkpointed, capsys):
    code, out = _verify(capsys)
    assert code == 0
    assert f"{len(checkpointed)} entries verified" in out.out
    assert "passes through every checkpoint up to the checkpoint of" in out.out


def test_removing_the_newest_rows_and_fixing_the_head_fails_verify(checkpointed, capsys):
    keep = checkpointed[:3]
    _sql("DELETE FROM core_auditentry WHERE seq > %s", [keep[-1].seq])
    _fix_head(keep[-1].seq, keep[-1].hash)
    assert not audit_verify().ok
    code, out = _verify(capsys)
    assert code != 0
    assert "the trail ends at #3 but the checkpoint of" in out.err
    assert "recorded #5: the latest entries were removed" in out.err


def test_deleting_every_entry_fails_verify(checkpointed, capsys):
    _sql("DELETE FROM core_auditentry")
    _fix_head(0, GENESIS)
    code, out = _verify(capsys)
    assert code != 0
    assert "the trail ends at #0" in out.err


def test_changing_a_row_and_rehashing_the_rest_fails_verify(checkpointed, capsys):
    victim = checkpointed[1]
    _sql("UPDATE core_auditentry SET object_repr = %s WHERE id = %s", ["Someone else", victim.pk])
    prev = checkpointed[0].hash
    for entry in AuditEntry.objects.order_by("seq").filter(seq__gte=victim.seq):
        entry.prev_hash = prev
        prev = _entry_hash(entry)
        _sql(
            "UPDATE core_auditentry SET prev_hash = %s, hash = %s WHERE id = %s",
            [entry.prev_hash, prev, entry.pk],
        )
    _fix_head(checkpointed[-1].seq, prev)
    code, out = _verify(capsys)
    assert code != 0
    assert "entry #5" in out.err
    assert "were rewritten and re-hashed after that checkpoint" in out.err


def test_a_checkpoint_forged_without_the_key_fails_verify(checkpointed, settings, capsys):
    # The attacker rewrites the file's checkpoint to match a truncated trail.
    keep = checkpointed[:3]
    _sql("DELETE FROM core_auditentry WHERE seq > %s", [keep[-1].seq])
    _fix_head(keep[-1].seq, keep[-1].hash)
    path = settings.WARDEN_AUDIT_CHECKPOINT_FILE
    line = json.loads(path.read_text())
    line.update(seq=keep[-1].seq, hash=keep[-1].hash)
    path.write_text(json.dumps(line) + "\n")
    code, out = _verify(capsys)
    assert code != 0
    assert "Line 1 of the checkpoint file is not signed with this site's audit key" in out.err


def test_a_garbled_checkpoint_file_fails_verify(checkpointed, settings, capsys):
    with settings.WARDEN_AUDIT_CHECKPOINT_FILE.open("a") as handle:
        handle.write("not a checkpoint\n")
    code, out = _verify(capsys)
    assert code != 0
    assert "Line 2 of the checkpoint file is not a checkpoint Warden wrote" in out.err


def test_no_checkpoint_is_written_over_a_broken_trail(checkpointed, settings, capsys):
    before = settings.WARDEN_AUDIT_CHECKPOINT_FILE.read_text()
    _sql("UPDATE core_auditentry SET action = 'x.y' WHERE id = %s", [checkpointed[6].pk])
    with pytest.raises(SystemExit):
        warden(["audit", "checkpoint"])
    assert "so no checkpoint was written" in capsys.readouterr().err
    assert settings.WARDEN_AUDIT_CHECKPOINT_FILE.read_text() == before


def test_no_checkpoint_is_written_once_the_checkpointed_entry_is_rewritten(
    checkpointed, settings, capsys
):
    before = settings.WARDEN_AUDIT_CHECKPOINT_FILE.read_text()
    _sql("UPDATE core_auditentry SET hash = %s WHERE seq = 5", ["f" * 64])
    with pytest.raises(SystemExit):
        warden(["audit", "checkpoint"])
    assert "no longer passes through the checkpoint of" in capsys.readouterr().err
    assert settings.WARDEN_AUDIT_CHECKPOINT_FILE.read_text() == before


def test_the_checkpoint_file_is_owner_only(checkpointed, settings):
    assert settings.WARDEN_AUDIT_CHECKPOINT_FILE.stat().st_mode & 0o777 == 0o600


def test_the_siro_gets_each_checkpoint_and_can_verify_against_it(
    school, headteacher, settings, capsys, django_capture_on_commit_callbacks
):
    siro = UserFactory.create(username="siro", email="siro@example.org")
    member(siro, school, Role.SIRO)
    _add_people(school, headteacher, 4)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        warden(["audit", "checkpoint", "--email"])
    capsys.readouterr()
    assert [m.to for m in mail.outbox] == [["siro@example.org"]]
    signed = [line for line in mail.outbox[0].body.splitlines() if line.startswith("{")]
    assert len(signed) == 1
    # Truncate the trail, and remove the site's checkpoint file too.
    entries = list(AuditEntry.objects.order_by("seq"))
    _sql("DELETE FROM core_auditentry WHERE seq > 2")
    _fix_head(2, entries[1].hash)
    settings.WARDEN_AUDIT_CHECKPOINT_FILE.unlink()
    code, out = _verify(capsys)
    assert code == 0, "without any checkpoint, truncation cannot show"
    assert "There is no checkpoint yet" in out.err
    saved = settings.WARDEN_AUDIT_CHECKPOINT_FILE.parent / "from-email.txt"
    saved.write_text(signed[0] + "\n")
    code, out = _verify(capsys, "--checkpoint-file", str(saved))
    assert code != 0
    assert "the latest entries were removed" in out.err


def test_the_worker_writes_a_checkpoint_on_schedule(school, headteacher, settings, capsys):
    _add_people(school, headteacher, 2)
    warden(["schedule", "--run-due"])
    assert "core.audit_checkpoint" in capsys.readouterr().out
    lines = settings.WARDEN_AUDIT_CHECKPOINT_FILE.read_text().splitlines()
    # Other jobs queued in the same tick may add entries after the checkpoint.
    assert len(lines) == 1
    assert json.loads(lines[0])["seq"] >= 2
    code, out = _verify(capsys)
    assert code == 0
    assert "passes through every checkpoint" in out.out


def test_users_are_never_deleted_and_their_entries_keep_who_acted(school, checkpointed):
    actor = checkpointed[0].actor
    assert checkpointed[0].actor_label == "Head Tester (head)"
    with pytest.raises(PermissionError, match="deactivate the account instead"):
        actor.delete()
    with pytest.raises(ProtectedError):
        User.objects.filter(pk=actor.pk).delete()
    assert AuditEntry.objects.filter(actor=actor).count() == len(checkpointed)
    assert audit_verify().ok


def test_the_actor_label_is_kept_after_the_user_is_renamed(school, headteacher):
    _add_people(school, headteacher, 1)
    headteacher.first_name, headteacher.username = "Renamed", "renamed"
    headteacher.save()
    entry = AuditEntry.objects.get()
    assert entry.actor_label == "Head Tester (head)"
    assert actor_label(headteacher) == "Renamed Tester (renamed)"
    assert audit_verify().ok
