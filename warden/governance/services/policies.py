"""The policy register: policies, their approved versions, review triggers and reminders.

Policy duty "Policy approved and reviewed every year" (docs/policy-map.md): the policy is
reviewed every year, or sooner after serious incidents; governors approve it (the minute
recording the approval is kept) and set the next review.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename

from warden.agreements.models import AgreementVersion, VersionStatus
from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.links import absolute_url
from warden.core.models import School, User
from warden.core.selectors import operators_at
from warden.core.tasks import send_email_on_commit
from warden.core.uploads import Scan
from warden.governance.models import (
    ApprovingBody,
    Policy,
    PolicyKind,
    PolicyVersion,
    ReviewTrigger,
    TriggerKind,
)
from warden.governance.selectors import REMINDER_DAYS
from warden.governance.starters import STARTER_POLICIES
from warden.incidents.models import Incident, IncidentKind, Severity
from warden.incidents.rules import add_months

# A review falls due a year after approval unless the approval says otherwise (policy duty
# "Policy approved and reviewed every year").
REVIEW_MONTHS = 12
DOCUMENT_TYPES = {".pdf", ".docx", ".odt", ".doc", ".rtf", ".txt"}
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
# Which policies an incident brings forward: a severe incident the e-safety policy, a data
# breach the data protection policy.
SEVERE_BRINGS_FORWARD = PolicyKind.E_SAFETY
BREACH_BRINGS_FORWARD = PolicyKind.DATA_PROTECTION


def read_document(upload: UploadedFile) -> Scan:
    """An uploaded policy document, checked for type and size."""
    name = get_valid_filename(os.path.basename(upload.name or "policy"))
    if os.path.splitext(name)[1].lower() not in DOCUMENT_TYPES:
        raise ServiceError(
            "Upload the policy as a PDF, Word, OpenDocument, RTF or text file.",
            field_errors={"document": ["Upload a PDF, DOCX, ODT, DOC, RTF or TXT file."]},
        )
    if (upload.size or 0) > DOCUMENT_MAX_BYTES:
        raise ServiceError(
            "The document is larger than 20 MB; save it without embedded images.",
            field_errors={"document": ["Keep the file under 20 MB."]},
        )
    return Scan(name=name, content=b"".join(upload.chunks()))


def _check_owner(school: School, owner: User | None) -> None:
    if owner is not None and not operators_at(school).filter(pk=owner.pk).exists():
        raise ServiceError(
            f"{owner.get_full_name() or owner.username} has no role at {school.name}; choose "
            "someone who works there.",
            field_errors={"owner": ["Choose a Warden user of this school."]},
        )


@transaction.atomic
def policy_create(
    *,
    actor: User | None,
    school: School,
    kind: str,
    title: str,
    owner: User | None = None,
    approving_body: str = ApprovingBody.FULL_GOVERNING_BODY,
) -> Policy:
    """Add a policy to the register; its words come with its first version."""
    title = title.strip()
    if not title:
        raise ServiceError("Give the policy a title.", field_errors={"title": ["Enter a title."]})
    if kind not in PolicyKind.values:
        raise ServiceError(f"{kind!r} is not a kind of policy Warden knows.")
    if approving_body not in ApprovingBody.values:
        raise ServiceError(f"{approving_body!r} is not an approving body Warden knows.")
    if Policy.objects.filter(school=school, title__iexact=title).exists():
        raise ServiceError(
            f"{school.name} already has a policy called “{title}”; add a version to it instead.",
            field_errors={"title": ["A policy with this title exists."]},
        )
    _check_owner(school, owner)
    policy = Policy.objects.create(
        school=school, kind=kind, title=title, owner=owner, approving_body=approving_body
    )
    audit_log(actor=actor, action="policy.created", obj=policy, changes=diff({}, snapshot(policy)))
    return policy


@transaction.atomic
def starter_policies_install(*, actor: User | None, school: School) -> int:
    """Add the starter policies the school does not have yet; returns how many."""
    have = set(Policy.objects.filter(school=school).values_list("title", flat=True))
    added = 0
    for kind, title, body in STARTER_POLICIES:
        if title not in have:
            policy_create(actor=actor, school=school, kind=kind, title=title, approving_body=body)
            added += 1
    return added


@transaction.atomic
def policy_update(
    *,
    actor: User | None,
    policy: Policy,
    owner: User | None,
    approving_body: str,
    next_review_on: dt.date | None,
) -> Policy:
    """Change a policy's owner, approving body or next review date."""
    if approving_body not in ApprovingBody.values:
        raise ServiceError(f"{approving_body!r} is not an approving body Warden knows.")
    _check_owner(policy.school, owner)
    before = snapshot(policy)
    policy.owner = owner
    policy.approving_body = approving_body
    if next_review_on != policy.next_review_on:
        policy.next_review_on = next_review_on
        policy.reminded_for = None
    policy.save()
    audit_log(
        actor=actor, action="policy.updated", obj=policy, changes=diff(before, snapshot(policy))
    )
    return policy


