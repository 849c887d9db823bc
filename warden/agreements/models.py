"""Acceptable-use agreements: documents per audience, their versions, and signatures.

A published version's text never changes, so a signature can always show the exact words
that were agreed to (its SHA-256 is kept with the signature). Who must sign what, and when
a signature stops counting, is decided in ``rules.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, ClassVar

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from warden.core.models import School, User
from warden.core.tenancy import SchoolScoped
from warden.people.models import Person


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Audience(models.TextChoices):
    STAFF = "staff", "Staff"
    PUPIL_EYFS_KS1 = "pupil_eyfs_ks1", "Pupils (EYFS and Key Stage 1)"
    PUPIL_KS2 = "pupil_ks2", "Pupils (Key Stage 2)"
    PUPIL_KS3 = "pupil_ks3", "Pupils (Key Stage 3)"
    PUPIL_KS4 = "pupil_ks4", "Pupils (Key Stage 4 and sixth form)"
    PARENT = "parent", "Parents and carers"
    GOVERNOR_VISITOR = "governor_visitor", "Governors and visitors"
    SUPPLY = "supply", "Supply staff"
    COMMUNITY = "community", "Community users"
    DEVICE_LOAN = "device_loan", "Device loan"


PUPIL_AUDIENCES = frozenset(
    {Audience.PUPIL_EYFS_KS1, Audience.PUPIL_KS2, Audience.PUPIL_KS3, Audience.PUPIL_KS4}
)


class AgreementSettings(models.Model):
    """A school's renewal date, grace period and link lifetime (one row per school)."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="+")
    renewal_month = models.PositiveSmallIntegerField(
        default=9, help_text="Signatures expire each year on this date (month 1–12)."
    )
    renewal_day = models.PositiveSmallIntegerField(default=1, help_text="Day of the month.")
    renewal_enabled = models.BooleanField(
        default=True, help_text="Staff re-sign the agreement each year; untick only with SLT's say."
    )
    grace_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days after a signature falls due before access is suspended."
    )
    link_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days a signing link stays valid."
    )
    reminder_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days between reminders to the same person."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped()

    def __str__(self) -> str:
        return f"Agreement settings for {self.school}"


class Agreement(models.Model):
    """One acceptable-use document for one audience at a school; its text lives in versions."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="agreements")
    audience = models.CharField(max_length=20, choices=Audience.choices)
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["school_id", "audience"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "audience"], name="agreements_one_per_audience"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_pupil(self) -> bool:
        return self.audience in PUPIL_AUDIENCES


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PublishedTextChanged(Exception):
    """Raised by the model itself: a published version's words are fixed."""


class PublishedText(models.Model):
    """Words people answer to, numbered, drafted then published, and fixed once published:
    an agreement's version here, a consent purpose's text in the consent area."""

    number = models.PositiveIntegerField()
    label = models.CharField(max_length=40, help_text="Shown after the title, e.g. 2026.")
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    change_note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    # Fields besides the words that may never change once published (the parent, a flag).
    frozen_also: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The last line of defence behind the services: whatever calls save(), a published
        # version keeps the words people answered.
        self.sha256 = text_sha256(self.text)
        if self.pk is not None:
            fixed = ("text", "sha256", "label", "number", *self.frozen_also)
            stored = type(self)._default_manager.filter(pk=self.pk).values(*fixed, "status")
            row = stored.first()
            if (
                row is not None
                and row["status"] == VersionStatus.PUBLISHED
                and (
                    row["status"] != self.status
                    or any(row[name] != getattr(self, name) for name in fixed)
                )
            ):
                raise PublishedTextChanged(
                    f"{self} is published; its text cannot change. Write a new version."
                )
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class AgreementVersion(PublishedText):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="versions")
    requires_resign = models.BooleanField(
        default=False, help_text="Everyone must sign this version, whatever they signed before."
    )

    frozen_also = ("agreement_id", "requires_resign")

    objects = SchoolScoped()

    class Meta:
        ordering = ["agreement_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"], name="agreements_version_number"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="agreements_published_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["agreement", "status", "number"], name="agreements_ver_status"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.title} {self.label}"


class Method(models.TextChoices):
    LINK = "link", "Signing link (e-mail or QR code)"
    DESK = "desk", "At a desk, in person"
    PAPER = "paper", "Paper form (scan kept)"


def _scan_path(instance: Signature, filename: str) -> str:
    return f"agreements/scans/{instance.school_id}/{instance.sha256_prefix()}-{filename}"


# The renewal period of every signature at a school without yearly renewal.
NO_RENEWAL_PERIOD = dt.date(2000, 1, 1)


