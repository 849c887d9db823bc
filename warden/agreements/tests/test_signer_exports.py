"""An agreement's signer list downloads as CSV and XLSX: the filtered rows, safe to open."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warden.agreements import services
from warden.agreements.models import Agreement, Audience
from warden.agreements.testing import published_version, sign_current
from warden.core.models import AuditEntry
from warden.testing.exports import both, queries_for
from warden.testing.factories import PupilFactory

pytestmark = pytest.mark.django_db


def _agreement(school) -> Agreement:
    return Agreement.objects.get(pk=published_version(school, Audience.PUPIL_KS3).agreement_id)


def _urls(agreement: Agreement) -> tuple[str, str]:
    kwargs = {"agreement_pk": agreement.pk}
    return (
        reverse("agreements:signers_csv", kwargs=kwargs),
        reverse("agreements:signers_xlsx", kwargs=kwargs),
    )


def test_the_signer_export_is_the_filtered_list(school, office, client_for):
    agreement = _agreement(school)
    sign_current(PupilFactory.create(school=school, year_group=8, last_name="Signed"))
    for n in range(2):
        PupilFactory.create(school=school, year_group=8, last_name=f"Unsigned{n}")
    services.standings_refresh(school=school)  # made by the factory, not the service
    for sheet in both(client_for(office), _urls(agreement), {"status": "current"}):
        assert sheet.column("Surname") == ["Signed"]
        assert sheet.column("Version") != [""]
        assert "Current" in sheet.filters
    for sheet in both(client_for(office), _urls(agreement), {"status": "due"}):
        assert sheet.column("Surname") == ["Unsigned0", "Unsigned1"]
    assert AuditEntry.objects.filter(action="list.exported").count() == 4


def test_a_formula_in_a_name_is_text_in_the_signer_export(school, office, client_for):
    agreement = _agreement(school)
    PupilFactory.create(school=school, year_group=8, first_name="=1+1")
    services.standings_refresh(school=school)
    for sheet in both(client_for(office), _urls(agreement)):
        assert sheet.column("First name") == ["'=1+1"]


def test_a_role_without_agreements_cannot_export_signers(school, governor, client_for):
    for url in _urls(_agreement(school)):
        assert client_for(governor).get(url).status_code == 403


def test_another_schools_agreement_is_not_found(school, other_school_user, client_for):
    for url in _urls(_agreement(school)):
        assert client_for(other_school_user).get(url).status_code == 404


def test_the_signer_export_takes_the_same_queries_for_more_rows(school, office, client_for):
    agreement = _agreement(school)
    client = client_for(office)
    sign_current(PupilFactory.create(school=school, year_group=8))
    few = [queries_for(client, url) for url in _urls(agreement)]
    for _ in range(15):
        sign_current(PupilFactory.create(school=school, year_group=8))
    assert [queries_for(client, url) for url in _urls(agreement)] == few
