"""Request → approve → activate, with who and when, and each rule refusing in its words."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from warden.accounts import services
from warden.accounts.models import Account, AccountState
from warden.accounts.tests.helpers import active_account
from warden.agreements.models import Audience
from warden.agreements.testing import published_version, sign_current
from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.core.roles import ROLE_PERMISSIONS, Perm, Role
from warden.testing.factories import PersonFactory, PupilFactory, UserFactory, member

pytestmark = pytest.mark.django_db

OCTOBER = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)


def _actions(account: Account) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="accounts.account", object_id=str(account.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_the_flow_records_who_did_each_step_and_when(
    school, directory, office, headteacher, technician
):
    person = PersonFactory.create(school=school, first_name="Robin", last_name="Newstaff")
    sign_current(person)
    account = services.account_request(
        actor=office, person=person, system=directory, reason="New teacher"
    )
    assert account.state == AccountState.REQUESTED and account.username == "r.newstaff"
    account = services.account_approve(actor=headteacher, account=account)
    account = services.account_activate(actor=technician, account=account)
    assert account.state == AccountState.ACTIVE
    assert (account.requested_by, account.approved_by, account.activated_by) == (
        office,
        headteacher,
        technician,
    )
    assert account.requested_at and account.approved_at and account.activated_at
    account = services.account_suspend(actor=technician, account=account, reason="Misuse report")
    account = services.account_reenable(actor=technician, account=account)
    account = services.account_disable(actor=technician, account=account)
    account = services.account_delete(actor=technician, account=account)
    assert account.state == AccountState.DELETED
    assert _actions(account) == [
        "account.requested",
        "account.approved",
        "account.activated",
        "account.suspended",
        "account.reenabled",
        "account.disabled",
        "account.deleted",
    ]


def test_a_new_member_of_staff_without_a_signed_agreement_cannot_be_activated(
    school, directory, email, headteacher
):
    with time_machine.travel(OCTOBER, tick=False):
        published_version(school, Audience.STAFF)
        person = PersonFactory.create(school=school, first_name="Sam", last_name="Joiner")
        for system in (directory, email):
            account = services.account_request(actor=None, person=person, system=system)
            account = services.account_approve(actor=headteacher, account=account)
            with pytest.raises(ServiceError) as refused:
                services.account_activate(actor=None, account=account)
            assert "Staff acceptable-use agreement 2026 not signed" in refused.value.message
            account.refresh_from_db()
            assert account.state == AccountState.APPROVED


def test_the_activate_button_refuses_and_the_page_names_the_missing_agreement(
    school, directory, headteacher, technician, client_for
):
    with time_machine.travel(OCTOBER, tick=True):
        published_version(school, Audience.STAFF)
        person = PersonFactory.create(school=school, first_name="Sam", last_name="Joiner")
        account = services.account_request(actor=None, person=person, system=directory)
        services.account_approve(actor=headteacher, account=account)
        client = client_for(technician)
        url = reverse("accounts:account_activate", kwargs={"account_pk": account.pk})
        response = client.post(url, follow=True)
        assert b"Staff acceptable-use agreement 2026 not signed" in response.content
        account.refresh_from_db()
        assert account.state == AccountState.APPROVED
        # The account's page says why before anyone presses the button.
        page = client.get(reverse("accounts:account_detail", kwargs={"account_pk": account.pk}))
        assert b"cannot activate: Staff acceptable-use agreement 2026 not signed" in page.content
        # Once signed, the same button works.
        sign_current(person)
        client.post(url)
        account.refresh_from_db()
        assert account.state == AccountState.ACTIVE and account.activated_by == technician


def test_a_pupil_cannot_have_an_account_on_a_staff_only_system(school, mis):
    pupil = PupilFactory.create(school=school)
    with pytest.raises(ServiceError, match="it is for teaching staff, support staff only"):
        services.account_request(actor=None, person=pupil, system=mis)


def test_supply_staff_use_the_generic_account_not_their_own_network_account(school, directory):
    supply = PersonFactory.create(school=school, person_type="supply_staff")
    with pytest.raises(ServiceError, match="generic supply account"):
        services.account_request(actor=None, person=supply, system=directory)


def test_visitors_need_an_expiry_and_get_their_leaving_day_by_default(school, email):
    visitor = PersonFactory.create(school=school, person_type="visitor")
    with pytest.raises(ServiceError, match="needs an expiry"):
        services.account_request(actor=None, person=visitor, system=email)
    visitor.leaving_date = dt.date.today() + dt.timedelta(days=3)
    visitor.save()
    account = services.account_request(actor=None, person=visitor, system=email)
    assert account.expires_at is not None


def test_remote_access_only_for_named_staff(school, ict_manager, headteacher):
    remote = services.system_create(
        actor=ict_manager, school=school, fields={"name": "Home access", "kind": "remote"}
    )
    named = PersonFactory.create(school=school)
    unnamed = PersonFactory.create(school=school)
    pupil = PupilFactory.create(school=school)
    services.system_set_remote_people(actor=ict_manager, system=remote, people=[named])
    with pytest.raises(ServiceError, match="not on the list of staff named"):
        services.account_request(actor=None, person=unnamed, system=remote)
    with pytest.raises(ServiceError, match="for named staff only"):
        services.account_request(actor=None, person=pupil, system=remote)
    assert active_account(named, remote, approver=headteacher).state == AccountState.ACTIVE


def test_restricted_systems_need_the_restricted_approval_right(school, monkeypatch):
    restricted = services.system_create(
        actor=None, school=school, fields={"name": "SEND area", "restricted": True}
    )
    # A role that may approve ordinary requests but not restricted areas.
    monkeypatch.setitem(
        ROLE_PERMISSIONS, Role.DEPUTY_DSL, frozenset({Perm.ACCOUNTS_APPROVE, Perm.ACCOUNTS_VIEW})
    )
    deputy = UserFactory.create(username="deputy")
    member(deputy, school, Role.DEPUTY_DSL)
    person = PersonFactory.create(school=school)
    account = services.account_request(actor=None, person=person, system=restricted)
    with pytest.raises(ServiceError, match="restricted area"):
        services.account_approve(actor=deputy, account=account)
    head = UserFactory.create(username="head2")
    member(head, school, Role.HEADTEACHER)
    assert services.account_approve(actor=head, account=account).state == AccountState.APPROVED


def test_only_slt_approve_through_the_page(school, directory, ict_manager, headteacher, client_for):
    person = PersonFactory.create(school=school)
    account = services.account_request(actor=ict_manager, person=person, system=directory)
    url = reverse("accounts:account_approve", kwargs={"account_pk": account.pk})
    assert client_for(ict_manager).post(url).status_code == 403
    client_for(headteacher).post(url)
    account.refresh_from_db()
    assert account.state == AccountState.APPROVED and account.approved_by == headteacher


def test_the_request_page_requests_an_account(school, directory, office, client_for):
    person = PersonFactory.create(school=school, first_name="Jo", last_name="Request")
    response = client_for(office).post(
        reverse("accounts:account_request"),
        {"person": person.pk, "system": directory.pk, "reason": "New TA"},
    )
    account = Account.objects.get(person=person)
    assert response.url == reverse("accounts:account_detail", kwargs={"account_pk": account.pk})
    assert account.requested_by == office and account.username == "j.request"


def test_teachers_and_governors_cannot_see_accounts(school, teacher, governor, client_for):
    for user in (teacher, governor):
        assert client_for(user).get(reverse("accounts:account_list")).status_code == 403
        assert client_for(user).get(reverse("accounts:account_request")).status_code == 403


def test_one_live_account_per_person_per_system(school, directory):
    person = PersonFactory.create(school=school)
    services.account_request(actor=None, person=person, system=directory)
    with pytest.raises(ServiceError, match="already has an account"):
        services.account_request(actor=None, person=person, system=directory)


def test_a_whole_year_7_intake_on_directory_and_email_with_refusals_reported(
    school, directory, email, ict_manager, headteacher, technician, client_for
):
    pupils = [PupilFactory.create(school=school, year_group=7) for _ in range(4)]
    PupilFactory.create(school=school, year_group=8)  # not in the intake
    for pupil in pupils[:3]:
        sign_current(pupil)
    data = {"systems": [directory.pk, email.pk], "person_type": "pupil", "year_group": 7}
    url = reverse("accounts:bulk")
    client_for(ict_manager).post(url, {**data, "action": "request"})
    assert Account.objects.filter(state=AccountState.REQUESTED).count() == 8
    client_for(headteacher).post(url, {**data, "action": "approve"})
    assert Account.objects.filter(state=AccountState.APPROVED).count() == 8
    response = client_for(technician).post(url, {**data, "action": "activate"})
    assert Account.objects.filter(state=AccountState.ACTIVE).count() == 6
    assert response.context["report"].done == 6
    refused = response.context["report"].refused
    assert {r.person for r in refused} == {pupils[3]}
    assert all("not signed" in r.message for r in refused)
    assert b"not signed" in response.content
    # Each refusal says what to do next (a pupil without an e-mail signs on paper).
    assert '<th scope="col">Next step</th>' in response.content.decode()
    assert "Record a paper signature from their page" in response.content.decode()
    # A technician may not request or approve in bulk.
    response = client_for(technician).post(url, {**data, "action": "approve"})
    assert response.status_code == 403


def test_accounts_ticked_on_the_list_are_approved_then_activated_each_on_its_own(
    school, directory, headteacher, technician, teacher, client_for
):
    published_version(school, Audience.STAFF)
    joiners = [
        PersonFactory.create(school=school, first_name=name, last_name="Joiner")
        for name in ("Ada", "Ben", "Cas")
    ]
    for person in joiners[:2]:
        sign_current(person)
    accounts = [
        services.account_request(actor=None, person=person, system=directory) for person in joiners
    ]
    ticked = {"account": [a.pk for a in accounts]}
    listing = reverse("accounts:account_list") + "?state=requested"
    page = client_for(headteacher).get(listing).content.decode()
    for account in accounts:
        assert f'name="account" value="{account.pk}" form="chosen-accounts"' in page
    response = client_for(headteacher).post(
        reverse("accounts:chosen"), {**ticked, "action": "approve", "next": listing}, follow=True
    )
    assert response.redirect_chain == [(listing, 302)]
    assert b"3 accounts approved." in response.content
    assert {a.state for a in Account.objects.filter(pk__in=ticked["account"])} == {"approved"}

    # The technician activates; the one who has not signed is refused in the rule's words.
    response = client_for(technician).post(
        reverse("accounts:chosen"), {**ticked, "action": "activate"}, follow=True
    )
    content = response.content.decode()
    assert "2 accounts activated." in content
    assert (
        f"{directory.name}: Cas Joiner cannot activate: Staff acceptable-use agreement 2026 not "
        "signed" in content
    )
    states = dict(Account.objects.filter(pk__in=ticked["account"]).values_list("pk", "state"))
    assert [states[a.pk] for a in accounts] == ["active", "active", "approved"]
    assert AuditEntry.objects.filter(action="account.activated").count() == 2

    # Each step needs its own right; no account ticked says what to do.
    refused = client_for(technician).post(
        reverse("accounts:chosen"), {**ticked, "action": "approve"}
    )
    assert refused.status_code == 403
    assert client_for(teacher).post(reverse("accounts:chosen"), ticked).status_code == 404
    empty = client_for(headteacher).post(
        reverse("accounts:chosen"), {"action": "approve"}, follow=True
    )
    assert b"Tick the accounts to approve or activate first." in empty.content
