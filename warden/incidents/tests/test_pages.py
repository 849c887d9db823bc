"""The log, its filters and pagination, the anti-bullying log, dashboard, nav and demo."""

from __future__ import annotations

import re
from collections import Counter

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from warden.equipment.tests.factories import AssetFactory
from warden.incidents.demo import load_incidents
from warden.incidents.models import Incident, IncidentKind, Part
from warden.incidents.services.incidents import incident_report
from warden.testing.factories import PupilFactory


def _incidents(school, dsl, n, kind=IncidentKind.MISUSE):
    people = PupilFactory.create_batch(n, school=school)
    return [
        incident_report(
            actor=dsl,
            school=school,
            kind=kind,
            title=f"Incident number {i}",
            description="Something happened.",
            people=[(p, Part.SUBJECT)],
        )
        for i, p in enumerate(people)
    ]


def test_the_list_filters_by_kind_and_person_and_paginates(school, dsl, client_for):
    made = _incidents(school, dsl, 50)
    bullying = _incidents(school, dsl, 1, IncidentKind.CYBERBULLYING)[0]
    client = client_for(dsl)
    page = client.get(reverse("incidents:list")).content.decode()
    assert "51 incidents" in page and "Page 1 of 2" in page
    only = client.get(reverse("incidents:list"), {"kind": "cyberbullying"}).content.decode()
    assert bullying.reference in only and made[0].reference not in only
    person = made[3].involvements.get().person
    found = client.get(reverse("incidents:list"), {"person": person.last_name}).content.decode()
    assert made[3].reference in found


