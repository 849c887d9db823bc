"""``bulk_insert`` stores what ``bulk_create`` stores (run on PostgreSQL too, where it
writes through COPY: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test``)."""

from __future__ import annotations

import datetime as dt

import time_machine

from warden.core.bulk import bulk_insert
from warden.core.models import AuditEntry, Membership, User

FIELDS = ["user_id", "trust_id", "school_id", "role", "created_at"]


def _grants(school, users):
    return [Membership(user=u, trust_id=school.trust_id, school=school, role=r) for u, r in users]


def test_bulk_insert_stores_the_same_rows_as_bulk_create(school):
    users = [User.objects.create(username=f"user{n}") for n in range(4)]
    with time_machine.travel(dt.datetime(2026, 5, 4, 10, 30, tzinfo=dt.UTC), tick=False):
        Membership.objects.bulk_create(_grants(school, [(users[0], "teacher"), (users[1], "dsl")]))
        written = bulk_insert(
            Membership, _grants(school, [(users[2], "teacher"), (users[3], "dsl")])
        )
    assert written == 2
    rows = list(Membership.objects.filter(user__in=users).order_by("user_id").values(*FIELDS))
    assert [r["role"] for r in rows] == ["teacher", "dsl", "teacher", "dsl"]
    # Filled in on save (created_at) exactly as bulk_create fills it.
    assert {r["created_at"] for r in rows} == {dt.datetime(2026, 5, 4, 10, 30, tzinfo=dt.UTC)}
    assert {(r["trust_id"], r["school_id"]) for r in rows} == {(school.trust_id, school.pk)}


def test_bulk_insert_keeps_json_and_text_as_given(school):
    entry = AuditEntry(
        seq=1,
        prev_hash="0" * 64,
        hash="1" * 64,
        at=dt.datetime(2026, 5, 4, 10, 30, tzinfo=dt.UTC),
        actor_label="system",
        school=school,
        trust_id=school.trust_id,
        action="test.bulk",
        object_type="core.school",
        object_id=str(school.pk),
        object_repr="Tab\\there, quote ' and \\u00e9 é, new\nline",
        changes={"note": [None, 'a \\N b\t"c"'], "n": [1, 2.5], "ok": [False, True]},
    )
    bulk_insert(AuditEntry, [entry])
    stored = AuditEntry.objects.get(action="test.bulk")
    assert stored.object_repr == entry.object_repr
    assert stored.changes == entry.changes
    assert stored.at == entry.at


def test_nothing_to_insert_writes_nothing(db):
    assert bulk_insert(Membership, []) == 0


def test_inserted_objects_have_their_primary_keys(school):
    users = [User.objects.create(username=f"user{n}") for n in range(3)]
    grants = _grants(school, [(u, "teacher") for u in users])
    bulk_insert(Membership, grants)
    assert all(g.pk for g in grants)
    assert {g.pk: g.user_id for g in grants} == dict(
        Membership.objects.filter(user__in=users).values_list("pk", "user_id")
    )
    # The sequence moved on: a row made afterwards takes a new number.
    later = Membership.objects.create(user=users[0], trust_id=school.trust_id, role="teacher")
    assert later.pk not in {g.pk for g in grants}