@transaction.atomic
def version_create(
    *,
    actor: User | None,
    policy: Policy,
    label: str,
    text: str = "",
    document: Scan | None = None,
    approved_on: dt.date | None = None,
    minute_reference: str = "",
    approving_body: str = "",
    next_review_on: dt.date | None = None,
) -> PolicyVersion:
    """Add a version of a policy: its words typed or uploaded, and its approval (the date and
    the minute that records it). An approved version sets the next review (a year later
    unless given) and settles whatever brought the review forward."""
    errors: dict[str, list[str]] = {}
    if not label.strip():
        errors["label"] = ["Give the version a label people will recognise, e.g. 2026."]
    if not text.strip() and document is None:
        errors["text"] = ["Type the policy's text or upload its document."]
    if approved_on is not None and not minute_reference.strip():
        errors["minute_reference"] = ["Give the minute that records the approval."]
    today = timezone.localdate()
    if approved_on is not None and approved_on > today:
        errors["approved_on"] = ["An approval date cannot be in the future."]
    if next_review_on is not None and approved_on is not None and next_review_on <= approved_on:
        errors["next_review_on"] = ["The next review falls after the approval."]
    if errors:
        raise ServiceError(
            "Check the version: " + " ".join(e[0] for e in errors.values()), field_errors=errors
        )
    body = approving_body or policy.approving_body
    if body not in ApprovingBody.values:
        raise ServiceError(f"{body!r} is not an approving body Warden knows.")
    number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PolicyVersion(
        school=policy.school,
        policy=policy,
        number=number,
        label=label.strip()[:40],
        text=text.strip(),
        approving_body=body,
        approved_on=approved_on,
        minute_reference=minute_reference.strip()[:100],
        created_by=actor,
    )
    if document is not None:
        version.document_sha256 = hashlib.sha256(document.content).hexdigest()
        version.document_name = document.name[:200]
        version.document.save(document.name, ContentFile(document.content), save=False)
    version.save()
    audit_log(
        actor=actor,
        action="policy_version.created",
        obj=version,
        changes=diff({}, snapshot(version)),
    )
    if approved_on is not None:
        before = snapshot(policy)
        policy.approving_body = body
        policy.next_review_on = next_review_on or add_months(approved_on, REVIEW_MONTHS)
        policy.reminded_for = None
        policy.save()
        ReviewTrigger.objects.filter(policy=policy, resolved_by__isnull=True).update(
            resolved_by=version
        )
        audit_log(
            actor=actor, action="policy.updated", obj=policy, changes=diff(before, snapshot(policy))
        )
    return version


@transaction.atomic
def version_link_agreements(
    *, actor: User | None, version: PolicyVersion, agreement_versions: Iterable[AgreementVersion]
) -> PolicyVersion:
    """Say which published acceptable-use agreement versions put this policy version into
    practice (they must be the school's own, and published)."""
    chosen = list(agreement_versions)
    for found in chosen:
        if found.school_id != version.school_id or found.status != VersionStatus.PUBLISHED:
            raise ServiceError(
                f"{found} is not a published agreement version of {version.school.name}.",
                field_errors={"agreement_versions": ["Choose published versions only."]},
            )
    before = sorted(version.agreement_versions.values_list("pk", flat=True))
    version.agreement_versions.set(chosen)
    after = sorted(v.pk for v in chosen)
    audit_log(
        actor=actor,
        action="policy_version.linked",
        obj=version,
        changes={"agreement_versions": [before, after]},
    )
    return version


