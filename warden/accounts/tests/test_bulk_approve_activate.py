"""Approve and activate many account requests at once, from the accounts list.

Each account is handled on its own: those done are named, each refusal says the rule's
words and the next step, and a refused one is left exactly as it was. The rights stay the
single steps' own: approving needs the approval right (restricted systems the restricted
right too), activating the right to set accounts up, and the agreement gate still holds.
"""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from warden.accounts import services
from warden.accounts.models import Account, AccountState
from warden.agreements.models import Audience
from warden.agreements.testing import published_version, sign_current
from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.core.roles import ROLE_PERMISSIONS, Perm, Role
from warden.people.models import PersonType
from warden.testing.factories import PersonFactory, UserFactory, member

pytestmark = pytest.mark.django_db

CHOSEN = reverse("accounts:chosen")
LISTING = reverse("accounts:account_list")


@pytest.fixture
def send_area(school):
    return services.system_create(
        actor=None,
        school=school,
        fields={
            "name": "SEND area",
            "restricted": True,
            "allowed_person_types": ["teaching_staff"],
        },
    )


@pytest.fixture
def joiners(school, directory):
    """Three new teachers with a request each on the network; two have signed."""
    published_version(school, Audience.STAFF)
    people = [
        PersonFactory.create(
            school=school, first_name=name, last_name="Newteacher", email=f"{name}@example.org"
        )
        for name in ("One", "Two", "Three")
    ]
    for person in people[:2]:
        sign_current(person)
    return [services.account_request(actor=None, person=p, system=directory) for p in people]


def _messages(response) -> list[str]:
    found = re.findall(r'<p class="message ([a-z]+)">(.*?)</p>', response.content.decode(), re.S)
    return [f"{kind}: {html.unescape(re.sub(r'<[^>]+>', '', text))}" for kind, text in found]


def _states(accounts: list[Account]) -> list[str]:
    return [Account.objects.get(pk=a.pk).state for a in accounts]


def test_activating_many_names_those_done_and_gives_each_refusal_its_next_step(
    school, joiners, headteacher, technician, client_for
):
    services.accounts_approve(actor=headteacher, school=school, accounts=joiners)
    before = AuditEntry.objects.filter(object_id=str(joiners[2].pk)).count()
    response = client_for(technician).post(
        CHOSEN,
        {"action": "activate", "account": [a.pk for a in joiners], "next": LISTING},
        follow=True,
    )
    said = _messages(response)
    assert "success: 2 accounts activated." in said
    assert (
        "info: Activated: One Newteacher on Network sign-in; Two Newteacher on Network sign-in."
        in said
    )
    refusal = next(m for m in said if m.startswith("error:"))
    assert refusal.startswith(
        "error: Network sign-in: Three Newteacher cannot activate: Staff acceptable-use "
        "agreement 2026 not signed. Next step: Send the signing link from their page, or "
        "record a paper signature there."
    )
    person_page = reverse("people:detail", kwargs={"person_pk": joiners[2].person_id})
    assert f'<a href="{person_page}">Three Newteacher&#x27;s page</a>' in response.content.decode()
    assert _states(joiners) == ["active", "active", "approved"]
    # Nothing of the refused one was written.
    assert AuditEntry.objects.filter(object_id=str(joiners[2].pk)).count() == before


def test_all_on_this_page_approves_the_pages_requests_and_leaves_the_rest(
    school, joiners, directory, headteacher, client_for
):
    services.accounts_approve(actor=headteacher, school=school, accounts=joiners[:1])
    client = client_for(headteacher)
    page = client.get(LISTING).content.decode()
    assert '<label for="choose-all">All on this page</label>' in page
    on_page = re.findall(r'name="page_account" value="(\d+)"', page)
    assert sorted(map(int, on_page)) == sorted(a.pk for a in joiners)
    response = client.post(
        CHOSEN,
        {"action": "approve", "all_on_page": "1", "page_account": on_page, "next": LISTING},
        follow=True,
    )
    # Approving takes the page's requests; the approved one is not "skipped", only left.
    said = _messages(response)
    assert "success: 2 accounts approved." in said
    assert not any("already approved" in m for m in said)
    assert _states(joiners) == ["approved", "approved", "approved"]
    assert AuditEntry.objects.filter(action="account.approved").count() == 3


