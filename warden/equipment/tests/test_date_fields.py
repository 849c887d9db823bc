"""Date boxes in the equipment pages come filled in the form a browser's date picker reads.

`<input type=date>` only accepts yyyy-mm-dd; a British 20/12/2026 is dropped and the box
shows empty, so the loan's "Due back" default and the phone form's date were lost.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from warden.equipment.rules import DEFAULT_LOAN_DAYS
from warden.equipment.tests.factories import AssetFactory

pytestmark = pytest.mark.django_db


def _date_value(page: str, name: str) -> str:
    tag = re.search(rf'<input type="date" name="{name}"[^>]*>', page)
    assert tag, f"no date box named {name}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    assert value, f"the {name} box is empty"
    return value.group(1)


def test_the_check_out_form_offers_the_default_due_date_to_the_date_picker(
    school, office, client_for
):
    laptop = AssetFactory.create(school=school)
    response = client_for(office).get(
        reverse("equipment:asset_detail", kwargs={"asset_pk": laptop.pk})
    )
    assert response.status_code == 200
    due = timezone.localdate() + dt.timedelta(days=DEFAULT_LOAN_DAYS)
    assert _date_value(response.content.decode(), "due_on") == due.isoformat()


def test_the_phone_request_form_offers_todays_date_to_the_date_picker(school, office, client_for):
    response = client_for(office).get(reverse("equipment:phone_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert _date_value(page, "received_on") == timezone.localdate().isoformat()
