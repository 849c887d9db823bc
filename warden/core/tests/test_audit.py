from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from warden.cli import main as warden
from warden.core.audit import audit_log, audit_verify, diff
from warden.core.models import AuditEntry
from warden.people.services import person_create


@pytest.fixture
def trail(school, headteacher):
    for n in range(5):
        person_create(
            actor=headteacher,
            school=school,
            fields={"person_type": "teaching_staff", "first_name": f"Sam{n}", "last_name": "Lee"},
        )
    return list(AuditEntry.objects.order_by("seq"))


def _run_verify(capsys):
    with pytest.raises(SystemExit) as exit_info:
        warden(["audit", "verify"])
    return exit_info.value.code, capsys.readouterr()


def test_intact_trail_verifies(trail, capsys):
    warden(["audit", "verify"])
    assert f"{len(trail)} entries verified" in capsys.readouterr().out


def test_changing_one_row_in_the_database_breaks_verify_and_names_it(trail, capsys):
    victim = trail[2]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET object_repr = %s WHERE id = %s", ["Someone else", victim.pk]
        )
    code, out = _run_verify(capsys)
    assert code != 0
    assert f"entry #{victim.seq} (id {victim.pk}" in out.err
    assert "changed" in out.err


def test_removing_a_row_breaks_verify(trail, capsys):
    victim = trail[1]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [victim.pk])
    code, out = _run_verify(capsys)
    assert code != 0
    assert f"entry #{victim.seq} is missing" in out.err


def test_removing_the_newest_rows_breaks_verify(trail):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [trail[-1].pk])
    result = audit_verify()
    assert not result.ok
    assert "latest entries were removed" in (result.problem or "")


def test_reordering_rows_breaks_verify(trail):
    first, second = trail[0], trail[1]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET seq = -1 WHERE id = %s", [first.pk])
        cursor.execute("UPDATE core_auditentry SET seq = %s WHERE id = %s", [first.seq, second.pk])
        cursor.execute("UPDATE core_auditentry SET seq = %s WHERE id = %s", [second.seq, first.pk])
    result = audit_verify()
    assert not result.ok
    assert result.bad_seq == first.seq


def test_audit_entries_cannot_be_edited_or_deleted_through_the_app(trail):
    entry = trail[0]
    entry.action = "something.else"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


def test_entries_record_who_what_and_old_and_new_values(school, headteacher, trail):
    entry = trail[0]
    assert entry.actor == headteacher
    assert entry.school == school
    assert entry.action == "person.created"
    assert entry.changes["first_name"] == [None, "Sam0"]


def test_secret_values_are_masked(school, headteacher):
    entry = audit_log(
        actor=headteacher,
        action="test.secret",
        school=school,
        changes=diff({"password": "old-secret", "name": "a"}, {"password": "new", "name": "b"}),
    )
    assert entry.changes["password"] == ["••••••", "••••••"]
    assert entry.changes["name"] == ["a", "b"]
    assert "old-secret" not in str(entry.changes)


def test_a_rule_about_passwords_is_shown_not_masked(school, headteacher):
    entry = audit_log(
        actor=headteacher,
        action="test.secret",
        school=school,
        changes=diff(
            {"password_max_age_days": 90, "password_hash": "abc"},
            {"password_max_age_days": 0, "password_hash": "def"},
        ),
    )
    assert entry.changes["password_max_age_days"] == [90, 0]
    assert entry.changes["password_hash"] == ["••••••", "••••••"]


def test_bulk_entries_keep_plain_json_and_verify(school, headteacher):
    import datetime as dt
    from decimal import Decimal

    from warden.core.audit import audit_log_many

    people = [
        person_create(
            actor=headteacher,
            school=school,
            fields={"person_type": "teaching_staff", "first_name": f"Kim{n}", "last_name": "Ng"},
        )
        for n in range(3)
    ]
    changes: list[dict[str, Any]] = [
        {"first_name": [None, "Kim0"], "api_token": [None, "t0k3n"]},
        {"joined": [None, dt.date(2026, 9, 1)], "pair": (1, 2), "cost": Decimal("1.50")},
        {"nested": {"a": [1, 2.5, None, True]}},
    ]
    audit_log_many(
        actor=headteacher,
        action="test.bulk",
        items=list(zip(people, changes, strict=True)),
        school=school,
    )
    stored = list(AuditEntry.objects.filter(action="test.bulk").order_by("seq"))
    assert [e.changes for e in stored] == [
        {"first_name": [None, "Kim0"], "api_token": [None, "••••••"]},
        {"joined": [None, "2026-09-01"], "pair": [1, 2], "cost": "1.50"},
        {"nested": {"a": [1, 2.5, None, True]}},
    ]
    assert audit_verify().ok
