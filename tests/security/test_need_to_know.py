"""Need to know: every page, as every role, shows no one's details the role must not see.

Policy duty "Staff see only the personal data their job needs" (docs/policy-map.md) and the
safeguarding need-to-know rule:
governors see figures only, everywhere; teachers see pupils' names, year and form, no
parent's contact details and no colleague's date of birth; only office staff, the DSL and
deputy, the headteacher and the SIRO see parents' contact details and staff dates of birth.

The walk loads the demo school, adds a pupil, a parent and a staff member with details no
other record holds, and makes one object for every URL keyword (the cross-school test's
``OBJECT_MAKERS``). Then, as each role, it opens every URL pattern (each person page for each
of the three people) and every page the role's navigation links to, and fails on any detail
the expectations below forbid. A new page is walked without any change here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from warden.cli import main as warden
from warden.core.access import has_perm
from warden.core.models import Membership, School, User
from warden.core.nav import all_items
from warden.core.roles import Role
from warden.core.tests.test_cross_school_access import (
    OBJECT_MAKERS,
    PLAIN_VALUES,
    PUBLIC_PATTERNS,
    _all_patterns,
    _kwargs,
)
from warden.demo.trust import SCHOOL_ROLES, TRUST_ADMIN_USERNAME
from warden.people.models import Guardianship, Person, PersonType
from warden.testing.clients import signed_in
from warden.testing.factories import PersonFactory, PupilFactory, SchoolFactory, member

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="(/[^"#?]*)(?:\?[^"#]*)?"')
SKIP = ("/static/", "/sign-out", "/healthz")
LINKED_PAGES_PER_ROLE = 40

# What each role must never see, by the policies (not read from Warden's own table, so a
# wrong table fails here). "names": anyone's name; "parent_contact": a parent's e-mail or
# phone; "staff_private": a colleague's date of birth or phone; "pupil_private": a pupil's
# date of birth.
FORBIDDEN: dict[str, set[str]] = {
    Role.GOVERNOR: {"names", "parent_contact", "staff_private", "pupil_private"},
    Role.TEACHER: {"parent_contact", "staff_private", "pupil_private"},
    Role.TECHNICIAN: {"parent_contact", "staff_private", "pupil_private"},
    Role.ICT_MANAGER: {"parent_contact", "staff_private", "pupil_private"},
    Role.TRUST_ADMIN: {"parent_contact", "staff_private", "pupil_private"},
    Role.OFFICE: set(),
    Role.DSL: set(),
    Role.DEPUTY_DSL: set(),
    Role.HEADTEACHER: set(),
    Role.SIRO: set(),
}


@pytest.fixture
def demo_school(tmp_path, settings) -> School:
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WARDEN_FILTER_DIR = tmp_path / "filtering"
    warden(["demo", "--schools", "1", "--pupils", "10"])
    return School.objects.get()


def _markers(school: School) -> tuple[dict[str, set[str]], list[Person]]:
    """Three people whose details appear nowhere else, and the demo's own details."""
    pupil = PupilFactory.create(
        school=school,
        first_name="Quillon",
        last_name="Nightjar-Marker",
        year_group=7,
        form="7Q",
        date_of_birth="2014-01-23",
    )
    parent = PersonFactory.create(
        school=school,
        person_type=PersonType.PARENT,
        first_name="Ottoline",
        last_name="Parent-Marker",
        email="ottoline.marker@parents.example",
        phone="07700 900461",
    )
    Guardianship.objects.create(school=school, pupil=pupil, parent=parent, relationship="mother")
    staff = PersonFactory.create(
        school=school,
        person_type=PersonType.SUPPORT_STAFF,
        first_name="Wystan",
        last_name="Staff-Marker",
        job_title="Teaching assistant",
        date_of_birth="1971-02-14",
        phone="07700 900462",
    )
    words: dict[str, set[str]] = {
        "names": {"Quillon", "Nightjar-Marker", "Ottoline", "Parent-Marker", "Wystan"},
        "parent_contact": {parent.email, parent.phone},
        "staff_private": {"14/02/1971", staff.phone},
        "pupil_private": {"23/01/2014"},
    }
    demo = Person.objects.filter(school=school).exclude(pk__in=[pupil.pk, parent.pk, staff.pk])
    words["names"] |= {p.full_name for p in demo}
    words["names"] |= {u.get_full_name() for u in User.objects.all() if u.get_full_name()}
    for p in demo.filter(person_type=PersonType.PARENT):
        words["parent_contact"] |= {v for v in (p.email, p.phone) if v}
    for p in demo.filter(person_type__in=[PersonType.TEACHING_STAFF, PersonType.SUPPORT_STAFF]):
        if p.date_of_birth:
            words["staff_private"].add(f"{p.date_of_birth:%d/%m/%Y}")
    return words, [pupil, parent, staff]


