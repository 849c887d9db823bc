from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.contrib.auth.password_validation import (
    get_default_password_validators,
    validate_password,
)
from django.db import transaction
from django.utils import timezone

from warden.accounts.passwords import PasswordHistoryValidator
from warden.cli import main as warden
from warden.core.audit import audit_verify
from warden.core.models import AuditEntry, Membership, School, Trust, User
from warden.core.roles import Role
from warden.demo.trust import (
    DEMO_PASSWORD,
    SCHOOL_ROLES,
    TRUST_ADMIN_USERNAME,
    TRUST_SLUG,
    demo_load,
)
from warden.people.models import Guardianship, Person, PersonType, Status
from warden.testing.factories import SchoolFactory

pytestmark = pytest.mark.django_db

SMALL = {"schools": 2, "pupils": 30}


@pytest.fixture
def demo(capsys: pytest.CaptureFixture[str]) -> str:
    """The demo loaded through the ``warden`` command, and what the command printed."""
    warden(["demo", "--schools", "2", "--pupils", "30"])
    return capsys.readouterr().out


def _age_on(day: dt.date, born: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _row_counts() -> dict[str, int]:
    models: list[Any] = [Trust, School, User, Membership, Person, Guardianship, AuditEntry]
    return {model.__name__: model.objects.count() for model in models}


def test_the_demo_builds_one_trust_with_a_primary_and_a_secondary_school(demo: str) -> None:
    trust = Trust.objects.get(slug=TRUST_SLUG)
    schools = list(trust.schools.all())
    assert len(schools) == 2
    assert {s.phase for s in schools} == {"primary", "secondary"}
    assert all(s.urn for s in schools)


@pytest.mark.parametrize("today", [dt.date(2026, 8, 31), dt.date(2026, 9, 1)])
def test_pupils_fill_every_year_group_with_dates_of_birth_that_fit_it(today: dt.date) -> None:
    with time_machine.travel(dt.datetime(2026, today.month, today.day, 12, tzinfo=dt.UTC)):
        demo_load(**SMALL)
    # Schools in England go by age on 31 August: Year Y is Y + 4 then (Reception: 4).
    age_day = dt.date(today.year if today.month >= 9 else today.year - 1, 8, 31)
    for school in School.objects.all():
        # The demo's roll, leaving out the pupil who left over a year ago (monitoring's demo
        # adds them, for the retention schedule to find).
        pupils = Person.objects.filter(school=school, person_type=PersonType.PUPIL).exclude(
            mis_id__startswith="DEMO-LEFT-"
        )
        assert pupils.count() == SMALL["pupils"]
        expected = set(range(7, 14)) if school.phase == "secondary" else set(range(7))
        assert {p.year_group for p in pupils} == expected
        for pupil in pupils:
            assert pupil.date_of_birth is not None and pupil.year_group is not None
            # In Year Y on 1 September a pupil is Y + 4 (Reception: 4).
            assert _age_on(age_day, pupil.date_of_birth) == pupil.year_group + 4, pupil.mis_id
            assert pupil.mis_id.startswith("A") and pupil.form and pupil.joining_date


def test_some_pupils_have_two_parents_and_others_one(demo: str) -> None:
    with_responsibility = Counter(
        Guardianship.objects.filter(parental_responsibility=True).values_list("pupil", flat=True)
    )
    # Every pupil on the demo's roll (the pupil who left over a year ago has no parents left
    # on record).
    pupils = Person.objects.filter(person_type=PersonType.PUPIL).exclude(
        mis_id__startswith="DEMO-LEFT-"
    )
    assert set(with_responsibility) == set(pupils.values_list("pk", flat=True))
    assert set(with_responsibility.values()) == {1, 2}
    contacts = Guardianship.objects.filter(parental_responsibility=False)
    assert contacts.exists()
    assert all(g.parent.school_id == g.pupil.school_id for g in Guardianship.objects.all())


def test_some_pupils_have_left_some_are_leaving_and_some_join_next_term(demo: str) -> None:
    statuses = {p.status for p in Person.objects.filter(person_type=PersonType.PUPIL).with_status()}
    assert statuses == {Status.ACTIVE, Status.LEFT, Status.LEAVING, Status.JOINING}


def test_supply_staff_come_from_an_agency_and_have_an_end_date(demo: str) -> None:
    today = timezone.localdate()
    for school in School.objects.all():
        supply = Person.objects.filter(school=school, person_type=PersonType.SUPPLY_STAFF)
        assert 1 <= supply.count() <= 3
        for person in supply:
            assert person.organisation
            assert person.leaving_date is not None and person.leaving_date > today


def test_each_school_has_governors_staff_and_visitors_with_end_dates(demo: str) -> None:
    for school in School.objects.all():
        types = Counter(Person.objects.filter(school=school).values_list("person_type", flat=True))
        assert types[PersonType.GOVERNOR] >= 5
        assert types[PersonType.TEACHING_STAFF] >= 3 and types[PersonType.SUPPORT_STAFF] >= 3
        assert types[PersonType.VOLUNTEER] and types[PersonType.COMMUNITY]
        visiting = Person.objects.filter(
            school=school, person_type__in=[PersonType.VISITOR, PersonType.CONTRACTOR]
        )
        assert visiting.exists()
        assert all(p.organisation and p.leaving_date for p in visiting)


def test_every_school_has_a_sign_in_for_every_role_linked_to_its_holder(demo: str) -> None:
    for school in School.objects.all():
        for role, prefix in SCHOOL_ROLES:
            user = User.objects.get(username=f"{prefix}.{school.slug}")
            assert Membership.objects.filter(user=user, school=school, role=role).exists()
            holder = Person.objects.get(school=school, user=user)
            assert (holder.person_type == PersonType.GOVERNOR) == (role == Role.GOVERNOR)


def test_the_trust_administrator_is_a_member_of_the_whole_trust(demo: str) -> None:
    admin = User.objects.get(username=TRUST_ADMIN_USERNAME)
    membership = Membership.objects.get(user=admin)
    assert membership.role == Role.TRUST_ADMIN
    assert membership.school is None
    assert membership.trust.slug == TRUST_SLUG


def test_no_demo_password_fails_the_password_validators(demo: str) -> None:
    users = list(User.objects.all())
    assert len(users) == 2 * len(SCHOOL_ROLES) + 1
    # The password's strength; the history rule rightly refuses it as the current password.
    validators = [
        v for v in get_default_password_validators() if not isinstance(v, PasswordHistoryValidator)
    ]
    for user in users:
        validate_password(DEMO_PASSWORD, user, password_validators=validators)
        assert user.check_password(DEMO_PASSWORD)
        assert not user.must_change_password


def test_running_the_demo_twice_adds_nothing_not_even_audit_entries(demo: str) -> None:
    before = _row_counts()
    report = demo_load(**SMALL)
    assert report.already_loaded
    assert _row_counts() == before


def test_the_second_run_prints_the_same_sign_ins(demo: str, capsys: Any) -> None:
    warden(["demo", "--schools", "2", "--pupils", "30"])
    again = capsys.readouterr().out
    assert "already loaded" in again
    assert again.split("Demo sign-ins")[1] == demo.split("Demo sign-ins")[1]


def test_every_record_the_demo_creates_is_audited_from_the_command_line(demo: str) -> None:
    entries = AuditEntry.objects.all()
    assert entries.filter(action="person.created").count() == Person.objects.count()
    assert entries.filter(action="guardianship.created").count() == Guardianship.objects.count()
    assert entries.filter(action="user.created").count() == User.objects.count()
    assert entries.filter(action="membership.granted").count() == Membership.objects.count()
    assert entries.filter(action="demo.loaded").count() == 1
    assert set(entries.values_list("via", flat=True)) == {"cli"}
    assert audit_verify().ok


def test_the_command_lists_each_sign_in_and_the_shared_password(demo: str) -> None:
    assert DEMO_PASSWORD in demo
    for user in User.objects.all():
        assert user.username in demo
    assert "trustadmin" in demo and "All schools (trust-wide)" in demo
    assert "authenticator app" in demo


def test_if_empty_leaves_a_database_with_schools_alone(capsys: Any) -> None:
    SchoolFactory()
    warden(["demo", "--if-empty"])
    assert "not loaded" in capsys.readouterr().out
    assert not Trust.objects.filter(slug=TRUST_SLUG).exists()


def test_if_empty_on_a_loaded_demo_only_lists_its_sign_ins(demo: str, capsys: Any) -> None:
    before = _row_counts()
    warden(["demo", "--if-empty"])
    out = capsys.readouterr().out
    assert "head.northgate" in out and DEMO_PASSWORD in out
    assert _row_counts() == before


def test_out_of_range_sizes_are_refused(capsys: Any) -> None:
    for args in (["--schools", "11"], ["--pupils", "5"], ["--pupils", "many"]):
        with pytest.raises(SystemExit):
            warden(["demo", *args])
    assert not School.objects.exists()


def test_a_larger_run_adds_only_the_missing_school(demo: str) -> None:
    pupils_before = set(Person.objects.values_list("school__slug", "mis_id", "first_name"))
    report = demo_load(schools=3, pupils=30)
    assert report.created["schools"] == 1
    assert School.objects.count() == 3
    assert pupils_before <= set(Person.objects.values_list("school__slug", "mis_id", "first_name"))
    assert AuditEntry.objects.filter(action="demo.loaded").count() == 2


def test_a_deleted_demo_sign_in_is_restored_and_linked_to_its_person(demo: str) -> None:
    # Only a sign-in that never acted can go: the audit trail protects the others.
    acted = AuditEntry.objects.exclude(actor=None).values("actor")
    person = (
        Person.objects.filter(user__isnull=False)
        .exclude(user__in=acted)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    assert person is not None and person.user is not None
    username = person.user.username
    roles = set(Membership.objects.filter(user=person.user).values_list("role", flat=True))
    User.objects.filter(pk=person.user.pk).delete()  # from a database shell: users have no delete
    report = demo_load(**SMALL)
    restored = User.objects.get(username=username)
    person.refresh_from_db()
    assert person.user == restored
    assert set(Membership.objects.filter(user=restored).values_list("role", flat=True)) == roles
    assert report.created["users"] == 1


def test_the_same_seed_builds_the_same_people() -> None:
    def people() -> list[tuple[Any, ...]]:
        return list(
            Person.objects.order_by("school__slug", "mis_id").values_list(
                "school__slug", "mis_id", "first_name", "last_name", "date_of_birth", "form"
            )
        )

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        demo_load(schools=1, pupils=20)
        first = people()
        raise Rollback
    assert not Person.objects.exists()
    demo_load(schools=1, pupils=20)
    assert people() == first
