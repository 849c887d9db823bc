import datetime as dt
import io
import json
import zipfile
from typing import Any

import pytest
from pypdf import PdfReader

from warden.cli import main as warden
from warden.consent.testing import answer, family, purposes_published
from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.people.services import person_update
from warden.publication.services.media import media_set_record
from warden.records import services
from warden.records.export import bundle_zip
from warden.records.models import ReceivedVia, SarStatus
from warden.records.services import stored_section
from warden.records.tests.records_data import pupil_with_records
from warden.testing.factories import PupilFactory

EVERY_SECTION = {
    "profile",
    "family_links",
    "accounts",
    "agreements",
    "loans",
    "violations",
    "browsing_log",
    "incidents",
    "incident_chronology",
    "sanctions",
    "welfare_concerns",
    "consent",
    "media_sets",
    "posts",
    "audit",
}


def _zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _sar(school, siro, person, **fields):
    values: dict[str, Any] = {
        "requester": "The pupil's mother",
        "received_via": ReceivedVia.EMAIL,
        "received_on": dt.date(2026, 1, 31),
    }
    values.update(fields)
    return services.sar_log(actor=siro, school=school, person=person, **values)


def test_a_sar_is_due_one_calendar_month_after_receipt(school, siro):
    sar = _sar(school, siro, PupilFactory.create(school=school))
    assert sar.due_on == dt.date(2026, 2, 28)
    extended = services.sar_extend(actor=siro, sar=sar, reason="Many records over years")
    assert extended.extended_to == dt.date(2026, 4, 28)
    with pytest.raises(ServiceError, match="only once"):
        services.sar_extend(actor=siro, sar=extended, reason="Again")


def test_nothing_is_generated_before_the_identity_is_checked(school, siro):
    sar = _sar(school, siro, PupilFactory.create(school=school))
    with pytest.raises(ServiceError, match="identity"):
        services.sar_generate(actor=siro, sar=sar)
    assert sar.sections == []


def test_the_bundle_holds_every_record_type_with_other_pupils_redacted(school, siro):
    pupils = pupil_with_records(school)
    person_update(actor=siro, person=pupils.subject, fields={"notes": "Needs reading glasses"})
    website = next(p for p in purposes_published(school) if p.slug == "website")
    mother, _ = family(pupils.subject)
    answer(pupils.subject, mother, "website", "yes")
    media_set_record(
        actor=siro,
        school=school,
        title="Sports day",
        location="Media Drive/2026/Sports day",
        purpose=website,
        taken_on=dt.date(2026, 7, 1),
        pupils=[pupils.subject, pupils.other],
    )
    sar = _sar(school, siro, pupils.subject)
    sar = services.sar_identity_check(actor=siro, sar=sar, method="Passport seen at reception")
    sar = services.sar_generate(actor=siro, sar=sar)
    assert {section["key"] for section in sar.sections} >= EVERY_SECTION
    # Welfare concerns start left out for the DSL to decide.
    assert any(key.startswith("welfare_concerns/") for key in sar.excluded)
    sar = services.sar_exclude(
        actor=siro, sar=sar, item="loans/0", reason="Kept back: test of an exclusion"
    )
    sar = services.sar_review(actor=siro, sar=sar)
    sar = services.sar_release(actor=siro, sar=sar, via="Encrypted e-mail")
    assert sar.status == SarStatus.RELEASED

    files = _zip(
        bundle_zip(
            school=school,
            person=pupils.subject,
            sections=[stored_section(s) for s in sar.sections],
            excluded=sar.excluded,
            reference=sar.reference,
        )
    )
    for key in EVERY_SECTION:
        assert f"{key}.csv" in files and f"{key}.json" in files
    everything = b"".join(files.values()).decode("utf-8", "replace")
    text = _pdf_text(files["summary.pdf"])
    incidents = json.loads(files["incidents.json"])
    chronology = files["incident_chronology.csv"].decode()
    for content in (everything, text):
        assert "Noah" not in content and "Price" not in content
    assert "[another pupil]" in incidents["items"][0]["Title"]
    assert "[another pupil] sent Ava unkind messages" in incidents["items"][0]["What happened"]
    assert "Spoke to [another pupil] about the messages." in chronology
    assert "Ava Stone" in text and "[another pupil]" in text
    assert json.loads(files["accounts.json"])["items"][0]["Username"] == "ava.stone"
    assert json.loads(files["violations.json"])["items"][0]["Search term"] == "free games"
    assert json.loads(files["agreements.json"])["items"][0]["Name typed"] == "Ava Stone"
    consent = json.loads(files["consent.json"])["items"][0]
    assert (consent["Use of images"], consent["Answer"]) == ("School website", "Yes")
    assert consent["Answered by"] == "[a parent or carer]"
    assert json.loads(files["media_sets.json"])["items"][0]["Set"] == "Sports day"
    # What the review left out is not released; the summary says so.
    assert json.loads(files["loans.json"])["items"] == []
    assert json.loads(files["welfare_concerns.json"])["items"] == []
    assert "Kept back: test of an exclusion" in text
    audit = json.loads(files["audit.json"])["items"]
    assert any(item["What"] == "Agreement signed" for item in audit)


def test_a_reviewer_puts_a_withheld_item_back(school, siro):
    pupils = pupil_with_records(school)
    sar = _sar(school, siro, pupils.subject)
    sar = services.sar_identity_check(actor=siro, sar=sar, method="Known parent")
    sar = services.sar_generate(actor=siro, sar=sar)
    sar = services.sar_include(actor=siro, sar=sar, item="welfare_concerns/0")
    assert "welfare_concerns/0" not in sar.excluded
    assert AuditEntry.objects.filter(action="subject_access.item_included").exists()


def test_release_needs_the_review(school, siro):
    pupils = pupil_with_records(school)
    sar = _sar(school, siro, pupils.subject)
    sar = services.sar_identity_check(actor=siro, sar=sar, method="Known parent")
    sar = services.sar_generate(actor=siro, sar=sar)
    with pytest.raises(ServiceError, match="reviewed"):
        services.sar_release(actor=siro, sar=sar, via="By hand")


def test_a_sar_for_a_person_of_another_school_is_refused(school, other_school, siro):
    stranger = PupilFactory.create(school=other_school)
    with pytest.raises(ServiceError, match="register"):
        _sar(school, siro, stranger)


def test_the_command_writes_the_bundle_of_a_person_of_that_school(school, tmp_path):
    pupils = pupil_with_records(school)
    out = tmp_path / "bundle.zip"
    warden(
        [
            "privacy",
            "export-person",
            "--school",
            school.slug,
            "--person",
            str(pupils.subject.pk),
            str(out),
        ]
    )
    files = _zip(out.read_bytes())
    assert {f"{key}.json" for key in EVERY_SECTION} <= set(files)
    assert "Noah" not in files["incidents.csv"].decode()
    assert AuditEntry.objects.filter(action="subject_access.exported", via="cli").exists()


def test_the_command_refuses_a_person_of_another_school(school, other_school, tmp_path):
    stranger = PupilFactory.create(school=other_school)
    out = tmp_path / "bundle.zip"
    with pytest.raises(SystemExit) as exit_info:
        warden(
            [
                "privacy",
                "export-person",
                "--school",
                school.slug,
                "--person",
                str(stranger.pk),
                str(out),
            ]
        )
    assert exit_info.value.code != 0
    assert not out.exists()
