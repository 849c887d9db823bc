"""The pages: systems, accounts list, person section, dashboard, suspension list, reviews."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from warden.accounts import services
from warden.accounts.models import AccessReview, Account, AccountState, System
from warden.accounts.tests.helpers import active_account
from warden.core.models import AuditEntry
from warden.testing.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db


def test_the_ict_manager_adds_a_system_and_a_teacher_cannot(
    school, ict_manager, teacher, client_for
):
    data = {
        "name": "Learning platform",
        "kind": "learning",
        "allowed_person_types": ["teaching_staff", "pupil"],
        "holds_personal_data": "on",
        "connector": "none",
        "is_active": "on",
        "owner": ict_manager.pk,
    }
    response = client_for(ict_manager).post(reverse("accounts:system_create"), data)
    system = System.objects.get()
    assert response.url == reverse("accounts:system_detail", kwargs={"system_pk": system.pk})
    assert (
        system.allowed_person_types == ["teaching_staff", "pupil"] and system.owner == ict_manager
    )
    assert AuditEntry.objects.filter(action="system.created").exists()
    assert client_for(teacher).post(reverse("accounts:system_create"), data).status_code == 403
    listing = client_for(ict_manager).get(reverse("accounts:system_list"))
    assert b"Learning platform" in listing.content
    edit = reverse("accounts:system_edit", kwargs={"system_pk": system.pk})
    client_for(ict_manager).post(edit, {**data, "restricted": "on"})
    system.refresh_from_db()
    assert system.restricted


def test_an_ldap_system_needs_its_connection(school, ict_manager, client_for):
    response = client_for(ict_manager).post(
        reverse("accounts:system_create"),
        {"name": "Directory", "kind": "directory", "connector": "ldap", "is_active": "on"},
    )
    assert response.status_code == 200 and b"server URL" in response.content


def test_the_accounts_list_filters_with_htmx_in_few_queries(
    school, directory, email, technician, client_for
):
    for _ in range(12):
        active_account(PupilFactory.create(school=school, year_group=7), directory)
    client = client_for(technician)
    client.get(reverse("accounts:account_list"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse("accounts:account_list"), {"state": "active"}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    assert response.content.count(b"<tr>") >= 12
    assert len(queries) < 20


def test_the_person_page_lists_accounts_with_actions(school, directory, headteacher, client_for):
    person = PersonFactory.create(school=school, first_name="Pat", last_name="Holder")
    account = active_account(person, directory)
    page = client_for(headteacher).get(reverse("people:detail", kwargs={"person_pk": person.pk}))
    assert page.status_code == 200
    assert account.username.encode() in page.content
    assert reverse("accounts:account_suspend", kwargs={"account_pk": account.pk}).encode() in (
        page.content
    )


def test_the_dashboard_shows_pending_approvals_and_overdue_leavers(
    school, directory, headteacher, client_for
):
    person = PersonFactory.create(school=school)
    services.account_request(actor=None, person=person, system=directory)
    page = client_for(headteacher).get(reverse("core:dashboard"))
    assert b"waiting for approval" in page.content
    assert page.context["panels"]


def test_nav_shows_the_accounts_pages_to_those_who_may_use_them(
    school, ict_manager, teacher, client_for
):
    page = client_for(ict_manager).get(reverse("core:dashboard"))
    for label in (b"Systems", b"Accounts and requests", b"Leavers", b"Suspension list"):
        assert label in page.content
    assert b"Access reviews" not in page.content  # SLT review access, not the ICT manager
    assert (
        b"Accounts and requests" not in client_for(teacher).get(reverse("core:dashboard")).content
    )


def test_the_access_review_lists_misfits_and_records_the_outcome(
    school, mis, headteacher, client_for
):
    staff = PersonFactory.create(school=school)
    leaver = PersonFactory.create(school=school, first_name="Gone", last_name="Already")
    active_account(staff, mis)
    gone = active_account(leaver, mis)
    leaver.leaving_date = dt.date.today() - dt.timedelta(days=3)
    leaver.save()
    # A pupil's account on a staff-only system (the system changed after it was given: it
    # was open to anyone and held no personal data, so no processor record was needed).
    pupil = PupilFactory.create(school=school)
    mis.allowed_person_types = []
    mis.holds_personal_data = False
    mis.save()
    active_account(pupil, mis)
    mis.allowed_person_types = ["teaching_staff", "support_staff"]
    mis.holds_personal_data = True
    mis.save()
    client = client_for(headteacher)
    url = reverse("accounts:review_system", kwargs={"system_pk": mis.pk})
    page = client.get(url)
    assert b"Already" in page.content and b"left on" in page.content
    assert b"for teaching staff, support staff only" in page.content
    misfits = {m.account for m in page.context["summary"].misfits}
    assert gone in misfits and len(misfits) == 2
    response = client.post(url, {"outcome": "confirmed"})
    assert response.status_code == 200 and b"no longer fits" in response.content
    response = client.post(url, {"outcome": "changes", "notes": "Remove the leaver"})
    review = AccessReview.objects.get()
    assert review.misfits == 2 and review.live_accounts == 3 and review.reviewed_by == headteacher
    assert response.url == reverse("accounts:review_detail", kwargs={"review_pk": review.pk})
    listing = client.get(reverse("accounts:review_list"))
    assert b"Changes needed" in listing.content


def test_the_ict_manager_cannot_record_access_reviews(school, mis, ict_manager, client_for):
    url = reverse("accounts:review_system", kwargs={"system_pk": mis.pk})
    assert client_for(ict_manager).get(url).status_code == 403


def test_the_csv_export_lists_a_systems_accounts(school, email, technician, client_for):
    person = PersonFactory.create(school=school, first_name="Ria", last_name="Export")
    active_account(person, email)
    response = client_for(technician).get(
        reverse("accounts:system_export", kwargs={"system_pk": email.pk})
    )
    lines = response.getvalue().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("username,state")
    assert lines[1].startswith("r.export,active,Ria,Export")


def test_deleted_accounts_drop_off_the_list_but_stay_as_history(
    school, directory, technician, client_for
):
    person = PersonFactory.create(school=school)
    account = services.account_request(actor=None, person=person, system=directory)
    services.account_delete(actor=technician, account=account)
    assert Account.objects.get().state == AccountState.DELETED
    page = client_for(technician).get(reverse("accounts:account_list"))
    assert account.username.encode() not in page.content


def test_every_accounts_page_opens_for_the_headteacher(school, headteacher, client_for):
    from warden.accounts.tests.object_makers import (
        make_account,
        make_review,
        make_sync,
        make_system,
    )

    remote = services.system_create(
        actor=None, school=school, fields={"name": "Remote", "kind": "remote"}
    )
    kwargs = {
        "system_pk": make_system(school),
        "account_pk": make_account(school),
        "review_pk": make_review(school),
        "sync_pk": make_sync(school),
    }
    names = [
        ("account_list", {}),
        ("account_request", {}),
        ("bulk", {}),
        ("system_list", {}),
        ("system_create", {}),
        ("system_detail", {"system_pk": kwargs["system_pk"]}),
        ("system_detail", {"system_pk": remote.pk}),
        ("system_edit", {"system_pk": kwargs["system_pk"]}),
        ("account_detail", {"account_pk": kwargs["account_pk"]}),
        ("sync_detail", {"sync_pk": kwargs["sync_pk"]}),
        ("leavers", {}),
        ("suspensions", {}),
        ("review_list", {}),
        ("review_system", {"system_pk": kwargs["system_pk"]}),
        ("review_detail", {"review_pk": kwargs["review_pk"]}),
        ("settings", {}),
        ("password_check", {}),
    ]
    client = client_for(headteacher)
    for name, kw in names:
        response = client.get(reverse(f"accounts:{name}", kwargs=kw))
        assert response.status_code == 200, name


def test_the_accounts_list_sorts_on_the_server(school, directory, technician, client_for):
    for last in ("Zed", "Abbot"):
        services.account_request(
            actor=None, person=PersonFactory.create(school=school, last_name=last), system=directory
        )
    client = client_for(technician)
    names = [
        a.person.last_name for a in client.get(reverse("accounts:account_list")).context["page"]
    ]
    assert names == ["Abbot", "Zed"]
    response = client.get(reverse("accounts:account_list"), {"sort": "-name"})
    assert [a.person.last_name for a in response.context["page"]] == ["Zed", "Abbot"]


def test_a_technician_sets_a_visitors_expiry(school, technician, client_for):
    wifi = services.system_create(actor=None, school=school, fields={"name": "Guest Wi-Fi"})
    visitor = PersonFactory.create(
        school=school, person_type="visitor", leaving_date=dt.date.today() + dt.timedelta(days=1)
    )
    account = services.account_request(actor=None, person=visitor, system=wifi)
    url = reverse("accounts:account_expiry", kwargs={"account_pk": account.pk})
    later = dt.date.today() + dt.timedelta(days=10)
    client_for(technician).post(url, {"expires_on": later.isoformat()})
    account.refresh_from_db()
    assert account.expires_at == services.end_of_day(later, school)
    # Clearing it is refused: visitors' access must end.
    response = client_for(technician).post(url, {"expires_on": ""}, follow=True)
    assert b"needs an expiry" in response.content
    assert AuditEntry.objects.filter(action="account.expiry_set").count() == 1
