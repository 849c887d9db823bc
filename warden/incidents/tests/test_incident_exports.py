"""The incident log downloads as CSV and XLSX for those the log is open to: the filtered
rows, safe to open, refused to everyone else, every download audited."""

from __future__ import annotations

from django.urls import reverse

from warden.core.models import AuditEntry
from warden.incidents.models import IncidentKind, Part
from warden.incidents.services.incidents import incident_report
from warden.incidents.tests.test_pages import _incidents
from warden.testing.exports import both, queries_for
from warden.testing.factories import PupilFactory


def _urls() -> tuple[str, str]:
    return reverse("incidents:export_csv"), reverse("incidents:export_xlsx")


def test_the_dsl_exports_the_filtered_log(school, dsl, client_for):
    made = _incidents(school, dsl, 3)
    bullying = _incidents(school, dsl, 1, IncidentKind.CYBERBULLYING)[0]
    for sheet in both(client_for(dsl), _urls(), {"kind": "cyberbullying"}):
        assert sheet.column("Reference") == [bullying.reference]
        assert "Cyberbullying" in sheet.filters
    for sheet in both(client_for(dsl), _urls()):
        assert sorted(sheet.column("Reference")) == sorted(i.reference for i in [*made, bullying])
    entries = AuditEntry.objects.filter(action="list.exported", actor=dsl).order_by("seq")
    assert [e.changes["rows"] for e in entries] == [1, 1, 4, 4]
    assert entries[0].changes["filters"]["Kind"] == "Cyberbullying"


def test_a_formula_in_a_pupils_name_is_text(school, dsl, client_for):
    pupil = PupilFactory.create(school=school, first_name="=2+2", last_name="Sum")
    incident_report(
        actor=dsl,
        school=school,
        kind=IncidentKind.MISUSE,
        title="-1 lines",
        description="Something happened.",
        people=[(pupil, Part.SUBJECT)],
    )
    for sheet in both(client_for(dsl), _urls()):
        assert sheet.column("Title") == ["'-1 lines"]
        assert sheet.column("People involved")[0].startswith("'=2+2 Sum")


def test_roles_the_log_is_closed_to_cannot_export_it(school, dsl, teacher, office, client_for):
    _incidents(school, dsl, 1)
    for user in (teacher, office):
        for url in _urls():
            assert client_for(user).get(url).status_code == 403
    assert not AuditEntry.objects.filter(action="list.exported").exists()


def test_another_schools_head_cannot_export_this_schools_log(
    school, dsl, other_school_user, client_for
):
    mine = _incidents(school, dsl, 1)[0]
    for sheet in both(client_for(other_school_user), _urls()):
        assert mine.reference not in sheet.column("Reference")


def test_the_incident_export_takes_the_same_queries_for_more_rows(school, dsl, client_for):
    client = client_for(dsl)
    _incidents(school, dsl, 1)
    few = [queries_for(client, url) for url in _urls()]
    _incidents(school, dsl, 15)
    assert [queries_for(client, url) for url in _urls()] == few
