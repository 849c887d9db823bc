"""Consent for images and publication: purposes per school, their versioned texts, and
every decision a parent, carer or pupil has made.

A purpose ("school website", "local press") is asked about in the words of a published
version, which never changes afterwards. A decision is never edited: each yes, no or
withdrawal is a new row, the latest one for each person counts, and the history stays.
Whether a pupil may appear is decided in ``rules.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Q

from warden.agreements.models import Method, OneTimeLinkRecord, PublishedText
from warden.core.models import School, User
from warden.core.tenancy import SchoolScoped
from warden.people.models import Person

# The age from which a pupil is asked too, when a purpose asks pupils: the ICO's guidance is
# that children aged 13 or over may usually give consent themselves.
PUPIL_AGE_DEFAULT = 13


class Asks(models.TextChoices):
    """Whose consent a purpose needs."""

    PARENTS = "parents", "Every parent or carer with parental responsibility"
    PARENTS_AND_PUPIL = "parents_pupil", "Every parent or carer, and the pupil from a set age"
    NEVER = "never", "Never allowed: nobody is asked"


class Purpose(models.Model):
    """One use of pupils' images or work a school asks consent for."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    slug = models.SlugField(
        max_length=60, help_text="A short name for commands and files, e.g. website."
    )
    name = models.CharField(max_length=120)
    summary = models.CharField(
        max_length=300, blank=True, help_text="One line shown beside the question."
    )
    asks = models.CharField(max_length=20, choices=Asks.choices, default=Asks.PARENTS)
    pupil_from_age = models.PositiveSmallIntegerField(
        default=PUPIL_AGE_DEFAULT,
        help_text="When pupils are asked too: from this age (ICO guidance: 13).",
    )
    lasts_years = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Years a yes lasts; empty for the whole time the pupil is at the school.",
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["school_id", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "slug"], name="consent_purpose_slug"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_never(self) -> bool:
        return self.asks == Asks.NEVER

    @property
    def asks_pupil(self) -> bool:
        return self.asks == Asks.PARENTS_AND_PUPIL

    def lasts_words(self) -> str:
        if self.lasts_years:
            return f"{self.lasts_years} year{'s' if self.lasts_years != 1 else ''}"
        return "the whole time at the school"


class PurposeVersion(PublishedText):
    """The words a purpose is asked in. Published, they are fixed (a decision records the
    exact text answered, by its SHA-256); a later version supersedes them."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="versions")
    asks_again = models.BooleanField(
        default=False,
        help_text="Earlier answers stop counting: everyone is asked again in these words.",
    )

    frozen_also = ("purpose_id", "asks_again")

    objects = SchoolScoped()

    class Meta:
        ordering = ["purpose_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "number"], name="consent_version_number"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="consent_published_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["purpose", "status", "number"], name="consent_ver_status"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose.name} {self.label}"


class Answer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    WITHDRAWN = "withdrawn", "Withdrawn"


class DecisionRecordChanged(Exception):
    """Raised by the model: a decision is history; a new decision supersedes it."""


def _scan_path(instance: ConsentDecision, filename: str) -> str:
    prefix = (instance.scan_sha256 or "0" * 12)[:12]
    return f"consent/scans/{instance.school_id}/{prefix}-{filename}"


class ConsentDecision(models.Model):
    """One answer, by one parent, carer or pupil, about one pupil and one purpose."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="consent_decisions")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="decisions")
    version = models.ForeignKey(PurposeVersion, on_delete=models.PROTECT, related_name="+")
    text_sha256 = models.CharField("SHA-256 of the text answered", max_length=64)
    # The parent or carer who decided, or the pupil themself.
    decided_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=10, choices=Answer.choices)
    typed_name = models.CharField(max_length=200)
    decided_at = models.DateTimeField()
    method = models.CharField(max_length=10, choices=Method.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scan = models.FileField(upload_to=_scan_path, blank=True)
    scan_sha256 = models.CharField(max_length=64, blank=True)
    scan_name = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-decided_at", "-pk"]
        indexes = [
            models.Index(
                fields=["purpose", "pupil", "decided_by", "decided_at"], name="consent_dec_latest"
            ),
            models.Index(fields=["school", "decided_at"], name="consent_dec_school"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(method="paper") | ~Q(scan_sha256=""), name="consent_paper_has_scan"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_answer_display()} from {self.typed_name} for {self.pupil}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise DecisionRecordChanged("A consent decision is never changed; record a new one.")
        super().save(*args, **kwargs)


class ConsentLink(OneTimeLinkRecord):
    """A one-time link for a parent, carer or pupil to answer every purpose for one pupil;
    only the token's hash is kept (``agreements.links``)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consent_links")
    delivery = models.CharField(max_length=10, choices=[("email", "E-mail"), ("sheet", "QR sheet")])
    sent_to = models.EmailField(blank=True)
    # Why it was made: the admission pack, a reminder, staff, or to change one's mind later.
    reason = models.CharField(max_length=20, default="request")

    objects = SchoolScoped()

    class Meta(OneTimeLinkRecord.Meta):
        indexes = [models.Index(fields=["pupil", "person"], name="consent_link_person")]

    def __str__(self) -> str:
        return f"Consent link for {self.person} about {self.pupil}"


class ConsentSettings(models.Model):
    """A school's link lifetime and reminder interval for consent (one row per school)."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="+")
    link_days = models.PositiveSmallIntegerField(
        default=21, help_text="Days a link to answer stays valid."
    )
    reminder_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days between reminders to the same parent or carer."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped()

    def __str__(self) -> str:
        return f"Consent settings for {self.school}"


def years_later(moment: dt.datetime, years: int) -> dt.datetime:
    """``moment`` plus whole years (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)