class Signature(models.Model):
    """One person's agreement to one exact version, or a parent's counter-signature of it.

    A counter-signature has ``counter_signs`` set to the pupil's signature; the pupil's
    signature counts only once one exists from a parent with parental responsibility.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="signatures")
    version = models.ForeignKey(
        AgreementVersion, on_delete=models.PROTECT, related_name="signatures"
    )
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="signatures")
    text_sha256 = models.CharField("SHA-256 of the text signed", max_length=64)
    counter_signs = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="counter_signatures",
    )
    typed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    method = models.CharField(max_length=10, choices=Method.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scan = models.FileField(upload_to=_scan_path, blank=True)
    scan_sha256 = models.CharField(max_length=64, blank=True)
    scan_name = models.CharField(max_length=200, blank=True)
    # The renewal year the signature counts in: the school's last renewal date on or before
    # it was made (NO_RENEWAL_PERIOD when the school has no yearly renewal). One signature
    # per person, version and period (AUP-03). Empty for device loan agreements, signed
    # afresh with each loan, and for repeats recorded before the rule.
    renewal_period = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-signed_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "agreement", "person"], name="agreements_sig_lookup"),
            models.Index(fields=["person", "signed_at"], name="agreements_sig_person"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(method="paper") | ~Q(scan_sha256=""),
                name="agreements_paper_has_scan",
            ),
            models.UniqueConstraint(
                fields=["person", "version", "renewal_period"],
                condition=Q(counter_signs__isnull=True),
                name="agreements_one_signature_per_period",
            ),
            models.UniqueConstraint(
                fields=["person", "counter_signs", "renewal_period"],
                condition=Q(counter_signs__isnull=False),
                name="agreements_one_countersignature",
            ),
        ]

    def __str__(self) -> str:
        kind = "Counter-signature" if self.counter_signs_id else "Signature"
        return f"{kind} of {self.version} by {self.typed_name}"

    def sha256_prefix(self) -> str:
        return (self.scan_sha256 or "0" * 12)[:12]

    @property
    def is_counter_signature(self) -> bool:
        return self.counter_signs_id is not None


class OneTimeLinkRecord(models.Model):
    """What every one-time link (``agreements.links``) keeps: its token's hash, when it
    expires and was used, and who made it; each area's link adds what it is for."""

    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]


