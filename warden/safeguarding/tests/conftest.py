"""Fixtures of the welfare-concern tests: a deputy DSL, a Year 7 pupil with live accounts and
a self-harm alert about them in the triage queue."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from warden.accounts.models import Account, AccountState, System, SystemKind
from warden.core.models import School, User
from warden.core.roles import Role
from warden.incidents.services.triage import violations_received
from warden.monitoring.models import Violation
from warden.people.models import Person
from warden.safeguarding.models import SafeguardingSettings
from warden.testing.factories import PupilFactory, UserFactory, member


@pytest.fixture
def deputy(school: School) -> User:
    user = UserFactory.create(username="deputy", first_name="Deputy", last_name="Tester")
    member(user, school, Role.DEPUTY_DSL)
    return user


@pytest.fixture
def pupil(school: School) -> Person:
    return PupilFactory.create(school=school, first_name="Robin", last_name="Year-Seven")


@pytest.fixture
def pupil_accounts(pupil: Person) -> list[Account]:
    accounts = []
    for kind, name in (
        (SystemKind.DIRECTORY, "Network"),
        (SystemKind.EMAIL, "E-mail"),
        (SystemKind.LEARNING, "Learning platform"),
    ):
        system, _ = System.objects.get_or_create(
            school=pupil.school, name=name, defaults={"kind": kind}
        )
        accounts.append(
            Account.objects.create(
                school=pupil.school,
                person=pupil,
                system=system,
                username=f"robin.{system.pk}",
                state=AccountState.ACTIVE,
            )
        )
    return accounts


def alert(
    person: Person,
    *,
    category: str = "self-harm",
    term: str = "how to cut myself",
    severity: int = 5,
) -> Violation:
    n = Violation.objects.count()
    violation = Violation.objects.create(
        school=person.school,
        engine_id=f"welfare-{n}",
        source_id="test",
        offset=n,
        line_no=n + 1,
        ts=timezone.now(),
        person=person,
        username="robin",
        url=f"https://www.google.com/search?q={term.replace(' ', '+')}",
        host="www.google.com",
        search_engine="google",
        search_term=term,
        phrase=term,
        matched_text=term,
        category=category,
        severity=severity,
        kind="keyword",
    )
    violations_received(school=person.school, violation_ids=[violation.pk])
    return violation


@pytest.fixture
def self_harm_alert(pupil: Person) -> Violation:
    return alert(pupil)


def save_settings(school: School, actor: User, **changes: Any) -> SafeguardingSettings:
    """The school's safeguarding settings: Warden's defaults with ``changes``."""
    from warden.safeguarding import services

    values: dict[str, Any] = {
        "block_help_text": "",
        "show_dsl_on_block_page": False,
        "dsl_name_for_pupils": "",
        "is_academy": False,
        "online_safety_lead": "",
        "la_esafety_officer": "",
    }
    return services.settings_save(actor=actor, school=school, **(values | changes))
