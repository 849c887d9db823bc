"""Versions, signing links, reminders and the audit trail, through the services."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from warden.agreements import services
from warden.agreements.models import (
    Agreement,
    AgreementVersion,
    Audience,
    Method,
    PublishedTextChanged,
    Signature,
    VersionStatus,
    text_sha256,
)
from warden.agreements.rules import State, access_refusal, standing_of
from warden.agreements.selectors import people_past_grace
from warden.agreements.testing import (
    countersign_at_desk,
    parent_of,
    published_version,
    sign_current,
)
from warden.core.errors import ServiceError
from warden.core.models import AuditEntry
from warden.core.uploads import read_scan
from warden.testing.clients import committed
from warden.testing.factories import PersonFactory, PupilFactory

pytestmark = pytest.mark.django_db

TEXT = "I will use school systems responsibly and keep my password to myself. " * 2


def _at(year: int, month: int, day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


def _token(message: mail.EmailMessage) -> str:
    found = re.search(r"/agreements/sign/([^/\s]+)/", str(message.body))
    assert found, message.body
    return found.group(1)


def test_a_published_versions_text_cannot_change_through_the_service(school, headteacher):
    version = published_version(school, Audience.STAFF, actor=headteacher)
    with pytest.raises(ServiceError, match="cannot change"):
        services.version_update(actor=headteacher, version=version, label="2026", text=TEXT)
    version.refresh_from_db()
    assert version.sha256 == text_sha256(version.text)


def test_the_model_refuses_to_save_changed_published_text(school):
    version = published_version(school, Audience.STAFF)
    version.text = "Something else entirely, which nobody signed. " * 2
    with pytest.raises(PublishedTextChanged):
        version.save()
    version = AgreementVersion.objects.get(pk=version.pk)
    version.status = VersionStatus.DRAFT
    with pytest.raises(PublishedTextChanged):
        version.save()


def test_a_draft_can_be_edited_and_publishing_is_audited(school, headteacher):
    agreement = services.agreement_create(actor=headteacher, school=school, audience=Audience.STAFF)
    draft = agreement.versions.get()
    services.version_update(actor=headteacher, version=draft, label="2026a", text=TEXT)
    draft.refresh_from_db()
    assert draft.label == "2026a" and draft.sha256 == text_sha256(draft.text)
    services.version_publish(actor=headteacher, version=draft, requires_resign=False)
    draft.refresh_from_db()
    assert draft.is_published and draft.requires_resign  # the first always needs signing
    actions = list(AuditEntry.objects.filter(school=school).values_list("action", flat=True))
    assert {
        "agreement.created",
        "agreement_version.created",
        "agreement_version.updated",
        "agreement_version.published",
    } <= set(actions)


def test_a_signature_keeps_the_hash_of_the_exact_text(school, office):
    person = PersonFactory.create(school=school)
    signature = sign_current(person, actor=office)
    assert signature.text_sha256 == text_sha256(signature.version.text)
    assert signature.recorded_by == office
    assert signature.method == Method.DESK


def test_a_signing_link_works_once(school, office):
    person = PersonFactory.create(school=school, email="new.teacher@example.org")
    version = published_version(school, Audience.STAFF)
    with committed():
        result = services.signing_links_send(actor=office, version=version, people=[person])
    assert result.sent == 1
    assert mail.outbox[-1].to == ["new.teacher@example.org"]
    token = _token(mail.outbox[-1])
    signature = services.signing_link_use(
        token=token, typed_name=person.full_name, confirmed=True, ip="192.0.2.5", user_agent="UA"
    )
    assert signature.method == Method.LINK and signature.ip == "192.0.2.5"
    assert access_refusal(person) is None
    with pytest.raises(services.LinkRefused, match="already been used") as refused:
        services.signing_link_use(
            token=token, typed_name=person.full_name, confirmed=True, ip=None, user_agent=""
        )
    assert refused.value.gone
    assert Signature.objects.filter(person=person).count() == 1
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"signing_link.created", "signing_link.used", "signature.recorded"} <= actions


def test_a_signing_link_does_not_work_after_expiry(school, office):
    person = PersonFactory.create(school=school, email="late@example.org")
    with time_machine.travel(_at(2026, 10, 1), tick=False):
        version = published_version(school, Audience.STAFF)
        _, token = services.signing_link_create(actor=office, person=person, version=version)
    with (
        time_machine.travel(_at(2026, 10, 16), tick=False),
        pytest.raises(services.LinkRefused, match="expired on 15/10/2026"),
    ):
        services.signing_link_use(
            token=token, typed_name=person.full_name, confirmed=True, ip=None, user_agent=""
        )
    assert not Signature.objects.filter(person=person).exists()


def test_a_tampered_token_is_refused(school):
    person = PersonFactory.create(school=school)
    version = published_version(school, Audience.STAFF)
    _, token = services.signing_link_create(actor=None, person=person, version=version)
    with pytest.raises(services.LinkRefused, match="not valid"):
        services.link_for_token(token[:-2] + "xx")


def test_the_link_needs_a_typed_name_and_a_tick(school):
    person = PersonFactory.create(school=school)
    version = published_version(school, Audience.STAFF)
    _, token = services.signing_link_create(actor=None, person=person, version=version)
    with pytest.raises(ServiceError) as refused:
        services.signing_link_use(
            token=token, typed_name=" ", confirmed=False, ip=None, user_agent=""
        )
    assert set(refused.value.field_errors) == {"typed_name", "confirmed"}
    services.link_for_token(token)  # still usable


def test_a_parent_counter_signs_by_their_own_link(school, office):
    pupil = PupilFactory.create(school=school)
    parent = parent_of(pupil)
    agreement_version = published_version(school, Audience.PUPIL_KS3)
    signature = services.signature_record(
        actor=office,
        person=pupil,
        version=agreement_version,
        typed_name=pupil.full_name,
        confirmed=True,
        method=Method.DESK,
    )
    assert standing_of(pupil).state == State.COUNTERSIGN
    agreement = Agreement.objects.get(school=school, audience=Audience.PUPIL_KS3)
    with committed():
        result = services.countersign_links_send(actor=office, agreement=agreement)
    assert result.sent == 1 and mail.outbox[-1].to == [parent.email]
    assert "counter-sign" in mail.outbox[-1].subject
    counter = services.signing_link_use(
        token=_token(mail.outbox[-1]),
        typed_name=parent.full_name,
        confirmed=True,
        ip=None,
        user_agent="",
    )
    assert counter.counter_signs == signature and counter.person == parent
    assert access_refusal(pupil) is None
    assert "signature.counter_signed" in set(AuditEntry.objects.values_list("action", flat=True))


def test_a_paper_form_keeps_its_scan_and_its_hash(school, office, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    person = PersonFactory.create(school=school)
    version = published_version(school, Audience.STAFF)
    content = b"%PDF-1.4 signed form"
    scan = read_scan(
        SimpleUploadedFile("form.pdf", content, "application/pdf"), field="scan", what="the scan"
    )
    signature = services.signature_record(
        actor=office,
        person=person,
        version=version,
        typed_name=person.full_name,
        confirmed=True,
        method=Method.PAPER,
        scan=scan,
    )
    import hashlib

    assert signature.scan_sha256 == hashlib.sha256(content).hexdigest()
    assert signature.scan.read() == content
    assert str(tmp_path) in signature.scan.path


def test_a_paper_form_needs_a_scan(school, office):
    person = PersonFactory.create(school=school)
    version = published_version(school, Audience.STAFF)
    with pytest.raises(ServiceError, match="scan"):
        services.signature_record(
            actor=office,
            person=person,
            version=version,
            typed_name=person.full_name,
            confirmed=True,
            method=Method.PAPER,
        )


def test_a_person_signs_only_their_own_groups_agreement(school):
    person = PersonFactory.create(school=school)
    version = published_version(school, Audience.PUPIL_KS2)
    with pytest.raises(ServiceError, match="own group"):
        services.signature_record(
            actor=None,
            person=person,
            version=version,
            typed_name=person.full_name,
            confirmed=True,
            method=Method.DESK,
        )
    loan = published_version(school, Audience.DEVICE_LOAN)
    services.signature_record(
        actor=None,
        person=person,
        version=loan,
        typed_name=person.full_name,
        confirmed=True,
        method=Method.DESK,
    )


def test_re_sign_publication_reminders_and_past_grace_end_to_end(school, headteacher):
    staff = [PersonFactory.create(school=school, email=f"staff{n}@example.org") for n in range(3)]
    with time_machine.travel(_at(2026, 9, 5), tick=False):
        for person in staff:
            sign_current(person)
    with time_machine.travel(_at(2026, 10, 1), tick=False):
        agreement = Agreement.objects.get(school=school, audience=Audience.STAFF)
        draft = services.version_create(
            actor=headteacher, agreement=agreement, label="2026.2", text=TEXT
        )
        services.version_publish(actor=headteacher, version=draft, requires_resign=True)
        assert all(standing_of(p).state == State.DUE for p in staff)
        mail.outbox.clear()
        with committed():
            call_command("agreements", "remind", "--school", school.slug)
        assert sorted(m.to[0] for m in mail.outbox) == [p.email for p in staff]
        assert all("Reminder" in m.subject for m in mail.outbox)
        first_round = list(mail.outbox)
        # Run again the same day: nobody is reminded twice within the interval.
        mail.outbox.clear()
        with committed():
            call_command("agreements", "remind", "--school", school.slug)
        assert mail.outbox == []
        token = _token(next(m for m in first_round if m.to == [staff[0].email]))
        services.signing_link_use(
            token=token, typed_name=staff[0].full_name, confirmed=True, ip=None, user_agent=""
        )
    with time_machine.travel(_at(2026, 10, 16), tick=False):
        past = people_past_grace(school)
        assert {p.pk for p, _ in past} == {staff[1].pk, staff[2].pk}
        assert "Staff acceptable-use agreement 2026.2 not signed" in past[0][1]
    assert AuditEntry.objects.filter(action="agreement_reminder.sent").count() == 3


def test_settings_are_validated_and_audited(school, headteacher):
    with pytest.raises(ServiceError) as refused:
        services.agreement_settings_update(
            actor=headteacher, school=school, fields={"grace_days": 400}
        )
    assert "grace_days" in refused.value.field_errors
    services.agreement_settings_update(
        actor=headteacher, school=school, fields={"grace_days": 7, "renewal_month": 8}
    )
    entry = AuditEntry.objects.get(action="agreement_settings.updated")
    assert entry.changes["grace_days"] == [14, 7]


def test_the_demo_loader_signs_most_people_and_adds_nothing_the_second_time(school):
    from warden.agreements.demo import load
    from warden.people.models import Guardianship, PersonType

    staff = [PersonFactory.create(school=school) for _ in range(10)]
    for _ in range(10):
        pupil = PupilFactory.create(school=school)
        parent = PersonFactory.create(school=school, person_type=PersonType.PARENT)
        Guardianship.objects.create(
            school=school, pupil=pupil, parent=parent, relationship="mother"
        )
    today = dt.date(2026, 12, 1)
    with time_machine.travel(_at(2026, 12, 1), tick=False):
        first = load(school=school, today=today, seed=1)
        assert first["agreements"] == len(Audience.values)
        assert first["signatures"] > 10
        assert load(school=school, today=today, seed=1) == {"agreements": 0, "signatures": 0}
        states = [standing_of(p).filter_key for p in staff]
        assert "current" in states


def test_the_daily_task_and_the_past_grace_command(school, capsys):
    from warden.agreements.tasks import send_reminders

    person = PersonFactory.create(school=school, email="due@example.org", last_name="Duesigner")
    with time_machine.travel(_at(2026, 10, 1), tick=False):
        published_version(school, Audience.STAFF)
        mail.outbox.clear()
        with committed():
            result = send_reminders.enqueue(school_slug=school.slug)
        assert result.return_value == 1
        assert mail.outbox[-1].to == [person.email]
    with time_machine.travel(_at(2026, 11, 1), tick=False):
        call_command("agreements", "past-grace", "--school", school.slug)
    out = capsys.readouterr().out
    assert "Duesigner" in out and "1 past the grace period" in out
    entry = AuditEntry.objects.filter(action="agreement_reminder.sent").get()
    assert (entry.via, entry.actor_label, entry.school) == ("task", "the worker", school)


def test_reminders_skip_a_parent_who_has_counter_signed_and_go_on_for_everyone_else(school):
    """A pupil still awaiting a counter-signature at the moment of the run (one recorded
    later) sends no link to the parent who gave it, and nobody else's reminder is lost."""
    first = PupilFactory.create(school=school)
    waiting = PupilFactory.create(school=school, year_group=first.year_group)
    with time_machine.travel(_at(2026, 10, 1, 9), tick=False):
        signature = sign_current(first, countersign=False)
        sign_current(waiting, countersign=False)
    first_parent, waiting_parent = parent_of(first), parent_of(waiting)
    with time_machine.travel(_at(2026, 10, 5, 9), tick=False):
        countersign_at_desk(signature, first_parent)
    # The run looks at 8:00 on 5 October, an hour before that counter-signature.
    with committed():
        result = services.reminders_send(school=school, at=_at(2026, 10, 5, 8))
    sent_to = {address for message in mail.outbox for address in message.to}
    assert first_parent.email not in sent_to
    assert waiting_parent.email in sent_to
    assert result.sent == 1
