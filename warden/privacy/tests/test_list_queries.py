"""The data-protection lists cost the same number of queries whatever their length."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warden.accounts.models import System
from warden.privacy.models import ProcessorRecord
from warden.privacy.services import breaches as services
from warden.testing.pages import page_queries

pytestmark = pytest.mark.django_db


def test_the_breach_list_costs_the_same_queries_for_one_breach_or_many(
    school, siro, breach, client_for
):
    client = client_for(siro)
    url = reverse("privacy:breach_list")
    few = page_queries(client, url)
    for n in range(8):
        services.breach_open(
            actor=siro,
            school=school,
            title=f"Lost stick {n}",
            description="A memory stick with a class list was lost.",
        )
    assert page_queries(client, url) == few


def test_the_processors_list_costs_the_same_queries_for_one_system_or_many(
    school, siro, client_for
):
    client = client_for(siro)
    url = reverse("privacy:processor_list")
    System.objects.create(school=school, name="System 0")
    few = page_queries(client, url)
    for n in range(1, 9):
        system = System.objects.create(school=school, name=f"System {n}", holds_personal_data=True)
        ProcessorRecord.objects.create(
            school=school, system=system, processor_name=f"Vendor {n}", storage="uk"
        )
    assert page_queries(client, url) == few
