"""The records area's tables: the data protection officer, subject access requests and the
retention schedule."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q

from warden.core.models import School, Trust, User
from warden.core.tenancy import SchoolScoped


class DpoContact(models.Model):
    """The data protection officer (UK GDPR Art. 37–39) a school names, or its trust names
    for every school without its own: often an external service. Named on every subject
    access request and every personal data breach (``selectors.dpo_for``).

    A trust-wide contact has no school, so the school-scoped manager never shows it;
    ``selectors.dpo_for`` reads both through ``everywhere``, filtered by the one school."""

    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=200, help_text="The officer's name, or the service's.")
    email = models.EmailField("E-mail")
    phone = models.CharField(max_length=40, blank=True)
    organisation = models.CharField(
        max_length=200, blank=True, help_text="The firm or service, when the DPO is external."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = SchoolScoped["DpoContact"]()
    everywhere = models.Manager["DpoContact"]()

    class Meta:
        verbose_name = "DPO contact"
        constraints = [
            models.UniqueConstraint(
                fields=["school"], condition=Q(school__isnull=False), name="dpo_one_per_school"
            ),
            models.UniqueConstraint(
                fields=["trust"], condition=Q(school__isnull=True), name="dpo_one_per_trust"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})" if self.organisation else self.name


class ReceivedVia(models.TextChoices):
    EMAIL = "email", "E-mail"
    LETTER = "letter", "Letter"
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Telephone (confirmed in writing)"
    OTHER = "other", "Other"


class SarStatus(models.TextChoices):
    RECEIVED = "received", "Received: identity to check"
    IDENTITY_CHECKED = "identity_checked", "Identity checked: bundle to generate"
    GENERATED = "generated", "Bundle generated: to review"
    REVIEWED = "reviewed", "Reviewed: to release"
    RELEASED = "released", "Released"


OPEN_SAR_STATUSES = (
    SarStatus.RECEIVED,
    SarStatus.IDENTITY_CHECKED,
    SarStatus.GENERATED,
    SarStatus.REVIEWED,
)


class SubjectAccessRequest(models.Model):
    """A request by or for a person in the register to see what the school holds about
    them (UK GDPR Art. 15). Answered within one calendar month of receipt, which may be
    extended by two further months with a reason (Art. 12(3)). The identity of the person
    asking is checked before anything is generated; the generated sections are kept here
    so the reviewer reviews exactly what is released. An open request holds its subject's
    records from retention."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="subject_access_requests"
    )
    requester = models.CharField(
        "Who asked",
        max_length=200,
        help_text="The person asking and how they relate to the subject (\"the pupil's "
        'mother", "the member of staff themselves").',
    )
    received_via = models.CharField("How received", max_length=20, choices=ReceivedVia.choices)
    received_on = models.DateField("Received on")
    due_on = models.DateField()
    extended_to = models.DateField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=SarStatus.choices, default=SarStatus.RECEIVED)
    identity_method = models.CharField("How identity was checked", max_length=300, blank=True)
    identity_checked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    identity_checked_at = models.DateTimeField(null=True, blank=True)
    sections = models.JSONField(default=list, blank=True)
    excluded = models.JSONField(
        default=dict,
        blank=True,
        help_text='Items left out of the release: {"<section>/<row>": reason}.',
    )
    generated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    generated_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    released_via = models.CharField("How released", max_length=200, blank=True)
    logged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped["SubjectAccessRequest"]()

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["school", "status", "due_on"], name="records_sar_due"),
            models.Index(fields=["school", "person"], name="records_sar_person"),
        ]

    def __str__(self) -> str:
        return f"SAR-{self.pk}"

    @property
    def reference(self) -> str:
        return f"SAR-{self.pk}"

    @property
    def deadline(self) -> dt.date:
        return self.extended_to or self.due_on

    @property
    def is_open(self) -> bool:
        return self.status != SarStatus.RELEASED


class RetentionSetting(models.Model):
    """A school's own period for one record type, replacing the default rule's."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    record_type = models.CharField(max_length=60)
    months = models.PositiveSmallIntegerField()
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped["RetentionSetting"]()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "record_type"], name="records_retention_setting_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.record_type}: {self.months} months"


class RunStatus(models.TextChoices):
    PROPOSED = "proposed", "Awaiting approval"
    APPROVED = "approved", "Approved and carried out"
    CANCELLED = "cancelled", "Cancelled"


class RetentionRun(models.Model):
    """One pass of the retention schedule at a school: what was found past its rule and what
    was held back (``found``, by record type), then, once the SIRO approves it, what was
    removed (``removed``: counts by record type)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.PROPOSED)
    found_at = models.DateTimeField()
    found_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    found = models.JSONField(default=dict)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    removed = models.JSONField(default=dict, blank=True)

    objects = SchoolScoped["RetentionRun"]()

    class Meta:
        ordering = ["-found_at", "-pk"]
        indexes = [models.Index(fields=["school", "status"], name="records_run_status")]

    def __str__(self) -> str:
        return f"Retention run {self.pk}"

    @property
    def due_count(self) -> int:
        return sum(sum(c["count"] for c in entry["due"]) for entry in self.found.values())

    @property
    def removed_count(self) -> int:
        return sum(self.removed.values())
