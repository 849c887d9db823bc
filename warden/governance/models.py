"""Governance: the policy register and its reviews, staff training, the annual filtering and
monitoring review, and the communications matrix.

Policy duties "Policy approved and reviewed every year" (governors approve it and set the
next review date; it is reviewed sooner after serious incidents), "Staff trained in IT
security at induction" and "Governors take IT security training", "Communications matrix
set by the school" (docs/policy-map.md), and the DfE's filtering and monitoring standards
(an annual review of the provision, recorded).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Q

from warden.agreements.models import AgreementVersion, OneTimeLinkRecord
from warden.core.models import School, User
from warden.core.tenancy import SchoolScoped
from warden.incidents.models import Incident
from warden.people.models import Person

# --- the policy register ----------------------------------------------------------------------


class PolicyKind(models.TextChoices):
    ICT_SECURITY = "ict_security", "ICT security"
    ACCEPTABLE_USE = "acceptable_use", "Acceptable use"
    E_SAFETY = "e_safety", "E-safety (online safety)"
    DATA_PROTECTION = "data_protection", "Data protection"
    SAFEGUARDING = "safeguarding", "Safeguarding and child protection"
    OTHER = "other", "Other"


class ApprovingBody(models.TextChoices):
    FULL_GOVERNING_BODY = "fgb", "Full governing body"
    COMMITTEE = "committee", "Governors' committee"
    TRUST_BOARD = "trust_board", "Trust board"
    HEADTEACHER = "headteacher", "Headteacher"


class Policy(models.Model):
    """One of the school's policies; its words and approvals live in versions."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=PolicyKind.choices)
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who keeps the policy up to date and is reminded before its review.",
    )
    approving_body = models.CharField(
        max_length=20, choices=ApprovingBody.choices, default=ApprovingBody.FULL_GOVERNING_BODY
    )
    # The date the next review falls due: a year after the last approval unless set, and
    # brought forward by a trigger (a severe incident, a data breach, a change of law).
    next_review_on = models.DateField(null=True, blank=True)
    # The review date the owner was last reminded of, so the daily job reminds once.
    reminded_for = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["school", "title"], name="governance_policy_title")
        ]
        indexes = [
            models.Index(fields=["school", "next_review_on"], name="governance_policy_review"),
        ]

    def __str__(self) -> str:
        return self.title

    def review_overdue(self, today: dt.date) -> bool:
        return self.next_review_on is not None and self.next_review_on < today


class PolicyVersion(models.Model):
    """An approved (or draft) text of a policy: typed, or an uploaded document."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    label = models.CharField(max_length=40, help_text="Shown after the title, e.g. 2026.")
    text = models.TextField(blank=True)
    document = models.FileField(upload_to="governance/policies/%Y/", blank=True)
    document_name = models.CharField(max_length=200, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    approving_body = models.CharField(max_length=20, choices=ApprovingBody.choices)
    approved_on = models.DateField(null=True, blank=True)
    minute_reference = models.CharField(max_length=100, blank=True)
    # The acceptable-use agreement versions this version of the policy is put into practice
    # by; held here so agreements never needs to know about governance.
    agreement_versions = models.ManyToManyField(AgreementVersion, blank=True, related_name="+")
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["policy_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="governance_version_number"),
            models.CheckConstraint(
                condition=~Q(text="") | ~Q(document=""), name="governance_version_has_words"
            ),
            models.CheckConstraint(
                condition=Q(approved_on__isnull=True) | ~Q(minute_reference=""),
                name="governance_approval_minuted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.title} {self.label}"


class TriggerKind(models.TextChoices):
    SEVERE_INCIDENT = "severe_incident", "A severe incident"
    DATA_BREACH = "data_breach", "A data breach"
    CHANGE_OF_LAW = "change_of_law", "A change of law or guidance"
    OTHER = "other", "Another reason"


class ReviewTrigger(models.Model):
    """Something that brings a policy's review forward (policy duty "Policy approved and
    reviewed every year": "or sooner after serious incidents"); open until a new version is
    approved."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="triggers")
    kind = models.CharField(max_length=20, choices=TriggerKind.choices)
    reason = models.CharField(max_length=300)
    # The incident that brought it, when one did (recorded automatically).
    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_by = models.ForeignKey(
        PolicyVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "incident"],
                condition=Q(incident__isnull=False),
                name="governance_trigger_once_per_incident",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason}"


# --- training -------------------------------------------------------------------------------


