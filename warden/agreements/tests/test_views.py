"""The agreements pages, through HTTP: who may see and do what, and what each page shows."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from warden.agreements import services
from warden.agreements.models import Agreement, Audience, Method, Signature, VersionStatus
from warden.agreements.rules import access_refusal
from warden.agreements.testing import parent_of, published_version, sign_current
from warden.core.models import AuditEntry
from warden.testing.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db

TEXT = "I will use the school systems safely and keep my login to myself. " * 2


def _staff_agreement(school) -> Agreement:
    published_version(school, Audience.STAFF)
    return Agreement.objects.get(school=school, audience=Audience.STAFF)


def test_teacher_sees_agreements_but_cannot_publish(school, teacher, client_for):
    agreement = services.agreement_create(actor=None, school=school, audience=Audience.STAFF)
    draft = agreement.versions.get()
    client = client_for(teacher)
    assert client.get(reverse("agreements:list")).status_code == 200
    page = client.get(reverse("agreements:version_detail", kwargs={"version_pk": draft.pk}))
    assert page.status_code == 200 and b"Publish" not in page.content
    refused = client.post(reverse("agreements:version_publish", kwargs={"version_pk": draft.pk}))
    assert refused.status_code == 403
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    edit = client.get(reverse("agreements:version_edit", kwargs={"version_pk": draft.pk}))
    assert edit.status_code == 403


def test_governor_cannot_see_agreements(school, governor, client_for):
    agreement = _staff_agreement(school)
    client = client_for(governor)
    assert client.get(reverse("agreements:list")).status_code == 403
    assert (
        client.get(reverse("agreements:signers", kwargs={"agreement_pk": agreement.pk})).status_code
        == 403
    )


def test_headteacher_writes_and_publishes_a_version(school, headteacher, client_for):
    client = client_for(headteacher)
    response = client.post(reverse("agreements:agreement_create"), {"audience": "staff"})
    agreement = Agreement.objects.get(school=school, audience="staff")
    assert response["Location"] == reverse(
        "agreements:agreement_detail", kwargs={"agreement_pk": agreement.pk}
    )
    draft = agreement.versions.get()
    client.post(
        reverse("agreements:version_edit", kwargs={"version_pk": draft.pk}),
        {"label": "2026", "text": TEXT, "change_note": "Our wording"},
    )
    client.post(
        reverse("agreements:version_publish", kwargs={"version_pk": draft.pk}),
        {"requires_resign": "on"},
    )
    draft.refresh_from_db()
    assert draft.is_published and draft.text.strip() == TEXT.strip()
    edit = client.get(reverse("agreements:version_edit", kwargs={"version_pk": draft.pk}))
    assert edit.status_code == 403
    assert b"cannot change" in edit.content
    new = client.get(reverse("agreements:version_create", kwargs={"agreement_pk": agreement.pk}))
    assert TEXT.strip().encode() in new.content  # the new draft starts from the last text


def test_starter_drafts_are_added_for_every_missing_audience(school, headteacher, client_for):
    client_for(headteacher).post(reverse("agreements:starters_install"))
    assert Agreement.objects.filter(school=school).count() == len(Audience.values)


def test_who_has_signed_shows_status_filters_and_paginates(school, office, client_for):
    agreement = _staff_agreement(school)
    signed = PersonFactory.create(school=school, last_name="Signedperson")
    sign_current(signed)
    for n in range(55):
        PersonFactory.create(school=school, last_name=f"Unsigned{n:02d}")
    services.standings_refresh(school=school)  # made by the factory, not the service
    client = client_for(office)
    url = reverse("agreements:signers", kwargs={"agreement_pk": agreement.pk})
    page = client.get(url)
    assert b"56 people" in page.content and b"Page 1 of 2" in page.content
    current = client.get(url, {"status": "current"})
    assert b"1 person" in current.content and b"Signedperson" in current.content
    due = client.get(url, {"status": "due"})
    assert b"55 people" in due.content
    assert b"not signed" in due.content
    partial = client.get(url, {"status": "current"}, HTTP_HX_REQUEST="true")
    assert partial.content.lstrip().startswith(b'<div id="results">')


def test_who_has_signed_runs_a_fixed_number_of_queries(school, office, client_for):
    agreement = Agreement.objects.get(pk=published_version(school, Audience.PUPIL_KS3).agreement_id)
    for _ in range(3):
        sign_current(PupilFactory.create(school=school, year_group=8))
    client = client_for(office)
    url = reverse("agreements:signers", kwargs={"agreement_pk": agreement.pk})
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(20):
        sign_current(PupilFactory.create(school=school, year_group=8))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_office_records_a_desk_signature_and_prints_proof(school, office, client_for):
    person = PersonFactory.create(school=school)
    version = published_version(school, Audience.STAFF)
    client = client_for(office)
    url = reverse("agreements:desk_sign", kwargs={"person_pk": person.pk})
    page = client.get(url)
    assert escape(version.text.splitlines()[0]).encode() in page.content
    missing = client.post(url, {"typed_name": person.full_name})
    assert missing.status_code == 200 and not Signature.objects.exists()
    done = client.post(
        url, {"typed_name": person.full_name, "confirmed": "on"}, REMOTE_ADDR="192.0.2.9"
    )
    signature = Signature.objects.get(person=person)
    assert done["Location"] == reverse(
        "agreements:signature_detail", kwargs={"signature_pk": signature.pk}
    )
    assert signature.recorded_by == office and signature.ip == "192.0.2.9"
    proof = client.get(done["Location"])
    assert signature.text_sha256.encode() in proof.content
    assert b"matches the text below" in proof.content
    assert access_refusal(person) is None


def test_teacher_cannot_record_signatures(school, teacher, client_for):
    person = PersonFactory.create(school=school)
    published_version(school, Audience.STAFF)
    response = client_for(teacher).post(
        reverse("agreements:desk_sign", kwargs={"person_pk": person.pk}),
        {"typed_name": "A Person", "confirmed": "on"},
    )
    assert response.status_code == 403
    assert not Signature.objects.exists()


def test_office_records_a_paper_form_with_its_scan(school, office, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    person = PersonFactory.create(school=school)
    published_version(school, Audience.STAFF)
    client = client_for(office)
    client.post(
        reverse("agreements:paper_record", kwargs={"person_pk": person.pk}),
        {
            "typed_name": person.full_name,
            "confirmed": "on",
            "scan": SimpleUploadedFile("form.png", b"\x89PNG scan", "image/png"),
        },
    )
    signature = Signature.objects.get(person=person)
    assert signature.method == Method.PAPER and signature.scan_sha256
    scan = client.get(reverse("agreements:signature_scan", kwargs={"signature_pk": signature.pk}))
    assert scan.status_code == 200 and b"".join(scan.streaming_content) == b"\x89PNG scan"


def test_public_signing_page_shows_the_text_and_works_once(school, office, client_for, anonymous):
    person = PersonFactory.create(school=school, email="signer@example.org")
    agreement = _staff_agreement(school)
    client_for(office).post(
        reverse("agreements:send_links", kwargs={"agreement_pk": agreement.pk}), {}
    )
    assert mail.outbox[-1].to == ["signer@example.org"]
    url = re.search(r"http://testserver(/agreements/sign/[^\s]+/)", str(mail.outbox[-1].body))
    assert url
    page = anonymous.get(url.group(1))
    assert page.status_code == 200
    version = published_version(school, Audience.STAFF)
    assert escape(version.text.splitlines()[0]).encode() in page.content
    done = anonymous.post(
        url.group(1),
        {"typed_name": person.full_name, "confirmed": "on"},
        HTTP_USER_AGENT="Test browser",
    )
    assert done.status_code == 200 and b"Thank you" in done.content
    signature = Signature.objects.get(person=person)
    assert signature.user_agent == "Test browser" and signature.method == Method.LINK
    again = anonymous.get(url.group(1))
    assert again.status_code == 410 and b"already been used" in again.content
    assert anonymous.get("/agreements/sign/nonsense/").status_code == 404


def test_parent_counter_signs_at_the_desk(school, office, client_for):
    pupil = PupilFactory.create(school=school)
    parent = parent_of(pupil)
    signature = sign_current(pupil, countersign=False)
    client = client_for(office)
    proof = client.get(
        reverse("agreements:signature_detail", kwargs={"signature_pk": signature.pk})
    )
    assert b"does not count until a parent" in proof.content
    client.post(
        reverse("agreements:countersign_desk", kwargs={"signature_pk": signature.pk}),
        {"parent": parent.pk, "typed_name": parent.full_name, "confirmed": "on"},
    )
    assert signature.counter_signatures.filter(person=parent).exists()
    assert access_refusal(pupil) is None


def test_class_qr_sheet_has_a_code_per_pupil_still_to_sign(school, office, client_for):
    agreement = Agreement.objects.get(pk=published_version(school, Audience.PUPIL_KS3).agreement_id)
    pupils = [PupilFactory.create(school=school, year_group=7, form="7B") for _ in range(3)]
    sign_current(pupils[0])
    PupilFactory.create(school=school, year_group=7, form="7C")
    response = client_for(office).post(
        reverse("agreements:qr_sheet", kwargs={"agreement_pk": agreement.pk}),
        {"year_group": "7", "form": "7B"},
    )
    assert response.status_code == 200
    assert response.content.count(b"<svg") == 2
    assert AuditEntry.objects.filter(action="signing_link.created").count() == 2


def test_the_person_page_shows_the_agreement_section(school, office, client_for):
    person = PersonFactory.create(school=school)
    published_version(school, Audience.STAFF)
    client = client_for(office)
    page = client.get(reverse("people:detail", kwargs={"person_pk": person.pk}))
    assert b"Acceptable-use agreement" in page.content
    assert b"Staff acceptable-use agreement 2026 not signed" in page.content
    assert b"Sign at the desk" in page.content


def test_dashboard_panel_counts_who_is_due(school, headteacher, client_for):
    published_version(school, Audience.STAFF)
    services.standings_refresh(school=school, people=[PersonFactory.create(school=school)])
    page = client_for(headteacher).get(reverse("core:dashboard"))
    assert b"Acceptable-use agreements" in page.content
    assert b"?status=due" in page.content


def test_settings_page_changes_the_grace_period(school, headteacher, teacher, client_for):
    assert client_for(teacher).get(reverse("agreements:settings")).status_code == 403
    client_for(headteacher).post(
        reverse("agreements:settings"),
        {
            "renewal_enabled": "on",
            "renewal_day": "1",
            "renewal_month": "9",
            "grace_days": "21",
            "link_days": "10",
            "reminder_days": "7",
        },
    )
    from warden.agreements.rules import school_settings

    assert school_settings(school).grace_days == 21


def test_who_has_signed_sorts_people_needing_action_first(school, office, client_for):
    agreement = _staff_agreement(school)
    sign_current(PersonFactory.create(school=school, last_name="Aardvark"))
    services.standings_refresh(
        school=school, people=[PersonFactory.create(school=school, last_name="Zebra")]
    )
    url = reverse("agreements:signers", kwargs={"agreement_pk": agreement.pk})
    by_name = client_for(office).get(url).content
    assert by_name.index(b"Aardvark") < by_name.index(b"Zebra")
    by_status = client_for(office).get(url, {"sort": "status"}).content
    assert by_status.index(b"Zebra") < by_status.index(b"Aardvark")
