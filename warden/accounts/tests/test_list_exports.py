"""The accounts list and the leavers' board download as CSV and XLSX: the filtered rows,
safe to open, refused to roles that cannot see the page, the same queries for any length."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warden.accounts.models import AccountState
from warden.accounts.tests.helpers import accounts_made_directly
from warden.accounts.tests.test_leavers_board_pages import _leavers
from warden.core.models import AuditEntry
from warden.testing.exports import both, queries_for
from warden.testing.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db


def _accounts() -> tuple[str, str]:
    return reverse("accounts:export_csv"), reverse("accounts:export_xlsx")


def _board() -> tuple[str, str]:
    return reverse("accounts:leavers_csv"), reverse("accounts:leavers_xlsx")


def test_the_accounts_export_is_the_filtered_list(school, email, directory, office, client_for):
    pupils = [PupilFactory.create(school=school, last_name=f"Pupil{n}") for n in range(3)]
    accounts_made_directly(email, pupils)
    accounts_made_directly(directory, pupils, state=AccountState.SUSPENDED)
    for sheet in both(client_for(office), _accounts(), {"system": email.pk, "state": "active"}):
        assert sorted(sheet.column("Surname")) == ["Pupil0", "Pupil1", "Pupil2"]
        assert set(sheet.column("System")) == {"E-mail"}
        assert set(sheet.column("State")) == {"Active"}
        assert "System: E-mail" in sheet.filters and "State: Active" in sheet.filters
    exported = AuditEntry.objects.filter(action="list.exported")
    assert [e.changes["rows"] for e in exported] == [3, 3]


def test_a_formula_in_a_name_is_text_in_the_accounts_export(school, email, office, client_for):
    person = PersonFactory.create(school=school, first_name="@SUM(1,1)")
    accounts_made_directly(email, [person])
    for sheet in both(client_for(office), _accounts()):
        assert sheet.column("First name") == ["'@SUM(1,1)"]


def test_the_leavers_export_is_the_searched_board(school, directory, office, client_for):
    _leavers(school, directory, 4)
    for sheet in both(client_for(office), _board(), {"q": "Surname002"}):
        assert sheet.column("Surname") == ["Surname002"]
        assert sheet.column("Overdue") in (["Yes"], [True])
        assert "Network sign-in" in sheet.column("Still to take back")[0]
        assert "Name: Surname002" in sheet.filters
    for sheet in both(client_for(office), _board()):
        assert len(sheet.rows) == 4


def test_roles_without_the_lists_cannot_export_them(school, teacher, dsl, client_for):
    for url in _accounts() + _board():
        assert client_for(teacher).get(url).status_code == 403
    for url in _board():
        assert client_for(dsl).get(url).status_code == 403
    assert not AuditEntry.objects.filter(action="list.exported").exists()


def test_another_schools_accounts_never_appear(school, other_school, email, office, client_for):
    from warden.accounts import services

    elsewhere = services.system_create(
        actor=None, school=other_school, fields={"name": "E-mail", "kind": "email"}
    )
    accounts_made_directly(elsewhere, [PupilFactory.create(school=other_school)])
    accounts_made_directly(email, [PupilFactory.create(school=school, last_name="Ours")])
    for sheet in both(client_for(office), _accounts()):
        assert sheet.column("Surname") == ["Ours"]


def test_both_exports_take_the_same_queries_for_more_rows(school, directory, office, client_for):
    client = client_for(office)
    _leavers(school, directory, 2)
    accounts_made_directly(directory, [PupilFactory.create(school=school)])
    urls = _accounts() + _board()
    few = [queries_for(client, url) for url in urls]
    _leavers(school, directory, 20, start=2)
    accounts_made_directly(directory, [PupilFactory.create(school=school) for _ in range(20)])
    assert [queries_for(client, url) for url in urls] == few


def test_the_pages_link_to_their_downloads_with_their_filters(school, office, client_for):
    client = client_for(office)
    page = client.get(reverse("accounts:account_list"), {"state": "active"}).content.decode()
    assert f"{reverse('accounts:export_xlsx')}?state=active" in page
    board = client.get(reverse("accounts:leavers"), {"q": "Smith"}).content.decode()
    assert f"{reverse('accounts:leavers_csv')}?q=Smith" in board
