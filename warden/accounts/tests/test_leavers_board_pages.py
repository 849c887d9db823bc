"""The leavers' board at the size of a school: 25 leavers a page, a search by name kept
across pages, and the same number of queries for 5 leavers as for 60."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from warden.accounts.models import Account, System
from warden.accounts.tests.helpers import accounts_made_directly
from warden.core.models import School
from warden.equipment.models import Asset, Loan, LoanState
from warden.people.models import Person
from warden.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db

BOARD = reverse("accounts:leavers")


def _leavers(school: School, system: System, count: int, *, start: int = 0) -> list[Person]:
    """``count`` leavers who left last week, each with a live account and a laptop they have
    not taken yet (rows made directly: the flow that makes them has its own tests)."""
    left = timezone.localdate() - dt.timedelta(days=7)
    people = [
        PersonFactory.create(
            school=school,
            first_name=f"Leaver{n:03d}",
            last_name=f"Surname{n:03d}",
            leaving_date=left,
        )
        for n in range(start, start + count)
    ]
    accounts_made_directly(system, people, removal_deadline=timezone.now() - dt.timedelta(days=4))
    for p in people:
        asset = Asset.objects.create(school=school, asset_tag=f"L-{p.pk}", asset_type="laptop")
        Loan.objects.create(
            school=school,
            asset=asset,
            person=p,
            state=LoanState.AWAITING_AGREEMENT,
            checked_out_at=timezone.now() - dt.timedelta(days=90),
        )
    return people


def _names(content: bytes) -> list[str]:
    return re.findall(r"Leaver\d{3} Surname\d{3}", content.decode())


def test_the_board_shows_25_leavers_a_page_with_every_leaver_counted(
    school, directory, technician, client_for
):
    _leavers(school, directory, 30)
    client = client_for(technician)
    first = client.get(BOARD)
    assert first.status_code == 200
    shown = set(_names(first.content))
    assert len(shown) == 25
    assert "(30)" in first.content.decode() and "Page 1 of 2" in first.content.decode()
    second = client.get(BOARD, {"page": 2})
    rest = set(_names(second.content))
    assert len(rest) == 5 and not rest & shown


def test_the_search_finds_a_leaver_by_name_and_keeps_to_it_across_pages(
    school, directory, technician, client_for
):
    _leavers(school, directory, 30)
    client = client_for(technician)
    found = client.get(BOARD, {"q": "Surname007"})
    assert set(_names(found.content)) == {"Leaver007 Surname007"}
    assert "(1)" in found.content.decode()
    # "Leaver0" matches 30 people: page 2 of the search still searches.
    many = client.get(BOARD, {"q": "leaver0"}).content.decode()
    assert "page=2" in many and "q=leaver0&amp;page=2" in many
    second = client.get(BOARD, {"q": "leaver0", "page": 2})
    assert len(set(_names(second.content))) == 5
    nobody = client.get(BOARD, {"q": "Nobody-Here"}).content.decode()
    assert "No leaver on the board matches" in nobody


def test_leavers_with_something_overdue_come_first(school, directory, technician, client_for):
    later = PersonFactory.create(
        school=school,
        first_name="Leaver900",
        last_name="Surname900",
        leaving_date=timezone.localdate() + dt.timedelta(days=20),
    )
    Account.objects.create(
        school=school, person=later, system=directory, username="later", state="active"
    )
    _leavers(school, directory, 2)
    names = _names(client_for(technician).get(BOARD).content)
    assert names.index("Leaver900 Surname900") > names.index("Leaver000 Surname000")


def _board_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(BOARD)
    assert response.status_code == 200
    return len(queries)


def test_the_boards_queries_do_not_grow_with_the_number_of_leavers(
    school, directory, email, technician, client_for
):
    client = client_for(technician)
    _leavers(school, directory, 5)
    client.get(BOARD)  # the session and settings are read once, like any page
    few = _board_queries(client)
    more = _leavers(school, email, 55, start=5)
    for person in more[:20]:
        Account.objects.create(
            school=school,
            person=person,
            system=directory,
            username=f"second{person.pk}",
            state="disabled",
        )
    assert _board_queries(client) == few