def test_the_list_makes_a_fixed_number_of_queries(school, dsl, client_for):
    client = client_for(dsl)
    _incidents(school, dsl, 3)
    # The first page after signing in also writes the session's idle stamp (at most once a
    # minute): measure the pages after it.
    client.get(reverse("incidents:list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("incidents:list"))
    _incidents(school, dsl, 12)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("incidents:list"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_cyberbullying_appears_in_the_anti_bullying_log(school, dsl, client_for):
    (bullying,) = _incidents(school, dsl, 1, IncidentKind.CYBERBULLYING)
    (other,) = _incidents(school, dsl, 1, IncidentKind.MALWARE)
    page = client_for(dsl).get(reverse("incidents:bullying_log")).content.decode()
    assert bullying.reference in page and other.reference not in page
    assert "0 of 7 steps done" in page


def test_the_dashboard_shows_open_incidents_and_triage_to_the_dsl_only(
    school, dsl, teacher, client_for
):
    _incidents(school, dsl, 2)
    page = client_for(dsl).get(reverse("core:dashboard")).content.decode()
    assert "E-safety incidents" in page and "Monitoring triage" in page
    teacher_page = client_for(teacher).get(reverse("core:dashboard")).content.decode()
    assert "E-safety incidents" not in teacher_page
    assert "Report an incident" in teacher_page  # the nav offers reporting to everyone


def test_the_demo_adds_incidents_once(school, dsl):
    PupilFactory.create_batch(6, school=school)
    from warden.testing.factories import PersonFactory

    PersonFactory.create(school=school)
    laptop = AssetFactory.create(school=school)  # the lost laptop names a real asset
    today = school.created_at.date()
    assert load_incidents(school=school, today=today, seed=1) == {"e-safety incidents": 6}
    assert load_incidents(school=school, today=today, seed=1) == {}
    assert Incident.objects.filter(school=school, status="closed").count() == 2
    lost = Incident.objects.get(school=school, kind="lost_equipment")
    assert lost.loss_report is not None and lost.loss_report.asset == laptop


def test_the_report_form_finds_only_this_schools_people(school, other_school, teacher, client_for):
    ours = PupilFactory.create(school=school, last_name="Ourpupil")
    PupilFactory.create(school=other_school, last_name="Theirpupil")
    client = client_for(teacher)
    page = client.get(reverse("incidents:report")).content.decode()
    # The form lists no one: the people are found as the reporter types.
    assert ours.last_name not in page and "Theirpupil" not in page
    assert "must be immediately reported to the school's SIRO" in page.replace("&#x27;", "'")
    found = client.get(reverse("people:choose"), {"scope": "people", "q": "pupil"})
    assert ours.last_name in found.content.decode()
    assert "Theirpupil" not in found.content.decode()


def test_filters_answer_htmx_with_the_results_only(school, dsl, client_for):
    _incidents(school, dsl, 2)
    client = client_for(dsl)
    part = client.get(reverse("incidents:list"), {"kind": "misuse"}, HTTP_HX_REQUEST="true")
    assert part.content.decode().lstrip().startswith('<div id="results">')
    queue = client.get(reverse("incidents:triage"), {"state": ""}, HTTP_HX_REQUEST="true")
    assert queue.content.decode().lstrip().startswith('<div id="results">')


def test_the_triage_queue_makes_a_fixed_number_of_queries(school, dsl, pupil, client_for):
    from .object_makers import violation_at

    client = client_for(dsl)
    for _ in range(3):
        violation_at(school, person=pupil)
    client.get(reverse("incidents:triage"))  # the session's idle stamp, as above
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("incidents:triage"))
    for _ in range(10):
        violation_at(school, person=pupil)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("incidents:triage"))
    assert len(many.captured_queries) == len(few.captured_queries)


def _shared_ids(html: str) -> list[str]:
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    return sorted(i for i, n in ids.items() if n > 1)


def test_no_two_fields_of_the_incident_page_share_an_id(school, dsl, client_for):
    # Its forms share field names (person, kind, reason, notes); a label must name its own.
    (incident,) = _incidents(school, dsl, 1, IncidentKind.OFFENSIVE_MATERIAL)
    client = client_for(dsl)
    page = client.get(reverse("incidents:detail", kwargs={"incident_pk": incident.pk}))
    html = page.content.decode()
    assert 'id="sanction-person"' in html and 'id="person-person"' in html
    assert _shared_ids(html) == []
    refused = client.post(
        reverse("incidents:close", kwargs={"incident_pk": incident.pk}),
        {"outcome": "upheld", "notes": "Upheld after a talk with the parents."},
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Upheld after a talk with the parents." in html
    assert _shared_ids(html) == []


def test_an_unassessed_incident_offers_no_severity_until_the_dsl_chooses(school, dsl, client_for):
    (incident,) = _incidents(school, dsl, 1)
    client = client_for(dsl)
    page = client.get(reverse("incidents:detail", kwargs={"incident_pk": incident.pk}))
    html = page.content.decode()
    assert '<option value="" selected>Choose the severity…</option>' in html
    assert "Choose a subject…" in html
    assert "Choose who may read it…" in html and "---------" not in html
    refused = client.post(
        reverse("incidents:severity_set", kwargs={"incident_pk": incident.pk}),
        {"severity": "", "reason": ""},
        follow=True,
    )
    assert "Nothing was saved: Choose the severity: minor, moderate or severe." in (
        refused.content.decode()
    )
    incident.refresh_from_db()
    assert incident.severity == ""


def test_the_triage_filter_names_categories_in_words(school, dsl, pupil, client_for):
    from .object_makers import violation_at

    violation_at(school, person=pupil, category="pornography")
    alert = violation_at(school, person=pupil, category="self-harm")
    html = client_for(dsl).get(reverse("incidents:triage")).content.decode()
    assert '<option value="pornography">Pornography</option>' in html
    assert '<option value="self-harm">Self-harm</option>' in html
    detail = client_for(dsl).get(reverse("incidents:triage_detail", args=[alert.pk]))
    assert "Choose an open incident…" in detail.content.decode()


def test_the_severity_card_says_plainly_when_no_account_would_be_suspended(school, dsl, client_for):
    (incident,) = _incidents(school, dsl, 1)
    page = client_for(dsl).get(reverse("incidents:detail", kwargs={"incident_pk": incident.pk}))
    html = page.content.decode()
    assert "No account would be suspended: the people this incident concerns have no active" in (
        html
    )
    assert "Ticking the suspension" not in html