def _object_school(demo: School) -> School:
    """A second school of the demo trust, where each demo user holds the same role.

    The object makers expect a school without the demo's records; the users open the
    objects made there as they would their own school's.
    """
    second = SchoolFactory.create(trust=demo.trust, name="Walk School", slug="walk")
    for membership in Membership.objects.filter(school=demo):
        member(membership.user, second, membership.role)
    return second


def _pattern_urls(school: School, people: list[Person]) -> Iterator[str]:
    """One URL for every pattern (each person page for each marker person)."""
    made: dict[str, Any] = {}
    for name, pattern in _all_patterns():
        if name in PUBLIC_PATTERNS:
            continue
        keywords = _kwargs(pattern)
        choices: list[dict[str, Any]] = [{}]
        for kw in keywords:
            if kw == "person_pk":
                values = [p.pk for p in people]
            elif kw in PLAIN_VALUES:
                values = [PLAIN_VALUES[kw]]
            else:
                if kw not in made:
                    made[kw] = OBJECT_MAKERS[kw](school)
                values = [made[kw]]
            choices = [{**c, kw: v} for c in choices for v in values]
        for kwargs in choices:
            try:
                yield reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue


def _role_clients(school: School) -> Iterator[tuple[str, User, Client]]:
    for role, _prefix in SCHOOL_ROLES:
        user = User.objects.get(memberships__school=school, memberships__role=role)
        yield role, user, signed_in(user)
    admin = User.objects.get(username=TRUST_ADMIN_USERNAME)
    yield Role.TRUST_ADMIN, admin, signed_in(admin)


def _leaks(body: str, role: str, words: dict[str, set[str]], own: set[str]) -> list[str]:
    return sorted(
        f"{kind} {word!r}"
        for kind in FORBIDDEN[role]
        for word in words[kind] - own
        if word and word in body
    )


def test_no_role_sees_details_it_must_not_on_any_page(demo_school):
    words, people = _markers(demo_school)
    urls = list(_pattern_urls(_object_school(demo_school), people))
    assert any("/people/" in url for url in urls)
    failures: list[str] = []
    for role, user, client in _role_clients(demo_school):
        # A user's own name is in the page header; it is not someone else's detail.
        own = {user.first_name, user.last_name, user.get_full_name()}
        nav = [reverse(i.url_name) for i in all_items() if has_perm(user, i.perm, demo_school)]
        seen: set[str] = set()
        queue = [(url, True) for url in nav] + [(url, False) for url in urls]
        linked = 0
        while queue:
            url, follow = queue.pop(0)
            if url in seen or url.startswith(SKIP):
                continue
            seen.add(url)
            response = client.get(url)
            if response.status_code != 200 or getattr(response, "streaming", False):
                continue
            body = response.content.decode(errors="replace")
            failures += [f"{role}: {url} shows {leak}" for leak in _leaks(body, role, words, own)]
            if follow and response.get("Content-Type", "").startswith("text/html"):
                for link in LINK.findall(body):
                    if link not in seen and linked < LINKED_PAGES_PER_ROLE:
                        linked += 1
                        queue.append((link, False))
    assert not failures, "\n".join(failures)
    # The walk can see a detail where it is shown: the office reads the parent's contacts.
    office = User.objects.get(memberships__school=demo_school, memberships__role=Role.OFFICE)
    page = signed_in(office).get(reverse("people:detail", kwargs={"person_pk": people[1].pk}))
    assert "ottoline.marker@parents.example" in page.content.decode()
