"""A user of school A gets 404 or 403 for every school-B object, on every URL pattern.

The test walks the whole URL configuration. Each URL keyword that names an object must be
listed in OBJECT_MAKERS with a way to create such an object at school B; an unknown keyword
fails the test, so a new page cannot skip this check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import URLPattern, reverse

from warden.core.models import Membership, School
from warden.core.registry import collect
from warden.core.roles import Role
from warden.people.models import Guardianship, ImportRun, PersonType
from warden.testing.factories import PersonFactory, PupilFactory, UserFactory, member
from warden.testing.urls import all_url_patterns

MARKER = "Zebedee-Bschool"


def _person(b: School) -> Any:
    return PersonFactory.create(school=b, first_name=MARKER, last_name="Marker").pk


def _guardianship(b: School) -> Any:
    pupil = PupilFactory.create(school=b)
    parent = PersonFactory.create(school=b, person_type=PersonType.PARENT)
    return Guardianship.objects.create(
        school=b, pupil=pupil, parent=parent, relationship="mother"
    ).pk


def _user(b: School) -> Any:
    user = UserFactory.create(username="b-only-user", first_name=MARKER)
    member(user, b, Role.TEACHER)
    return user.pk


def _membership(b: School) -> Any:
    user = UserFactory.create(username="b-member")
    return member(user, b, Role.OFFICE).pk


def _import_run(b: School) -> Any:
    return ImportRun.objects.create(
        school=b, filename=f"{MARKER}.csv", sha256="0" * 64, outcome="applied"
    ).pk


# Each area adds its own keywords in ``<app>/tests/object_makers.py`` as ``OBJECT_MAKERS``,
# a list of (keyword, maker) pairs, and its public pages as ``PUBLIC_PATTERNS``.
OBJECT_MAKERS: dict[str, Callable[[School], Any]] = {
    "person_pk": _person,
    "link_pk": _guardianship,
    "user_pk": _user,
    "membership_pk": _membership,
    "run_pk": _import_run,
    **dict(collect("tests.object_makers", "OBJECT_MAKERS")),
}
# Keywords that are not school objects, with the value to use.
PLAIN_VALUES: dict[str, Any] = {"action": "unlock"}
# Public pages reached by a token (an e-mailed link, a signing link), not by a school object.
PUBLIC_PATTERNS = {
    "core:password_reset_confirm",
    *collect("tests.object_makers", "PUBLIC_PATTERNS"),
}


_all_patterns = all_url_patterns


def _kwargs(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.converters)


OBJECT_PATTERNS = [
    name
    for name, pattern in _all_patterns()
    if name not in PUBLIC_PATTERNS and set(_kwargs(pattern)) - set(PLAIN_VALUES)
]
PLAIN_PATTERNS = [
    name
    for name, pattern in _all_patterns()
    if name not in PUBLIC_PATTERNS and not set(_kwargs(pattern)) - set(PLAIN_VALUES)
]


def test_every_object_keyword_is_known():
    unknown = {
        kw
        for name, pattern in _all_patterns()
        if name not in PUBLIC_PATTERNS
        for kw in _kwargs(pattern)
        if kw not in OBJECT_MAKERS and kw not in PLAIN_VALUES
    }
    assert not unknown, f"add these URL keywords to OBJECT_MAKERS: {sorted(unknown)}"


def test_the_walk_covers_the_object_pages():
    assert {"people:detail", "people:edit", "core:user_detail"} <= set(OBJECT_PATTERNS)


@pytest.mark.parametrize("url_name", OBJECT_PATTERNS)
def test_school_a_user_gets_404_or_403_for_school_b_objects(
    url_name, school, other_school, headteacher, client_for
):
    pattern = dict(_all_patterns())[url_name]
    kwargs = {
        kw: PLAIN_VALUES[kw] if kw in PLAIN_VALUES else OBJECT_MAKERS[kw](other_school)
        for kw in _kwargs(pattern)
    }
    url = reverse(url_name, kwargs=kwargs)
    client = client_for(headteacher)  # every right at school A, none at school B
    statuses = []
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        statuses.append(response.status_code)
        assert response.status_code in {403, 404, 405}, f"{method.upper()} {url}"
        assert MARKER.encode() not in response.getvalue()
    assert {403, 404} & set(statuses), f"{url} answered {statuses}"


@pytest.mark.parametrize("url_name", PLAIN_PATTERNS)
def test_school_a_pages_show_nothing_of_school_b(
    url_name, school, other_school, headteacher, client_for
):
    for maker in OBJECT_MAKERS.values():
        maker(other_school)
    pattern = dict(_all_patterns())[url_name]
    url = reverse(url_name, kwargs={kw: PLAIN_VALUES[kw] for kw in _kwargs(pattern)})
    # Search for part of the marker, so the echoed search box cannot match the whole.
    response = client_for(headteacher).get(url, {"q": MARKER[:7]})
    assert MARKER.encode() not in response.getvalue(), url


def test_switching_to_a_school_of_another_trust_is_refused(
    school, other_school, headteacher, client_for
):
    response = client_for(headteacher).post(
        reverse("core:switch_school"), {"school": other_school.slug}
    )
    assert response.status_code == 404


def test_trust_wide_role_sees_every_school_of_its_trust_only(school, other_school):
    from warden.core.access import visible_school_ids
    from warden.testing.factories import SchoolFactory

    sister = SchoolFactory.create(trust=school.trust, name="Sister School", slug="sister")
    admin = UserFactory.create(username="trustadmin")
    Membership.objects.create(user=admin, trust=school.trust, school=None, role=Role.TRUST_ADMIN)
    assert visible_school_ids(admin) == {school.pk, sister.pk}
