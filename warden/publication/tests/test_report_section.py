"""The governors' termly report counts images removed and posts checked, naming no one."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from warden.consent.testing import answer
from warden.people.models import Guardianship
from warden.publication.models import Removal
from warden.publication.services.media import media_set_record, removal_done
from warden.testing.clients import signed_in

pytestmark = pytest.mark.django_db


def test_the_report_counts_removals_for_withdrawal_without_names(
    school, teacher, ict_manager, governor, purposes, pupil_with_consent
):
    media_set_record(
        actor=teacher,
        school=school,
        title="Sports day",
        location="Media Drive/Sports day",
        purpose=purposes["displays"],
        taken_on=dt.date.today(),
        pupils=[pupil_with_consent],
    )
    parent = Guardianship.objects.filter(pupil=pupil_with_consent).first()
    assert parent is not None
    answer(pupil_with_consent, parent.parent, "displays", "withdrawn")
    removal_done(actor=ict_manager, removal=Removal.objects.get())

    page = signed_in(governor).get(reverse("incidents:termly_report")).content.decode()
    assert "Images of pupils" in page
    row = re.search(r"Images removed: consent withdrawn</t[hd]>\s*<td[^>]*>\s*(\d+)", page)
    assert row is not None and row.group(1) == "1"
    assert "Lovelace" not in page and "Sports day" not in page
