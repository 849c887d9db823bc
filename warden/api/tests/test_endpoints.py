"""Each endpoint of /api/v1/ answers a token of its school with that school's records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from warden.accounts.models import Account, AccountState, System, SystemKind
from warden.agreements.services import standings_refresh
from warden.api.tests.helpers import ApiClient, token_for
from warden.core.models import AuditEntry
from warden.equipment.models import Asset, AssetType, Loan
from warden.incidents.models import Incident
from warden.monitoring.models import Violation
from warden.monitoring.services import filtering as filtering_services
from warden.monitoring.tests.filtering_helpers import GAMBLING_DOMAIN, make_groups
from warden.monitoring.tests.monitoring_helpers import START, pupil_with_account, squid_line
from warden.people.models import ImportRun, Person, PersonType
from warden.testing.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(school, headteacher) -> ApiClient:
    return ApiClient(token_for(headteacher, school))


def test_people_are_listed_with_paging_and_without_private_details(school, api):
    for n in range(3):
        PupilFactory.create(school=school, last_name=f"Pupil{n}", phone="07700 900123")
    body = api.get("/people", {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["items"]) == 2
    second = api.get("/people", {"page_size": 2, "page": 2}).json()
    assert [p["last_name"] for p in second["items"]] == ["Pupil2"]
    assert "phone" not in body["items"][0] and "date_of_birth" not in body["items"][0]


def test_a_parents_contact_details_are_not_sent(school, api):
    parent = PersonFactory.create(
        school=school, person_type=PersonType.PARENT, email="parent@example.org"
    )
    body = api.get(f"/people/{parent.pk}").json()
    assert body["first_name"] == parent.first_name
    assert body.get("email", "") == ""


def test_one_person_is_read_with_their_status(school, api):
    pupil = PupilFactory.create(school=school, mis_id="UPN-1")
    body = api.get(f"/people/{pupil.pk}").json()
    assert (body["id"], body["mis_id"], body["status"]) == (pupil.pk, "UPN-1", "active")


def test_an_mis_feed_adds_and_updates_people_through_the_import(school, api):
    PupilFactory.create(school=school, mis_id="M1", first_name="Old", last_name="Name")
    feed = {
        "people": [
            {
                "mis_id": "M1",
                "person_type": "pupil",
                "first_name": "New",
                "last_name": "Name",
                "year_group": 7,
                "form": "7B",
            },
            {
                "mis_id": "M2",
                "person_type": "teaching_staff",
                "first_name": "Ann",
                "last_name": "Lee",
            },
        ]
    }
    dry = api.post("/people/upsert", {**feed, "dry_run": True}).json()
    assert (dry["outcome"], dry["created"], dry["updated"]) == ("dry_run", 1, 1)
    assert not Person.objects.filter(mis_id="M2").exists()
    done = api.post("/people/upsert", feed).json()
    assert (done["outcome"], done["applied"], done["created"], done["updated"]) == (
        "applied",
        True,
        1,
        1,
    )
    assert Person.objects.get(mis_id="M1").first_name == "New"
    run = ImportRun.objects.filter(outcome="applied").get()
    assert run.school == school
    entry = AuditEntry.objects.filter(action="people.imported").get()
    assert entry.via == "api" and entry.actor_label.startswith("API token School MIS")


def test_a_bad_row_refuses_the_feed_naming_the_line(school, api):
    feed = {
        "people": [{"mis_id": "M3", "person_type": "dragon", "first_name": "A", "last_name": "B"}]
    }
    response = api.post("/people/upsert", feed)
    assert response.status_code == 400
    body = response.json()
    assert "Nothing was imported" in body["message"] and "dragon" in body["message"]
    assert list(body["field_errors"]) == ["people[0].person_type"]
    assert not Person.objects.filter(mis_id="M3").exists()


def _account(school) -> Account:
    system = System.objects.create(school=school, name="Email", kind=SystemKind.EMAIL)
    person = PupilFactory.create(school=school)
    return Account.objects.create(
        school=school, person=person, system=system, username="p.one", state=AccountState.ACTIVE
    )


def test_accounts_and_their_state_are_read(school, api):
    account = _account(school)
    body = api.get("/accounts", {"state": "active"}).json()
    assert [a["username"] for a in body["items"]] == ["p.one"]
    one = api.get(f"/accounts/{account.pk}").json()
    assert (one["state"], one["system"], one["person_id"]) == ("active", "Email", account.person_id)


def test_agreement_standings_are_read_per_person(school, api):
    pupil = PupilFactory.create(school=school)
    standings_refresh(school=school)
    listed = api.get("/agreements/standings").json()
    assert pupil.pk in [row["person_id"] for row in listed["items"]]
    one = api.get(f"/agreements/standings/{pupil.pk}").json()
    assert one["person_id"] == pupil.pk and one["status"]


def test_assets_and_loans_are_read(school, api):
    asset = Asset.objects.create(school=school, asset_tag="LT-1", asset_type=AssetType.LAPTOP)
    pupil = PupilFactory.create(school=school)
    loan = Loan.objects.create(
        school=school, asset=asset, person=pupil, checked_out_at=timezone.now()
    )
    assets = api.get("/equipment/assets").json()
    assert assets["items"][0]["asset_tag"] == "LT-1" and assets["items"][0]["on_loan"] is True
    assert api.get(f"/equipment/assets/{asset.pk}").json()["on_loan"] is True
    loans = api.get("/equipment/loans").json()
    assert [row["id"] for row in loans["items"]] == [loan.pk]
    assert api.get(f"/equipment/loans/{loan.pk}").json()["asset_tag"] == "LT-1"


def test_a_batch_of_log_lines_is_ingested_into_violations_and_read_back(school, api):
    pupil = pupil_with_account(school, "pupil.one")
    when = START + dt.timedelta(minutes=5)
    lines = [
        squid_line(START, "10.0.0.5", "https://www.bbc.co.uk/news", "pupil.one"),
        squid_line(
            when, "10.0.0.5", "https://www.google.com/search?q=how+to+cut+myself", "pupil.one"
        ),
    ]
    body = api.post("/violations/ingest", {"format": "squid", "lines": lines}).json()
    assert (body["lines"], body["malformed"], body["new_violations"]) == (2, 0, 1)
    # The same lines again add nothing: the source's checkpoint holds.
    assert (
        api.post("/violations/ingest", {"format": "squid", "lines": lines}).json()["new_violations"]
        == 0
    )
    listed = api.get("/violations", {"min_severity": 5}).json()
    assert listed["count"] == 1 and listed["items"][0]["person_id"] == pupil.pk
    violation = Violation.objects.get()
    assert api.get(f"/violations/{violation.pk}").json()["severity"] == 5


def test_an_unknown_log_format_is_refused_with_what_to_send(api):
    response = api.post("/violations/ingest", {"format": "apache", "lines": ["x"]})
    assert response.status_code == 400
    assert "use squid, e2guardian or dns" in response.json()["message"]


def test_an_incident_is_reported_then_read_by_the_safeguarding_system(school, api):
    pupil = PupilFactory.create(school=school)
    response = api.post(
        "/incidents",
        {
            "kind": "misuse",
            "title": "Proxy bypass attempt",
            "description": "A VPN app was found on a lab machine.",
            "people": [{"person_id": pupil.pk, "part": "subject"}],
        },
    )
    assert response.status_code == 200, response.content
    incident = Incident.objects.get()
    assert response.json()["number"] == incident.number
    listed = api.get("/incidents", {"status": "open"}).json()
    assert [row["id"] for row in listed["items"]] == [incident.pk]
    one = api.get(f"/incidents/{incident.pk}").json()
    assert one["people"] == [{"person_id": pupil.pk, "person": str(pupil), "part": "subject"}]


def test_a_report_missing_its_description_says_what_to_add(api):
    response = api.post("/incidents", {"kind": "misuse", "title": "T", "description": " "})
    assert response.status_code == 400
    body = response.json()
    assert "Describe what happened" in body["message"] and "description" in body["field_errors"]


def test_the_filter_check_says_when_no_policy_is_in_force(api):
    body = api.get("/filtering/check", {"url": "www.example.org"}).json()
    assert body["site"] == "example.org" and "No policy is published" in body["error"]


def test_the_filter_check_refuses_something_that_is_not_a_site(api):
    response = api.get("/filtering/check", {"url": "   "})
    assert response.status_code == 400 and "Type a site" in response.json()["message"]


def test_a_missing_parameter_is_a_json_message(api):
    response = api.get("/filtering/check")
    assert response.status_code == 422
    assert "url" in response.json()["message"] and "openapi.json" in response.json()["message"]


def test_every_call_is_audited_naming_token_endpoint_and_status(school, api):
    api.get("/people")
    api.get("/people/999999")
    entries = list(AuditEntry.objects.filter(action="api.called").order_by("seq"))
    assert [(e.changes["endpoint"][1], e.changes["status"][1]) for e in entries] == [
        ("GET /api/v1/people", 200),
        ("GET /api/v1/people/999999", 404),
    ]
    assert all(e.via == "api" and e.school == school for e in entries)
    assert entries[0].actor_label.startswith("API token School MIS (wdn_")


def test_the_docs_page_lists_every_endpoint_from_the_schema(
    school, headteacher, teacher, client_for
):
    page = client_for(headteacher).get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    for call in (
        "GET /api/v1/people",
        "POST /api/v1/violations/ingest",
        "GET /api/v1/filtering/check",
    ):
        assert call in html
    assert "/api/v1/openapi.json" in html and "<script" not in html.split("<main", 1)[-1]
    assert client_for(teacher).get("/api/v1/docs").status_code == 403


def test_the_filter_check_says_a_site_is_blocked_for_a_group_and_why(
    school, api, filtering_dir, ut1_dir, published
):
    with published():
        make_groups(school)
        filtering_services.list_import(
            actor=None, school=school, fmt="ut1", path=ut1_dir, name="UT1 test"
        )
    body = api.get("/filtering/check", {"url": f"https://www.{GAMBLING_DOMAIN}/x"}).json()
    assert body["site"] == GAMBLING_DOMAIN and body["blocked_anywhere"] is True
    verdicts = {v["group"]: v for v in body["verdicts"]}
    assert verdicts["ks3"]["blocked"] and verdicts["ks3"]["category"] == "Gambling"
    assert verdicts["ks3"]["lists"] == ["UT1 test"]
    assert "UT1 test" in verdicts["ks3"]["explanation"]
    assert not verdicts["staff"]["blocked"]
    one = api.get("/filtering/check", {"url": GAMBLING_DOMAIN, "group": "staff"}).json()
    assert [v["group"] for v in one["verdicts"]] == ["staff"]
