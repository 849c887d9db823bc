"""The policy register: versions and approval, reviews brought forward, reminders, the home
pages of the headteacher and governors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from warden.agreements.models import Audience
from warden.agreements.testing import published_version
from warden.core.errors import ServiceError
from warden.governance.models import Policy, PolicyKind, TriggerKind
from warden.governance.services import policies
from warden.governance.tasks import policy_reviews
from warden.incidents.models import IncidentKind
from warden.incidents.services.incidents import incident_report, incident_set_severity

pytestmark = pytest.mark.django_db


def _policy(school, kind=PolicyKind.E_SAFETY, owner=None, title="E-safety policy") -> Policy:
    return policies.policy_create(actor=None, school=school, kind=kind, title=title, owner=owner)


def _approve(policy, days_ago: int, **kwargs):
    return policies.version_create(
        actor=None,
        policy=policy,
        label="2025",
        text="The school's e-safety policy.",
        approved_on=timezone.localdate() - dt.timedelta(days=days_ago),
        minute_reference="FGB 12 item 4",
        **kwargs,
    )


def test_an_approved_version_sets_the_review_a_year_later(school):
    policy = _policy(school)
    version = _approve(policy, days_ago=10)
    policy.refresh_from_db()
    assert policy.next_review_on == version.approved_on.replace(year=version.approved_on.year + 1)


def test_an_approval_without_its_minute_is_refused(school):
    policy = _policy(school)
    with pytest.raises(ServiceError) as refused:
        policies.version_create(
            actor=None,
            policy=policy,
            label="2026",
            text="Words.",
            approved_on=timezone.localdate(),
        )
    assert "minute_reference" in refused.value.field_errors


def test_the_overdue_review_shows_on_the_governors_home_page_without_names(
    school, governor, headteacher, client_for
):
    policy = _policy(school, owner=headteacher)
    _approve(policy, days_ago=400)
    page = client_for(governor).get(reverse("core:dashboard"))
    body = page.content.decode()
    assert "Policy reviews overdue" in body and "E-safety policy" in body
    assert headteacher.get_full_name() not in body
    register = client_for(governor).get(reverse("governance:policy_list")).content.decode()
    assert "Review overdue" in register and headteacher.get_full_name() not in register
    head = client_for(headteacher).get(reverse("core:dashboard")).content.decode()
    assert "Policy reviews overdue" in head


def test_a_reviewed_policy_leaves_the_home_page(school, governor, client_for):
    policy = _policy(school)
    _approve(policy, days_ago=400)
    _approve(policy, days_ago=1)
    page = client_for(governor).get(reverse("core:dashboard")).content.decode()
    assert "Policy reviews overdue" not in page


def test_a_data_breach_brings_the_data_protection_review_forward(school, headteacher):
    policy = _policy(school, kind=PolicyKind.DATA_PROTECTION, title="Data protection policy")
    _approve(policy, days_ago=30)
    incident_report(
        actor=headteacher,
        school=school,
        kind=IncidentKind.DATA_BREACH,
        title="Spreadsheet e-mailed to the wrong parent",
        description="A list of pupils was sent outside the school.",
        notify=False,
    )
    policy.refresh_from_db()
    assert policy.next_review_on == timezone.localdate()
    assert policy.triggers.get().kind == TriggerKind.DATA_BREACH


def test_a_severe_incident_brings_the_e_safety_review_forward_once(school, headteacher):
    policy = _policy(school)
    _approve(policy, days_ago=30)
    incident = incident_report(
        actor=headteacher,
        school=school,
        kind=IncidentKind.CYBERBULLYING,
        title="Messages in a class chat",
        description="Repeated messages.",
        notify=False,
    )
    incident_set_severity(actor=headteacher, incident=incident, severity="severe")
    policy_reviews.call()
    policy_reviews.call()
    policy.refresh_from_db()
    assert policy.next_review_on == timezone.localdate()
    assert policy.triggers.count() == 1


def test_the_owner_is_reminded_once_30_days_before(
    school, headteacher, django_capture_on_commit_callbacks
):
    policy = _policy(school, owner=headteacher)
    _approve(policy, days_ago=300)
    assert policies.review_reminders_send(school=school) == 0
    _approve(policy, days_ago=340)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert policies.review_reminders_send(school=school) == 1
    assert policies.review_reminders_send(school=school) == 0
    assert len(mail.outbox) == 1 and "review" in mail.outbox[0].subject


def test_a_version_is_uploaded_and_linked_to_the_agreement(school, headteacher, client_for):
    policy = _policy(school, kind=PolicyKind.ACCEPTABLE_USE, title="Acceptable use policy")
    agreement = published_version(school, Audience.STAFF)
    client = client_for(headteacher)
    document = SimpleUploadedFile("aup.pdf", b"%PDF-1.4 policy", content_type="application/pdf")
    response = client.post(
        reverse("governance:version_create", kwargs={"policy_pk": policy.pk}),
        {
            "label": "2026",
            "document": document,
            "approving_body": "fgb",
            "approved_on": timezone.localdate().isoformat(),
            "minute_reference": "FGB 3",
        },
    )
    assert response.status_code == 302
    version = policy.versions.get()
    assert version.document_name == "aup.pdf"
    url = reverse("governance:version_detail", kwargs={"policy_version_pk": version.pk})
    assert client.post(url, {"agreement_versions": [agreement.pk]}).status_code == 302
    assert list(version.agreement_versions.all()) == [agreement]
    assert str(agreement) in client.get(url).content.decode()


def test_a_document_of_the_wrong_type_is_refused_with_what_to_do(school, headteacher, client_for):
    policy = _policy(school)
    response = client_for(headteacher).post(
        reverse("governance:version_create", kwargs={"policy_pk": policy.pk}),
        {
            "label": "2026",
            "document": SimpleUploadedFile("policy.exe", b"MZ"),
            "approving_body": "fgb",
        },
    )
    assert response.status_code == 400
    assert "Upload a PDF, DOCX" in response.content.decode()
    assert not policy.versions.exists()


def test_a_teacher_cannot_read_the_register(school, teacher, client_for):
    assert client_for(teacher).get(reverse("governance:policy_list")).status_code == 403


def test_a_change_of_law_brings_the_review_forward_by_hand(school, headteacher, client_for):
    policy = _policy(school)
    _approve(policy, days_ago=30)
    url = reverse("governance:trigger_create", kwargs={"policy_pk": policy.pk})
    client = client_for(headteacher)
    refused = client.post(url, {"kind": "change_of_law", "reason": ""})
    assert refused.status_code == 400
    assert client.post(url, {"kind": "change_of_law", "reason": "New KCSIE"}).status_code == 302
    policy.refresh_from_db()
    assert policy.next_review_on == timezone.localdate()
    page = client.get(reverse("governance:policy_list")).content.decode()
    assert "Review brought forward" in page


def test_the_owner_and_review_date_are_changed(school, headteacher, client_for):
    policy = _policy(school)
    day = timezone.localdate() + dt.timedelta(days=90)
    response = client_for(headteacher).post(
        reverse("governance:policy_edit", kwargs={"policy_pk": policy.pk}),
        {
            "policy-owner": headteacher.pk,
            "policy-approving_body": "committee",
            "policy-next_review_on": day.isoformat(),
        },
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.owner, policy.approving_body, policy.next_review_on) == (
        headteacher,
        "committee",
        day,
    )
