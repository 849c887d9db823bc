"""Formula injection: every CSV Warden writes shows a formula-looking cell as text.

A first name is typed by office staff or imported from the MIS; opened in a spreadsheet, an
export must never run it. The rule is OWASP's: a cell starting with = + - @ tab or CR gets a
leading single quote.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from warden.accounts import services as account_services
from warden.accounts.models import SystemKind
from warden.accounts.tests.helpers import active_account
from warden.lib.csvsafe import safe_cell, writer
from warden.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db

ATTACKS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x","y")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_accounts_export_neutralises_a_formula_in_a_first_name(
    attack, school, technician, client_for
):
    system = account_services.system_create(
        actor=None, school=school, fields={"name": "E-mail", "kind": SystemKind.EMAIL}
    )
    person = PersonFactory.create(school=school, first_name=attack, last_name="Export")
    active_account(person, system, username="r.export")
    response = client_for(technician).get(
        reverse("accounts:system_export", kwargs={"system_pk": system.pk})
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"), newline="")))
    assert rows[1][0] == "r.export"
    assert rows[1][2] == "'" + attack
    assert rows[1][3] == "Export"


def test_ordinary_cells_are_written_as_they_are():
    out = io.StringIO()
    writer(out).writerows([["O'Brien", "Anne-Marie", "3", "", None, 2]])
    assert out.getvalue() == "O'Brien,Anne-Marie,3,,,2\r\n"


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_shared_writer_quotes_every_formula_start(attack):
    assert safe_cell(attack) == "'" + attack
    out = io.StringIO()
    writer(out).writerow([attack])
    assert next(csv.reader(io.StringIO(out.getvalue(), newline=""))) == ["'" + attack]


def test_no_module_writes_csv_without_the_shared_writer():
    """Every CSV Warden writes goes through ``warden.lib.csvsafe``: nothing else calls
    ``csv.writer`` or ``csv.DictWriter``."""
    from pathlib import Path

    import warden

    root = Path(warden.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or path.name == "csvsafe.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "csv.writer(" in text or "csv.DictWriter(" in text:
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
