"""Tokens: scoped to their school and their scopes, refused once expired or revoked."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from warden.accounts import services
from warden.api.tests.helpers import ApiClient, token_for
from warden.core.errors import ServiceError
from warden.core.roles import Perm

pytestmark = pytest.mark.django_db


def test_a_token_without_a_scope_is_refused_naming_the_scope_to_tick(school, headteacher):
    api = ApiClient(token_for(headteacher, school, [Perm.PEOPLE_VIEW]))
    assert api.get("/people").status_code == 200
    response = api.get("/accounts")
    assert response.status_code == 403
    assert "may not “Read accounts and their state”" in response.json()["message"]
    assert (
        api.post("/incidents", {"kind": "misuse", "title": "t", "description": "d"}).status_code
        == 403
    )


def test_reading_the_incident_log_needs_its_own_scope_beside_reporting(school, headteacher):
    api = ApiClient(token_for(headteacher, school, [Perm.INCIDENTS_REPORT]))
    assert api.get("/incidents").status_code == 403


def test_an_expired_token_is_refused_saying_when_it_expired(school, headteacher):
    raw = token_for(headteacher, school, expires_at=timezone.now() + dt.timedelta(days=30))
    api = ApiClient(raw)
    assert api.get("/people").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        response = api.get("/people")
    assert response.status_code == 401 and "expired on" in response.json()["message"]


def test_a_revoked_token_is_refused(school, headteacher):
    token, raw = services.api_token_create(
        actor=headteacher, school=school, name="MIS", scopes=[Perm.PEOPLE_VIEW]
    )
    services.api_token_revoke(actor=headteacher, token=token)
    response = ApiClient(raw).get("/people")
    assert response.status_code == 401 and "was revoked" in response.json()["message"]


def test_an_unknown_or_missing_token_is_refused(client):
    assert ApiClient("wdn_nothing").get("/people").status_code == 401
    response = client.get("/api/v1/people")
    assert response.status_code == 401 and "Authorization: Bearer" in response.json()["message"]


def test_a_signed_in_user_does_not_open_the_api_with_the_session(school, headteacher, client_for):
    response = client_for(headteacher).get("/api/v1/people")
    assert response.status_code == 403 and "API token" in response.json()["message"]


def test_a_token_holds_no_more_than_its_maker(school, ict_manager, headteacher):
    with pytest.raises(ServiceError, match="does not allow “Read the e-safety incident log"):
        services.api_token_create(
            actor=ict_manager, school=school, name="Safeguarding", scopes=[Perm.INCIDENTS_VIEW]
        )
    token, _ = services.api_token_create(
        actor=headteacher, school=school, name="Safeguarding", scopes=[Perm.INCIDENTS_VIEW]
    )
    assert token.scopes == [Perm.INCIDENTS_VIEW]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"scopes": []}, "Tick at least one"),
        ({"scopes": ["everything"]}, "Unknown scope"),
        ({"expires_at": dt.datetime(2001, 1, 1, tzinfo=dt.UTC)}, "in the future"),
        ({"expires_at": timezone.now() + dt.timedelta(days=800)}, "a year at most"),
        ({"name": " "}, "Name the system"),
    ],
)
def test_a_token_is_refused_with_what_to_change(school, headteacher, fields, message):
    with pytest.raises(ServiceError, match=message):
        services.api_token_create(
            **{
                "actor": headteacher,
                "school": school,
                "name": "MIS",
                "scopes": [Perm.PEOPLE_VIEW],
                **fields,
            }
        )


def test_the_token_is_stored_hashed_and_marked_when_used(school, headteacher):
    token, raw = services.api_token_create(
        actor=headteacher, school=school, name="MIS", scopes=[Perm.PEOPLE_VIEW]
    )
    assert raw not in (token.token_hash, token.prefix) and token.last_used_at is None
    ApiClient(raw).get("/people")
    token.refresh_from_db()
    assert token.last_used_at is not None