@transaction.atomic
def review_bring_forward(
    *,
    actor: User | None,
    policy: Policy,
    kind: str,
    reason: str,
    incident: Incident | None = None,
    on: dt.date | None = None,
) -> ReviewTrigger | None:
    """Record what brings a policy's review forward, and make the review due on that day
    (or keep an earlier date). An incident brings a policy forward once; None when it
    already had."""
    if kind not in TriggerKind.values:
        raise ServiceError(f"{kind!r} is not a reason Warden knows.")
    reason = reason.strip()
    if not reason:
        raise ServiceError(
            "Say why the review is brought forward (the incident, the breach, the new law).",
            field_errors={"reason": ["Say why."]},
        )
    if (
        incident is not None
        and ReviewTrigger.objects.filter(policy=policy, incident=incident).exists()
    ):
        return None
    day = on or timezone.localdate()
    trigger = ReviewTrigger.objects.create(
        school=policy.school,
        policy=policy,
        kind=kind,
        reason=reason[:300],
        incident=incident,
        recorded_at=timezone.now(),
        recorded_by=actor,
    )
    before = snapshot(policy)
    if policy.next_review_on is None or policy.next_review_on > day:
        policy.next_review_on = day
        policy.reminded_for = None
        policy.save()
    audit_log(
        actor=actor,
        action="policy_review.brought_forward",
        obj=policy,
        changes={**diff(before, snapshot(policy)), "reason": [None, trigger.reason]},
    )
    return trigger


def incident_brings_forward(*, incident: Incident, actor: User | None) -> int:
    """Bring forward the reviews a severe incident (the e-safety policy) or a data breach
    (the data protection policy) calls for; returns how many were brought forward."""
    kinds: list[tuple[str, str, str]] = []
    if incident.severity == Severity.SEVERE:
        kinds.append((SEVERE_BRINGS_FORWARD, TriggerKind.SEVERE_INCIDENT, "A severe incident"))
    if incident.kind == IncidentKind.DATA_BREACH:
        kinds.append((BREACH_BRINGS_FORWARD, TriggerKind.DATA_BREACH, "A data breach"))
    brought = 0
    for policy_kind, trigger_kind, words in kinds:
        for policy in Policy.objects.filter(school=incident.school_id, kind=policy_kind):
            reported = timezone.localdate(incident.reported_at)
            trigger = review_bring_forward(
                actor=actor,
                policy=policy,
                kind=trigger_kind,
                reason=f"{words} was reported on {reported:%d/%m/%Y} ({incident.reference}).",
                incident=incident,
            )
            brought += trigger is not None
    return brought


@transaction.atomic
def incidents_bring_forward(*, school: School, since: dt.datetime) -> int:
    """The daily run: every incident reported, or graded severe, since ``since`` that is
    severe or a data breach brings its policy's review forward (once each). The incident
    log sends no signal when an incident is graded, so a severe grading is found here; a
    data breach is also brought forward the moment it is reported (``receivers``)."""
    brought = 0
    found = Incident.objects.filter(
        Q(severity=Severity.SEVERE) | Q(kind=IncidentKind.DATA_BREACH),
        Q(reported_at__gte=since) | Q(severity_set_at__gte=since),
        school=school,
    )
    for incident in found.order_by("reported_at"):
        brought += incident_brings_forward(incident=incident, actor=None)
    return brought


@transaction.atomic
def review_reminders_send(*, school: School, today: dt.date | None = None) -> int:
    """E-mail each policy's owner once, ``REMINDER_DAYS`` before its review falls due (or at
    once when it is brought forward into those days); returns how many were sent."""
    today = today or timezone.localdate()
    due = Policy.objects.filter(
        school=school,
        next_review_on__isnull=False,
        next_review_on__lte=today + dt.timedelta(days=REMINDER_DAYS),
        owner__isnull=False,
    ).select_related("owner")
    sent = 0
    for policy in due:
        if policy.reminded_for == policy.next_review_on or policy.owner is None:
            continue
        if not policy.owner.email or not policy.owner.is_active:
            continue
        assert policy.next_review_on is not None
        when = (
            "was due" if policy.next_review_on < today else "falls due"
        ) + f" on {policy.next_review_on:%d/%m/%Y}"
        send_email_on_commit(
            subject=f"{policy.title}: review {when}",
            body=(
                f"The review of {policy.title} at {school.name} {when}.\n\n"
                "Review the policy, have it approved and record the new version, with the "
                "minute of its approval, in the policy register:\n"
                f"{absolute_url(reverse('governance:policy_detail', args=[policy.pk]))}\n"
            ),
            to=[policy.owner.email],
        )
        policy.reminded_for = policy.next_review_on
        policy.save(update_fields=["reminded_for"])
        audit_log(
            actor=None,
            action="policy_review.reminded",
            obj=policy,
            changes={"next_review_on": [None, policy.next_review_on.isoformat()]},
        )
        sent += 1
    return sent
