"""The OpenAPI schema is valid, and no endpoint shows school A's data to school B's token.

The walk reads the endpoints from the schema itself, so a new endpoint is walked without
being listed here; one that takes a body it cannot build fails the walk until it can.
"""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from warden.accounts.models import Account
from warden.api.tests.helpers import ApiClient, token_for
from warden.core.registry import collect
from warden.core.roles import Role
from warden.people.models import Person
from warden.testing.factories import PersonFactory, member

pytestmark = pytest.mark.django_db

MARKER = "Zebedee-Bschool"  # what every object maker writes into its records


def _makers() -> dict[str, Any]:
    makers: dict[str, Any] = dict(collect("tests.object_makers", "OBJECT_MAKERS"))
    makers["person_pk"] = lambda s: PersonFactory.create(school=s, first_name=MARKER).pk
    return makers


def _bodies(a_person: Person) -> dict[str, Any]:
    """A body for each operation that takes one, naming school A's records where it can."""
    return {
        "people_upsert": {
            "people": [
                {
                    "mis_id": a_person.mis_id or "A-1",
                    "person_type": "teaching_staff",
                    "first_name": "Changed",
                    "last_name": "ByB",
                }
            ],
            "dry_run": True,
        },
        "violations_ingest": {"format": "squid", "lines": [f"not a squid line {MARKER}"]},
        "incidents_report": {
            "kind": "misuse",
            "title": "From B",
            "description": "Names a person of school A.",
            "people": [{"person_id": a_person.pk, "part": "subject"}],
        },
        "password_check": {"password": "Blue-Kettle-Morning-84"},
    }


def test_the_openapi_schema_validates(client):
    schema = client.get("/api/v1/openapi.json").json()
    validate(schema)
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_school_bs_token_sees_none_of_school_as_data_on_any_endpoint(
    client, school, other_school, headteacher, other_school_user
):
    schema = client.get("/api/v1/openapi.json").json()
    makers = _makers()
    # School A (``school``) holds a record of every kind, each marked.
    a_person = PersonFactory.create(school=school, first_name=MARKER, mis_id="A-1")
    a_ids = {name: makers[name](school) for name in makers}
    # School B's token holds every scope, made by B's headteacher.
    member(other_school_user, other_school, Role.HEADTEACHER)
    api = ApiClient(token_for(other_school_user, other_school))
    bodies = _bodies(a_person)
    walked = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            url = path.removeprefix("/api/v1")
            for name in params:
                url = url.replace("{" + name + "}", str(a_ids[name]))
            if method == "get":
                query = {"q": MARKER[:7], "url": "example.org", "page_size": 500}
                response = api.get(url, query)
            else:
                assert operation["operationId"] in bodies, f"no body for {method} {path}"
                response = api.post(url, bodies[operation["operationId"]])
            walked.append(f"{method.upper()} {path}")
            assert response.status_code < 500, f"{method} {url}: {response.status_code}"
            assert MARKER.encode() not in response.content, f"{method} {url} leaks school A"
            if params:
                assert response.status_code == 404, f"{method} {url}: {response.status_code}"
            elif method == "get":  # B's own lists open: the walk is not refused wholesale
                assert response.status_code == 200, f"{method} {url}: {response.status_code}"
    assert len(walked) == sum(len(item) for item in schema["paths"].values()) >= 18
    # Nothing of A was changed through B's token.
    a_person.refresh_from_db()
    assert a_person.first_name == MARKER
    assert not a_person.incident_parts.exists()
    assert Account.objects.filter(school=school).exists()