class Course(models.Model):
    """A training course and who must take it (person types and Warden roles)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    description = models.CharField(max_length=300, blank=True)
    person_types = models.JSONField(default=list, blank=True)
    roles = models.JSONField(default=list, blank=True)
    # Months a completion counts for; none: once is enough.
    validity_months = models.PositiveSmallIntegerField(null=True, blank=True)
    # Days after joining (or after the course is added) by which it must first be done.
    due_within_days = models.PositiveSmallIntegerField(default=30)
    induction = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-induction", "title"]
        constraints = [
            models.UniqueConstraint(fields=["school", "title"], name="governance_course_title")
        ]

    def __str__(self) -> str:
        return self.title


class TrainingDue(models.Model):
    """That a person must take a course, and by when they first must (kept when they join or
    a course is added, so the matrix reads rows instead of working requirements out)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="dues")
    due_on = models.DateField()

    objects = SchoolScoped()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "course"], name="governance_due_once")
        ]
        indexes = [models.Index(fields=["school", "due_on"], name="governance_due_on")]

    def __str__(self) -> str:
        return f"{self.course} due by {self.due_on:%d/%m/%Y}"


class Method(models.TextChoices):
    HAND = "hand", "Recorded by hand"
    IMPORT = "import", "Imported"
    CONFIRMED = "confirmed", "Confirmed by the person through a link"


class Completion(models.Model):
    """A person completed a course on a date; it counts until ``expires_on`` (none: for good)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.HAND)
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-completed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "course", "completed_on"], name="governance_completion_once"
            )
        ]
        indexes = [
            models.Index(fields=["person", "course", "completed_on"], name="governance_done"),
        ]

    def __str__(self) -> str:
        return f"{self.course} completed {self.completed_on:%d/%m/%Y}"


class TrainingLink(OneTimeLinkRecord):
    """A one-time link for a person to confirm they completed a course; only the token's
    hash is kept (``agreements.links``). ``completion`` is what using it recorded."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="links")
    sent_to = models.EmailField()
    completion = models.ForeignKey(
        Completion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta(OneTimeLinkRecord.Meta):
        indexes = [models.Index(fields=["person", "course"], name="governance_link_person")]

    def __str__(self) -> str:
        return f"Training link for {self.person} about {self.course}"


# --- the annual filtering and monitoring review ----------------------------------------------


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "In progress"
    COMPLETE = "complete", "Complete"


class FilteringReview(models.Model):
    """The DfE standard's annual review of filtering and monitoring, one per school year.

    ``snapshot`` holds the figures read from live data when the review was started (and
    refreshed while in draft), so a printed review stays as it was; ``answers`` holds the
    reviewers' judgement and evidence per check; ``participants`` who took part.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(help_text="The school year it starts, e.g. 2026.")
    status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    snapshot = models.JSONField(default=dict)
    snapshot_at = models.DateTimeField()
    test_sites = models.JSONField(default=list, blank=True)
    participants = models.JSONField(default=list, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    summary = models.TextField(blank=True)
    started_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["school", "year"], name="governance_review_year")
        ]

    def __str__(self) -> str:
        return f"Filtering and monitoring review {self.year}–{(self.year + 1) % 100:02d}"

    @property
    def is_draft(self) -> bool:
        return self.status == ReviewStatus.DRAFT


class ReviewAction(models.Model):
    """An action the review agreed, with its owner and date."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    review = models.ForeignKey(FilteringReview, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(max_length=300)
    owner = models.CharField(max_length=120)
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.text


# --- the communications matrix (policy duty "Communications matrix set by the school") ------


class Allowed(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    CERTAIN_TIMES = "certain_times", "Allowed at certain times"
    SELECTED_STAFF = "selected_staff", "Allowed for selected staff"
    WITH_PERMISSION = "with_permission", "Allowed with staff permission"
    NOT_ALLOWED = "not_allowed", "Not allowed"


class CommsRule(models.Model):
    """One row of the matrix: what staff and pupils may do with one technology."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    activity = models.CharField(max_length=40)
    staff = models.CharField(max_length=20, choices=Allowed.choices)
    pupils = models.CharField(max_length=20, choices=Allowed.choices)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "activity"], name="governance_comms_row")
        ]

    def __str__(self) -> str:
        return self.activity

    def as_row(self) -> dict[str, Any]:
        return {"activity": self.activity, "staff": self.staff, "pupils": self.pupils}
