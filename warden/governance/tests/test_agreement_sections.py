"""The agreements show the policy version they implement and the communications matrix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from warden.agreements import services as agreements
from warden.agreements.models import Audience
from warden.agreements.testing import published_version
from warden.governance.models import PolicyKind
from warden.governance.services import policies
from warden.people.models import PersonType
from warden.people.services import person_create

pytestmark = pytest.mark.django_db


def test_the_agreement_page_links_the_policy_version_it_implements(school, headteacher, client_for):
    version = published_version(school, Audience.STAFF)
    policy = policies.policy_create(
        actor=None, school=school, kind=PolicyKind.ACCEPTABLE_USE, title="Staff AUP policy"
    )
    approved = timezone.localdate() - dt.timedelta(days=10)
    policy_version = policies.version_create(
        actor=None,
        policy=policy,
        label="2026",
        text="The policy.",
        approved_on=approved,
        minute_reference="FGB 3",
    )
    policies.version_link_agreements(
        actor=None, version=policy_version, agreement_versions=[version]
    )
    page = client_for(headteacher).get(
        reverse("agreements:agreement_detail", kwargs={"agreement_pk": version.agreement_id})
    )
    body = page.content.decode()
    link = reverse("governance:version_detail", kwargs={"policy_version_pk": policy_version.pk})
    assert f'href="{link}"' in body
    assert f"Staff AUP policy version {policy_version.number}</a>" in body
    assert f"(approved {approved:%d/%m/%Y})" in body
    # Staff read the staff column of the matrix with their agreement.
    assert "Mobile phones may be brought to school" in body
    assert "Allowed at certain times" in body


def test_the_public_signing_page_shows_the_pupils_matrix_and_no_policy_link(school):
    version = published_version(school, Audience.PUPIL_KS3)
    policy = policies.policy_create(
        actor=None, school=school, kind=PolicyKind.ACCEPTABLE_USE, title="Pupil AUP policy"
    )
    policy_version = policies.version_create(
        actor=None, policy=policy, label="2026", text="The policy.", approved_on=None
    )
    policies.version_link_agreements(
        actor=None, version=policy_version, agreement_versions=[version]
    )
    pupil = person_create(
        actor=None,
        school=school,
        fields={
            "person_type": PersonType.PUPIL,
            "first_name": "Kim",
            "last_name": "Reader",
            "year_group": 8,
        },
    )
    _link, token = agreements.signing_link_create(actor=None, person=pupil, version=version)
    page = Client().get(reverse("agreements:public_sign", kwargs={"token": token}))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Communications matrix" in body
    assert "Mobile phones may be brought to school" in body
    assert "Allowed with staff permission" in body
    assert "Allowed at certain times" not in body
    assert "Pupil AUP policy" not in body
