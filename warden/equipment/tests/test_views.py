"""The equipment pages through HTTP: scanning, two-click lending, acceptance, permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from warden.core.models import AuditEntry
from warden.equipment.models import (
    Asset,
    AssetState,
    Loan,
    LoanState,
    PossibleBreach,
    Stocktake,
)
from warden.equipment.services.assets import location_create
from warden.equipment.services.devices import device_request_create
from warden.equipment.services.loans import Acceptance, current_agreement_text, loan_check_out
from warden.equipment.tests.factories import (
    AssetFactory,
    DisposalCompanyFactory,
    assigned_laptop,
    signed_staff,
)
from warden.equipment.tests.test_disposal import dispose

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("staff_loans_without_permission")]


def _due() -> str:
    return (timezone.localdate() + dt.timedelta(days=10)).isoformat()


def test_scanning_a_label_opens_the_asset(school, office, client_for):
    laptop = AssetFactory.create(school=school, asset_tag="WA0042")
    client = client_for(office)
    response = client.get(reverse("equipment:scan"), {"tag": "wa0042"})
    assert response.status_code == 302
    assert response["Location"] == reverse("equipment:asset_detail", kwargs={"asset_pk": laptop.pk})
    page = client.get(response["Location"])
    assert b"Check out" in page.content and b"<svg" in page.content
    url = f"http://testserver/equipment/assets/{laptop.pk}/"
    assert client.get(reverse("equipment:scan"), {"tag": url}).status_code == 302
    missing = client.get(reverse("equipment:scan"), {"tag": "NOPE"})
    assert b"No asset with tag" in missing.content


def test_the_office_checks_out_and_in_with_two_clicks(school, office, client_for):
    laptop = AssetFactory.create(school=school)
    borrower = signed_staff(school)
    client = client_for(office)
    response = client.post(
        reverse("equipment:loan_check_out", kwargs={"asset_pk": laptop.pk}),
        {
            "person": borrower.pk,
            "kind": "loan",
            "due_on": _due(),
            "typed_name": borrower.full_name,
            "confirmed": "on",
        },
        HTTP_USER_AGENT="Desk tablet",
    )
    loan = Loan.objects.get(asset=laptop)
    assert response.status_code == 302
    assert loan.is_issued and loan.accepted_user_agent == "Desk tablet"
    assert loan.accepted_ip == "127.0.0.1"
    response = client.post(
        reverse("equipment:loan_check_in", kwargs={"loan_pk": loan.pk}), {"condition": "good"}
    )
    assert response.status_code == 302
    loan.refresh_from_db()
    laptop.refresh_from_db()
    assert loan.state == LoanState.RETURNED and laptop.state == AssetState.IN_STOCK
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"loan.checked_out", "loan.checked_in", "asset.state_changed"} <= actions
    assert AuditEntry.objects.filter(action="loan.checked_out", via="web").get().actor == office


def test_without_acceptance_the_device_waits_and_the_desk_accepts(school, office, client_for):
    laptop = AssetFactory.create(school=school)
    borrower = signed_staff(school)
    client = client_for(office)
    client.post(
        reverse("equipment:loan_check_out", kwargs={"asset_pk": laptop.pk}),
        {"person": borrower.pk, "kind": "loan", "due_on": _due()},
    )
    loan = Loan.objects.get(asset=laptop)
    assert loan.state == LoanState.AWAITING_AGREEMENT
    page = client.get(reverse("equipment:loan_detail", kwargs={"loan_pk": loan.pk}))
    assert b"Device loan agreement" in page.content and b"Accept and issue" in page.content
    client.post(
        reverse("equipment:loan_accept", kwargs={"loan_pk": loan.pk}),
        {"typed_name": borrower.full_name, "confirmed": "on"},
    )
    loan.refresh_from_db()
    assert loan.is_issued and loan.accepted_method == "desk"


def _lent_to_staff_with_email(school, office) -> Loan:
    return loan_check_out(
        actor=office,
        asset=AssetFactory.create(school=school),
        person=signed_staff(school, email="b@example.org"),
        due_on=timezone.localdate(),
    )


def test_the_borrower_accepts_through_the_one_time_link(school, office, client_for):
    loan = _lent_to_staff_with_email(school, office)
    client = client_for(office)
    client.post(reverse("equipment:loan_link", kwargs={"loan_pk": loan.pk}), {"email": "1"})
    page = client.get(reverse("equipment:loan_detail", kwargs={"loan_pk": loan.pk}))
    link = page.context["link"]
    assert link and "/equipment/accept/" in link
    public = Client()
    path = link.removeprefix("http://testserver")
    assert b"I accept" in public.get(path).content
    done = public.post(path, {"typed_name": "Borrower Person", "confirmed": "on"})
    assert b"Thank you" in done.content
    loan.refresh_from_db()
    assert loan.is_issued and loan.accepted_method == "link"
    assert public.get(path).status_code == 410


def test_a_disposed_asset_page_refuses_check_out(school, office, ict_manager, client_for):
    laptop = AssetFactory.create(school=school)
    dispose(ict_manager, school, [laptop])
    client = client_for(office)
    page = client.get(reverse("equipment:asset_detail", kwargs={"asset_pk": laptop.pk}))
    assert b"can never be checked out" in page.content
    client.post(
        reverse("equipment:loan_check_out", kwargs={"asset_pk": laptop.pk}),
        {
            "person": signed_staff(school).pk,
            "kind": "loan",
            "due_on": _due(),
            "typed_name": "Someone",
            "confirmed": "on",
        },
    )
    assert not Loan.objects.exists()


def test_reporting_an_unencrypted_laptop_lost_flags_the_dashboard(
    school, office, headteacher, client_for
):
    laptop = AssetFactory.create(school=school, holds_personal_data=True, encrypted=False)
    response = client_for(office).post(
        reverse("equipment:loss_create", kwargs={"asset_pk": laptop.pk}),
        {"kind": "lost", "circumstances": "Left on the bus after the trip to the museum."},
    )
    assert response.status_code == 302
    flag = PossibleBreach.objects.get()
    dashboard = client_for(headteacher).get(reverse("core:dashboard"))
    assert b"Possible data breach" in dashboard.content
    assert laptop.asset_tag.encode() in dashboard.content
    client_for(headteacher).post(
        reverse("equipment:breach_acknowledge", kwargs={"breach_pk": flag.pk}),
        {"note": "Assessed with the DPO; reported to the ICO."},
    )
    flag.refresh_from_db()
    assert flag.status == "acknowledged"
    assert (
        b"Possible data breach"
        not in client_for(headteacher).get(reverse("core:dashboard")).content
    )


@pytest.mark.parametrize(
    ("who", "url_name", "status"),
    [
        ("teacher", "equipment:asset_list", 403),
        ("governor", "equipment:asset_list", 403),
        ("technician", "equipment:disposal_list", 403),
        ("office", "equipment:asset_create", 403),
        ("office", "equipment:asset_list", 200),
        ("technician", "equipment:asset_create", 200),
        ("teacher", "equipment:device_list", 200),
        ("teacher", "equipment:install_request_list", 200),
        ("governor", "equipment:wifi_list", 403),
    ],
)
def test_pages_follow_the_role_table(who, url_name, status, request, client_for):
    user = request.getfixturevalue(who)
    assert client_for(user).get(reverse(url_name)).status_code == status


def test_office_cannot_write_off_and_ict_manager_cannot_approve_devices(
    school, office, ict_manager, teacher, headteacher, client_for
):
    loan = loan_check_out(
        actor=office,
        asset=AssetFactory.create(school=school),
        person=signed_staff(school),
        due_on=timezone.localdate(),
        acceptance=Acceptance(typed_name="Robin Tester", confirmed=True),
    )
    response = client_for(office).post(
        reverse("equipment:loan_write_off", kwargs={"loan_pk": loan.pk}),
        {"reason": "Kept by the borrower"},
    )
    assert response.status_code == 403
    staff = signed_staff(school, user=teacher)
    request = device_request_create(
        actor=teacher, person=staff, device="Personal iPad", reason="Marking at lunchtime"
    )
    url = reverse("equipment:device_decide", kwargs={"device_request_pk": request.pk})
    assert client_for(ict_manager).post(url, {"decision": "approve"}).status_code == 403
    assert client_for(headteacher).post(url, {"decision": "approve"}).status_code == 302
    request.refresh_from_db()
    assert request.state == "approved"


def test_the_asset_list_filters_and_does_not_query_per_row(
    school, office, client_for, django_assert_max_num_queries
):
    for _ in range(30):
        AssetFactory.create(school=school, encrypted=False)
    AssetFactory.create(school=school, asset_tag="SAFE1", encrypted=True)
    client = client_for(office)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("equipment:asset_list"))
    assert page.context["page"].paginator.count == 31
    risky = client.get(reverse("equipment:asset_list"), {"risk": "on"})
    assert risky.context["page"].paginator.count == 30
    partial = client.get(reverse("equipment:asset_list"), {"q": "SAFE1"}, HTTP_HX_REQUEST="true")
    assert b"SAFE1" in partial.content and b"<html" not in partial.content


def test_labels_print_a_qr_code_per_asset(school, office, client_for):
    a = AssetFactory.create(school=school, asset_tag="LBL1")
    AssetFactory.create(school=school, asset_tag="LBL2")
    client = client_for(office)
    page = client.get(reverse("equipment:labels"), {"tags": "LBL1 LBL2"})
    assert page.content.count(b"<svg") == 2
    svg = client.get(reverse("equipment:asset_label", kwargs={"asset_pk": a.pk}))
    assert svg["Content-Type"] == "image/svg+xml"


def test_the_web_import_checks_then_imports(school, ict_manager, client_for):
    from warden.equipment.tests.test_import import GOOD

    client = client_for(ict_manager)
    response = client.post(
        reverse("equipment:import_upload"),
        {"kind": "assets", "file": SimpleUploadedFile("assets.csv", GOOD, "text/csv")},
    )
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.context["can_apply"]
    assert not Asset.objects.exists()
    run = preview.context["run"]
    client.post(reverse("equipment:import_apply", kwargs={"import_pk": run.pk}))
    assert Asset.objects.filter(school=school).count() == 3


def test_the_web_import_lists_bad_lines(school, ict_manager, client_for):
    client = client_for(ict_manager)
    bad = b"Asset tag,Type\r\nA1,Laptop\r\nA2,Toaster\r\n"
    response = client.post(
        reverse("equipment:import_upload"),
        {"kind": "assets", "file": SimpleUploadedFile("bad.csv", bad, "text/csv")},
        follow=True,
    )
    assert b"Toaster" in response.content and not response.context["can_apply"]


def test_a_person_page_shows_what_they_hold(school, office, headteacher, client_for):
    person = signed_staff(school)
    laptop = assigned_laptop(school, office, person, "Robin Tester").asset
    page = client_for(headteacher).get(reverse("people:detail", kwargs={"person_pk": person.pk}))
    assert b"Holds now" in page.content and laptop.asset_tag.encode() in page.content


def test_disposal_pages_complete_a_batch_with_a_scan(school, ict_manager, client_for):
    laptop = AssetFactory.create(school=school)
    company = DisposalCompanyFactory.create(school=school)
    client = client_for(ict_manager)
    client.post(reverse("equipment:batch_create"), {"company": company.pk, "reference": "Autumn"})
    batch = company.batches.get()
    client.post(
        reverse("equipment:disposal_add", kwargs={"disposal_pk": batch.pk}),
        {"tags": laptop.asset_tag},
    )
    response = client.post(
        reverse("equipment:disposal_complete", kwargs={"disposal_pk": batch.pk}),
        {
            "certificate_number": "COD-1",
            "certificate_scan": SimpleUploadedFile("cod.pdf", b"%PDF-1.4 x", "application/pdf"),
            "weee_reference": "WEEE-1",
            "wiping_method": "shred",
        },
    )
    assert response.status_code == 302
    laptop.refresh_from_db()
    assert laptop.state == AssetState.DISPOSED
    cert = client.get(reverse("equipment:disposal_certificate", kwargs={"disposal_pk": batch.pk}))
    assert cert.status_code == 200


def test_a_stocktake_by_scanning(school, technician, client_for):
    location = location_create(actor=technician, school=school, name="ICT suite")
    seen = AssetFactory.create(school=school, location=location)
    unseen = AssetFactory.create(school=school, location=location)
    client = client_for(technician)
    client.post(reverse("equipment:stocktake_start", kwargs={"location_pk": location.pk}))
    stocktake = Stocktake.objects.get(location=location)
    partial = client.post(
        reverse("equipment:stocktake_mark", kwargs={"stocktake_pk": stocktake.pk}),
        {"tag": seen.asset_tag},
        HTTP_HX_REQUEST="true",
    )
    assert b"1 of 2 seen" in partial.content
    client.post(reverse("equipment:stocktake_complete", kwargs={"stocktake_pk": stocktake.pk}))
    overview = client.get(reverse("equipment:stocktake_overview"))
    missing = overview.context["missing"]
    assert [assets for _, assets in missing] == [[unseen]]


def test_only_the_ict_team_allocates_a_device_for_good(school, office, technician, client_for):
    laptop = AssetFactory.create(school=school)
    person = signed_staff(school)
    url = reverse("equipment:loan_check_out", kwargs={"asset_pk": laptop.pk})
    data = {"person": person.pk, "kind": "assignment", "typed_name": "Robin", "confirmed": "on"}
    client_for(office).post(url, data)
    assert not Loan.objects.exists()
    client_for(technician).post(url, data)
    assert Loan.objects.get().kind == "assignment"


def test_the_loan_list_does_not_query_per_row(
    school, office, client_for, django_assert_max_num_queries
):
    accept = Acceptance(typed_name="Robin Tester", confirmed=True)
    for _ in range(20):
        loan_check_out(
            actor=office,
            asset=AssetFactory.create(school=school),
            person=signed_staff(school),
            due_on=timezone.localdate(),
            acceptance=accept,
        )
    client = client_for(office)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("equipment:loan_list"))
    assert page.context["page"].paginator.count == 20
    # Other areas add panels too, so only this panel's data is checked here.
    dashboard = client.get(reverse("core:dashboard"))
    assert b"awaiting agreement" in dashboard.content


def test_the_loan_agreement_reads_as_paragraphs_and_points(school, office, client_for):
    # As an acceptable-use agreement does: a borrower on a phone reads points, not a typescript.
    loan = _lent_to_staff_with_email(school, office)
    first_point = current_agreement_text(school).text.split("\n1. ")[1].split("\n")[0]
    client = client_for(office)
    desk = client.get(reverse("equipment:loan_detail", kwargs={"loan_pk": loan.pk}))
    client.post(reverse("equipment:loan_link", kwargs={"loan_pk": loan.pk}), {"email": "1"})
    link = client.get(reverse("equipment:loan_detail", kwargs={"loan_pk": loan.pk})).context["link"]
    public = Client().get(link.removeprefix("http://testserver"))
    for page in (desk, public):
        html = page.content.decode()
        assert "<pre" not in html
        assert f'<li value="1">{escape(first_point)}' in html
