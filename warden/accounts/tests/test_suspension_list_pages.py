"""The suspension list at the size of a school: 50 people a page, a search by name kept
across pages, the counts in the heading, and the same number of queries for 5 people past
the grace period as for 60."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from warden.accounts import services
from warden.accounts.tests.helpers import accounts_made_directly
from warden.agreements import services as agreement_services
from warden.agreements.models import Agreement, Audience
from warden.agreements.testing import published_version
from warden.core.models import School
from warden.people.models import Person
from warden.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db

SEPT = dt.datetime(2026, 9, 10, 9, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)
LIST = reverse("accounts:suspensions")


def _staff(school: School, count: int, *, start: int = 0) -> list[Person]:
    with time_machine.travel(SEPT, tick=False):
        return [
            PersonFactory.create(
                school=school, first_name=f"Staff{n:03d}", last_name=f"Unsigned{n:03d}"
            )
            for n in range(start, start + count)
        ]


def _new_version_everyone_signs(school: School) -> None:
    """A staff agreement since September, and a new version everyone must sign: by LATER,
    its grace period is over."""
    with time_machine.travel(SEPT, tick=False):
        published_version(school, Audience.STAFF)
    with time_machine.travel(SEPT + dt.timedelta(days=30), tick=False):
        agreement = Agreement.objects.get(school=school, audience=Audience.STAFF)
        draft = agreement_services.version_create(
            actor=None, agreement=agreement, label="2026b", text="Changed terms to read. " * 5
        )
        agreement_services.version_publish(actor=None, version=draft, requires_resign=True)


@pytest.fixture
def past_grace(school, directory):
    """60 members of staff past the grace period, 55 of them with an active account."""
    people = _staff(school, 60)
    accounts_made_directly(directory, people[:55])
    _new_version_everyone_signs(school)
    return people


def _names(content: bytes) -> list[str]:
    return re.findall(r"Staff\d{3} Unsigned\d{3}", content.decode())


def test_the_list_shows_50_a_page_with_the_counts_in_the_heading(
    past_grace, technician, client_for
):
    client = client_for(technician)
    with time_machine.travel(LATER, tick=True):
        first = client.get(LIST)
        second = client.get(LIST, {"page": 2})
        everyone = client.get(LIST, {"all": "1", "page": 2})
    heading = re.search(r"<h1>(.*?)</h1>", first.content.decode(), re.S)
    assert heading and "55 with live accounts, 5 without" in heading.group(1)
    assert len(set(_names(first.content))) == 50
    assert len(set(_names(second.content))) == 5
    assert not set(_names(first.content)) & set(_names(second.content))
    # With those who hold no account: 60 people, 10 on the second page.
    assert len(set(_names(everyone.content))) == 10
    # The counts the list is paged by, given to the paginator without counting again.
    assert "55 people with live accounts" in first.content.decode()
    assert "60 people past the grace period" in everyone.content.decode()


def test_the_search_finds_people_by_name_and_keeps_to_it_across_pages(
    past_grace, technician, client_for
):
    client = client_for(technician)
    with time_machine.travel(LATER, tick=True):
        found = client.get(LIST, {"q": "Unsigned007"})
        many = client.get(LIST, {"q": "staff0", "all": "1"}).content.decode()
        second = client.get(LIST, {"q": "staff0", "all": "1", "page": 2})
        nobody = client.get(LIST, {"q": "Nobody-Here"}).content.decode()
    assert set(_names(found.content)) == {"Staff007 Unsigned007"}
    assert "not signed" in found.content.decode()
    assert "q=staff0&amp;all=1&amp;page=2" in many
    assert len(set(_names(second.content))) == 10
    assert "Nobody on the list matches" in nobody


def test_only_the_pages_people_have_their_accounts_read(school, past_grace, directory):
    with time_machine.travel(LATER, tick=False):
        page = services.suspension_candidates(
            school, late=[(past_grace[0], "reason"), (past_grace[58], "reason")]
        )
    assert [(p, len(accounts)) for p, _, accounts in page] == [
        (past_grace[0], 1),
        (past_grace[58], 0),
    ]


def _list_queries(client) -> int:
    with time_machine.travel(LATER, tick=True), CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(queries)


def test_the_lists_queries_do_not_grow_with_the_number_of_people(
    school, directory, email, technician, client_for
):
    few = _staff(school, 5)
    more = _staff(school, 55, start=5)
    accounts_made_directly(directory, few)
    _new_version_everyone_signs(school)
    client = client_for(technician)
    _list_queries(client)  # the session and settings are read once, like any page
    small = _list_queries(client)
    accounts_made_directly(directory, more)
    accounts_made_directly(email, more)
    assert _list_queries(client) == small