class SigningLink(OneTimeLinkRecord):
    """A one-time link to sign (or counter-sign) one version; only the token's hash is kept."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="signing_links")
    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT, related_name="+")
    counter_signs = models.ForeignKey(
        Signature, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    delivery = models.CharField(max_length=10, choices=[("email", "E-mail"), ("sheet", "QR sheet")])
    sent_to = models.EmailField(blank=True)
    signature = models.ForeignKey(
        Signature, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta(OneTimeLinkRecord.Meta):
        indexes = [models.Index(fields=["person", "version"], name="agreements_link_person")]

    def __str__(self) -> str:
        what = "counter-sign" if self.counter_signs_id else "sign"
        return f"Link to {what} {self.version} for {self.person}"


class StandingState(models.TextChoices):
    """Where someone stands with their agreement (``rules.standings`` decides which)."""

    CURRENT = "current", "Current"
    COUNTERSIGN = "countersign", "Counter-signature missing"  # no parent counter-signed yet
    DUE = "due", "Due"
    UNAVAILABLE = "unavailable", "No agreement to sign"  # nothing the person could sign yet


# The status lists filter and count by: a state, or this once the grace period has passed.
PAST_GRACE = "past_grace"


def standing_label(state: str, past_grace: bool) -> str:
    """A standing in the words pages show it in."""
    if past_grace and state == StandingState.COUNTERSIGN:
        return "Past grace period: counter-signature missing"
    if past_grace:
        return "Past grace period"
    return StandingState(state).label


def standing_badge(state: str, past_grace: bool) -> str:
    """The badge style pages show a standing in."""
    if past_grace:
        return "danger"
    return {
        StandingState.CURRENT: "ok",
        StandingState.DUE: "warning",
        StandingState.COUNTERSIGN: "warning",
    }.get(StandingState(state), "")


class StoredStandingQuerySet(models.QuerySet["StoredStanding"]):
    def at(self, moment: dt.datetime) -> StoredStandingQuerySet:
        """Each row as ``rules.standings`` would answer at ``moment``, worked out in SQL.

        Annotates ``renewed`` (the renewal date has passed since the row was computed),
        ``now_state``, ``now_reason``, ``now_due_since``, ``now_grace_ends`` and ``status``:
        ``PAST_GRACE`` once the grace period has ended, else the state.
        """
        renewed = Q(next_renewal__lte=moment)

        def now(field: str) -> Case:
            return Case(When(renewed, then=F(f"{field}_after")), default=F(field))

        return self.annotate(
            renewed=Case(When(renewed, then=Value(True)), default=Value(False)),
            now_state=now("state"),
            now_reason=now("reason"),
            now_due_since=now("due_since"),
            now_grace_ends=now("grace_ends"),
            status=Case(
                When(past_grace_q(moment), then=Value(PAST_GRACE)),
                default=F("now_state"),
                output_field=models.CharField(),
            ),
        )

    def past_grace(self, moment: dt.datetime) -> StoredStandingQuerySet:
        return self.filter(past_grace_q(moment))


def past_grace_q(moment: dt.datetime) -> Q:
    """Rows whose grace period has ended by ``moment``, as plain comparisons an index serves
    (the grace end after the renewal date once that date has passed)."""
    before_renewal = Q(next_renewal__isnull=True) | Q(next_renewal__gt=moment)
    return (before_renewal & Q(grace_ends__lte=moment)) | Q(
        next_renewal__lte=moment, grace_ends_after__lte=moment
    )


class StoredStanding(models.Model):
    """One person's standing with their agreement, kept so lists and counts read it with
    one indexed query instead of working it out from every signature.

    Derived state: ``services.standings_refresh`` writes it from ``rules.standings`` (the
    rule itself) whenever a service changes a standing, and the schedule recomputes every
    school daily. It stays right as time passes without a refresh: "past grace" compares
    ``grace_ends`` with now, and from ``next_renewal`` (the next renewal date, when no
    signature held now counts any more) the row reads as its ``*_after`` values, which are
    the rule's answer at that date. ``StoredStandingQuerySet.at`` does both in SQL. A
    person who has left drops out at read time by their leaving date.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="stored_standing")
    audience = models.CharField(max_length=20, choices=Audience.choices, blank=True)
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=20, choices=StandingState.choices)
    reason = models.TextField(blank=True)
    # The counting signature, or the pupil's one awaiting a parent.
    signature = models.ForeignKey(
        Signature, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_since = models.DateTimeField(null=True, blank=True)
    grace_ends = models.DateTimeField(null=True, blank=True)
    # Empty when nothing changes at the next renewal date (no yearly renewal, nothing to sign).
    next_renewal = models.DateTimeField(null=True, blank=True)
    state_after = models.CharField(max_length=20, choices=StandingState.choices, blank=True)
    reason_after = models.TextField(blank=True)
    due_since_after = models.DateTimeField(null=True, blank=True)
    grace_ends_after = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    objects = SchoolScoped.from_queryset(StoredStandingQuerySet)()

    class Meta:
        indexes = [
            models.Index(fields=["school", "state"], name="agreements_std_state"),
            models.Index(fields=["school", "audience", "state"], name="agreements_std_audience"),
            models.Index(fields=["school", "grace_ends"], name="agreements_std_grace"),
            models.Index(
                fields=["school", "next_renewal", "grace_ends_after"], name="agreements_std_renewal"
            ),
        ]

    def __str__(self) -> str:
        return f"Agreement standing of {self.person}: {self.state}"

    # What a row read through ``StoredStandingQuerySet.at`` says now (its annotations are
    # invisible to the type checker, hence getattr).

    @property
    def past_grace(self) -> bool:
        return getattr(self, "status", None) == PAST_GRACE

    @property
    def state_label(self) -> str:
        return standing_label(getattr(self, "now_state", self.state), self.past_grace)

    @property
    def badge(self) -> str:
        return standing_badge(getattr(self, "now_state", self.state), self.past_grace)

    @property
    def shown_signature(self) -> Signature | None:
        """The signature that counts (or awaits a parent) now: none after the renewal date."""
        return None if getattr(self, "renewed", False) else self.signature

    @property
    def past_grace_reason(self) -> str:
        """Why the person is past the grace period, and since when (the suspension reason)."""
        ends: dt.datetime | None = getattr(self, "now_grace_ends", None)
        reason = getattr(self, "now_reason", self.reason)
        return f"{reason}; grace period ended {timezone.localtime(ends):%d/%m/%Y}" if ends else ""


class Reminder(models.Model):
    """A reminder e-mailed to someone who is due to sign, so they are not sent one daily."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, related_name="+")
    sent_to = models.EmailField()
    sent_at = models.DateTimeField()

    objects = SchoolScoped()

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["person", "version", "sent_at"], name="agreements_rem")]

    def __str__(self) -> str:
        return f"Reminder to {self.person} for {self.version}"