def test_all_on_this_page_offers_only_what_the_user_may_move_on(
    school, joiners, headteacher, technician, client_for
):
    services.accounts_approve(actor=headteacher, school=school, accounts=joiners[:1])
    page = client_for(technician).get(LISTING).content.decode()
    # A technician activates: only the approved account is theirs to tick.
    on_page = re.findall(r'name="page_account" value="(\d+)"', page)
    assert on_page == [str(joiners[0].pk)]


def test_an_account_not_waiting_for_the_step_is_skipped_with_the_reason(
    school, joiners, headteacher, client_for
):
    services.accounts_approve(actor=headteacher, school=school, accounts=joiners[:1])
    response = client_for(headteacher).post(
        CHOSEN, {"action": "approve", "account": [a.pk for a in joiners[:2]]}, follow=True
    )
    said = _messages(response)
    assert "success: 1 account approved." in said
    assert "info: One Newteacher on Network sign-in: already approved." in said


def test_a_restricted_system_is_refused_to_a_role_without_the_restricted_right(
    school, joiners, send_area, headteacher, client_for, monkeypatch
):
    # A role that may approve ordinary requests but not restricted areas.
    monkeypatch.setitem(
        ROLE_PERMISSIONS,
        Role.DEPUTY_DSL,
        frozenset({Perm.ACCOUNTS_APPROVE, Perm.ACCOUNTS_VIEW, Perm.DASHBOARD_VIEW}),
    )
    deputy = UserFactory.create(username="deputy")
    member(deputy, school, Role.DEPUTY_DSL)
    restricted = services.account_request(actor=None, person=joiners[0].person, system=send_area)
    response = client_for(deputy).post(
        CHOSEN, {"action": "approve", "account": [joiners[1].pk, restricted.pk]}, follow=True
    )
    said = _messages(response)
    assert "success: 1 account approved." in said
    assert (
        "error: SEND area: You cannot approve: SEND area is a restricted area (SLT or SEND), "
        "and approving access to it needs the restricted-access right. Next step: Ask the "
        "headteacher, or someone else with the restricted-access right, to approve it."
    ) in said
    assert _states([joiners[1], restricted]) == ["approved", "requested"]
    report = services.accounts_approve(actor=headteacher, school=school, accounts=[restricted])
    assert [row.outcome for row in report.rows] == ["done"]


def test_each_step_needs_its_own_right(school, joiners, office, technician, client_for):
    ids = [a.pk for a in joiners]
    assert (
        client_for(technician).post(CHOSEN, {"action": "approve", "account": ids}).status_code
        == 403
    )
    assert (
        client_for(office).post(CHOSEN, {"action": "activate", "account": ids}).status_code == 403
    )
    assert _states(joiners) == ["requested"] * 3
    with pytest.raises(ServiceError, match="approved by the headteacher or SLT"):
        services.accounts_approve(actor=technician, school=school, accounts=joiners)
    with pytest.raises(ServiceError, match="set up by the ICT manager or a technician"):
        services.accounts_activate(actor=office, school=school, accounts=joiners)
    # The list offers no box to someone who can move nothing on.
    assert 'form="chosen-accounts"' not in client_for(office).get(LISTING).content.decode()


def test_a_refusal_names_the_page_where_its_next_step_is_taken(school, directory, headteacher):
    pupil = PersonFactory.create(school=school, person_type=PersonType.PUPIL, year_group=None)
    account = services.account_request(actor=None, person=pupil, system=directory)
    services.accounts_approve(actor=headteacher, school=school, accounts=[account])
    report = services.accounts_activate(
        actor=None, school=school, accounts=Account.objects.filter(pk=account.pk)
    )
    row = report.rows[0]
    assert row.outcome == "refused" and "no year group is recorded" in row.message
    assert row.next_step is not None and row.next_step.where == "person"
    assert "Record their year group on their page" in row.next_step.text


def test_an_account_from_another_school_is_not_touched(school, other_school, headteacher):
    other = services.system_create(actor=None, school=other_school, fields={"name": "Elsewhere"})
    person = PersonFactory.create(school=other_school)
    account = services.account_request(actor=None, person=person, system=other)
    with pytest.raises(ServiceError, match="is not at"):
        services.accounts_approve(actor=headteacher, school=school, accounts=[account])
    assert account.state == AccountState.REQUESTED
