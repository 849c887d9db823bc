"""The data-protection pages through HTTP: breaches are the SIRO's, the headteacher's and
the trust administrator's; the processors register, removable media and off-site
permissions; the termly report's figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from warden.accounts.models import System
from warden.core.models import AuditEntry
from warden.equipment.models import Asset, AssetType, Loan, LoanState
from warden.equipment.services.loans import checkout_refusal
from warden.privacy.models import Breach, OffSitePermission, ProcessorRecord
from warden.privacy.services import breaches as services
from warden.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_breaches_are_confidential_to_the_siro_headteacher_and_trust(
    school, breach, siro, headteacher, technician, dsl, teacher, governor, client_for
):
    detail = reverse("privacy:breach_detail", kwargs={"data_breach_pk": breach.pk})
    for user in (siro, headteacher):
        response = client_for(user).get(detail)
        assert response.status_code == 200
        assert b"left to decide on the ICO" in response.content
    for user in (technician, dsl, teacher, governor):
        assert client_for(user).get(detail).status_code == 403
        assert client_for(user).get(reverse("privacy:breach_list")).status_code == 403
    assert AuditEntry.objects.filter(action="breach.viewed", actor=siro).exists()


def test_the_siro_home_page_and_list_show_the_clock(school, breach, siro, client_for):
    client = client_for(siro)
    home = client.get(reverse("core:dashboard"))
    assert b"Personal data breaches" in home.content and breach.reference.encode() in home.content
    listing = client.get(reverse("privacy:breach_list") + "?q=stolen")
    assert b"left to decide on the ICO" in listing.content
    assert b"Data breaches" in listing.content  # the navigation item


def test_opening_a_breach_by_hand_and_a_bad_form_says_what_to_fix(school, siro, client_for):
    client = client_for(siro)
    bad = client.post(reverse("privacy:breach_open"), {"title": "", "description": "x"})
    assert bad.status_code == 400
    response = client.post(
        reverse("privacy:breach_open"),
        {"title": "Wrong recipient", "description": "A report went to the wrong parent."},
    )
    breach = Breach.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/{breach.pk}/")


def test_a_decision_without_reasons_is_refused_beside_the_field(breach, siro, client_for):
    services.breach_assess(
        actor=siro,
        breach=breach,
        data_description="A printed class list",
        categories=["contact"],
        people_affected=30,
        likelihood="possible",
        harm="minimal",
        containment="not_contained",
    )
    response = client_for(siro).post(
        reverse("privacy:breach_decide", kwargs={"data_breach_pk": breach.pk}),
        {"decision": "not_reportable", "decision_reasons": "no"},
    )
    assert response.status_code == 400
    assert b"Give the reasons for the decision" in response.content


def test_the_processors_register_shows_missing_and_overdue_records(
    school, siro, ict_manager, teacher, client_for
):
    System.objects.create(school=school, name="Reading app", holds_personal_data=True)
    lapsed = System.objects.create(school=school, name="Maths app", holds_personal_data=True)
    ProcessorRecord.objects.create(
        school=school,
        system=lapsed,
        processor_name="Maths Ltd",
        storage="uk",
        dpia_review_on=timezone.localdate() - dt.timedelta(days=1),
    )
    page = client_for(ict_manager).get(reverse("privacy:processor_list"))
    assert page.status_code == 200
    assert b"Missing" in page.content and b"Review overdue" in page.content
    assert client_for(teacher).get(reverse("privacy:processor_list")).status_code == 403
    # The ICT manager sees the register; only the SIRO writes a record.
    url = reverse("privacy:processor_detail", kwargs={"system_pk": lapsed.pk})
    data = {"processor_name": "Maths Ltd", "storage": "uk", "data_categories": ["contact"]}
    assert client_for(ict_manager).post(url, data).status_code == 403
    contract = SimpleUploadedFile("contract.pdf", b"%PDF-1.4 contract", "application/pdf")
    response = client_for(siro).post(url, data | {"dpa_file": contract})
    assert response.status_code == 302
    record = ProcessorRecord.objects.get(system=lapsed)
    assert record.dpa_sha256 and record.data_categories == ["contact"]


def test_the_headteacher_gives_permission_to_take_personal_data_off_site(
    school, headteacher, siro, client_for
):
    staff = PersonFactory.create(school=school, person_type="teaching_staff")
    plain = Asset.objects.create(
        school=school, asset_tag="USB-9", asset_type=AssetType.REMOVABLE_MEDIA, encrypted=False
    )
    today = timezone.localdate()
    data = {
        "person": staff.pk,
        "data_description": "Year 6 assessment data",
        "purpose": "Moderation",
        "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=5)).isoformat(),
        "device": plain.pk,
    }
    # The form offers encrypted media only.
    refused = client_for(headteacher).post(reverse("privacy:off_site_list"), data)
    assert refused.status_code == 400
    assert client_for(siro).post(reverse("privacy:off_site_list"), data).status_code == 403
    response = client_for(headteacher).post(reverse("privacy:off_site_list"), data | {"device": ""})
    assert response.status_code == 302
    assert OffSitePermission.objects.get().granted_by == headteacher
    assert client_for(siro).get(reverse("privacy:off_site_list")).status_code == 200


def test_returned_media_is_not_lent_again_until_a_wipe_is_recorded(school, technician, client_for):
    usb = Asset.objects.create(
        school=school, asset_tag="USB-1", asset_type=AssetType.REMOVABLE_MEDIA, encrypted=True
    )
    Loan.objects.create(
        school=school,
        asset=usb,
        person=PersonFactory.create(school=school),
        state=LoanState.RETURNED,
        checked_out_at=timezone.now() - dt.timedelta(days=3),
        returned_at=timezone.now() - dt.timedelta(days=1),
    )
    refusal = checkout_refusal(usb)
    assert refusal and "has not been securely wiped since it was returned" in refusal
    page = client_for(technician).get(reverse("privacy:media_list"))
    assert b"Wipe before re-use" in page.content
    response = client_for(technician).post(
        reverse("privacy:media_wipe", kwargs={"removable_pk": usb.pk}), {"method": "overwrite"}
    )
    assert response.status_code == 302
    assert checkout_refusal(usb) is None
    assert AuditEntry.objects.filter(action="media.wiped").exists()


def test_the_termly_report_counts_breaches_without_names(
    school, siro, governor, breach, client_for
):
    response = client_for(governor).get(reverse("incidents:termly_report"))
    assert response.status_code == 200
    assert b"Personal data breaches" in response.content
    assert b"Laptop bag stolen" not in response.content
