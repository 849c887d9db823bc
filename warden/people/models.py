"""The people register: the whole school community, each with a lifecycle."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from warden.core.models import School, User
from warden.core.tenancy import SchoolScoped


class PersonType(models.TextChoices):
    TEACHING_STAFF = "teaching_staff", "Teaching staff"
    SUPPORT_STAFF = "support_staff", "Support staff"
    SUPPLY_STAFF = "supply_staff", "Supply / temporary staff"
    PUPIL = "pupil", "Pupil"
    PARENT = "parent", "Parent / carer"
    GOVERNOR = "governor", "Governor"
    VOLUNTEER = "volunteer", "Volunteer"
    VISITOR = "visitor", "Visitor"
    CONTRACTOR = "contractor", "Contractor"
    COMMUNITY = "community", "Community user"


STAFF_TYPES = frozenset(
    {PersonType.TEACHING_STAFF, PersonType.SUPPORT_STAFF, PersonType.SUPPLY_STAFF}
)
# Types whose stay is short by nature and should carry an end date (policy duty "Temporary
# access ends on a set date", docs/policy-map.md).
TEMPORARY_TYPES = frozenset({PersonType.SUPPLY_STAFF, PersonType.VISITOR, PersonType.CONTRACTOR})


class Status(models.TextChoices):
    JOINING = "joining", "Joining"
    ACTIVE = "active", "Active"
    LEAVING = "leaving", "Leaving"
    LEFT = "left", "Left"


# Year groups as schools in England number them: nursery and reception, then Years 1–13.
YEAR_GROUP_CHOICES = [(-1, "Nursery"), (0, "Reception")] + [(n, f"Year {n}") for n in range(1, 14)]


def status_on(joining: dt.date | None, leaving: dt.date | None, today: dt.date) -> str:
    """A person's lifecycle status, derived from their dates so it is never out of step.

    Joining until the joining date; leaving from the day a leaving date is set until it
    passes; left after it.
    """
    if leaving is not None and leaving < today:
        return Status.LEFT
    if joining is not None and joining > today:
        return Status.JOINING
    if leaving is not None:
        return Status.LEAVING
    return Status.ACTIVE


class PersonQuerySet(models.QuerySet["Person"]):
    def with_status(self, today: dt.date | None = None) -> PersonQuerySet:
        """Annotate ``current_status`` in the database, matching ``status_on``."""
        today = today or timezone.localdate()
        return self.annotate(
            current_status=Case(
                When(leaving_date__lt=today, then=Value(Status.LEFT.value)),
                When(joining_date__gt=today, then=Value(Status.JOINING.value)),
                When(leaving_date__isnull=False, then=Value(Status.LEAVING.value)),
                default=Value(Status.ACTIVE.value),
                output_field=models.CharField(),
            )
        )

    def in_status(self, status: str, today: dt.date | None = None) -> PersonQuerySet:
        # Passed as a mapping because the annotation is invisible to the type checker.
        return self.with_status(today).filter(**{"current_status": status})


class Person(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="people")
    person_type = models.CharField("Type", max_length=20, choices=PersonType.choices)
    mis_id = models.CharField(
        "MIS id", max_length=64, blank=True, help_text="The id in the school's MIS."
    )
    upn = models.CharField(
        "UPN",
        max_length=13,
        blank=True,
        help_text="The pupil's unique pupil number, from the MIS (13 characters).",
    )
    title = models.CharField(max_length=20, blank=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    year_group = models.SmallIntegerField(choices=YEAR_GROUP_CHOICES, null=True, blank=True)
    form = models.CharField("Form / class", max_length=40, blank=True)
    job_title = models.CharField(max_length=120, blank=True)
    organisation = models.CharField(
        max_length=200, blank=True, help_text="Supply agency, contractor's company, visitor's body."
    )
    joining_date = models.DateField(null=True, blank=True)
    leaving_date = models.DateField(null=True, blank=True)
    leaving_reason = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        help_text="The Warden sign-in of this person, if they operate Warden.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped.from_queryset(PersonQuerySet)()

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "mis_id"],
                condition=~Q(mis_id=""),
                name="people_person_unique_mis_id",
            ),
            models.CheckConstraint(
                condition=Q(leaving_date__isnull=True)
                | Q(joining_date__isnull=True)
                | Q(leaving_date__gte=models.F("joining_date")),
                name="people_person_leaves_after_joining",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "person_type", "last_name"], name="people_type_name"),
            models.Index(fields=["school", "year_group"], name="people_year_group"),
            models.Index(fields=["school", "leaving_date"], name="people_leaving"),
            models.Index(fields=["school", "last_name", "first_name"], name="people_name"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.preferred_name or self.first_name} {self.last_name}".strip()

    @property
    def status(self) -> str:
        annotated = getattr(self, "current_status", None)
        if annotated is not None:
            return str(annotated)
        return status_on(self.joining_date, self.leaving_date, timezone.localdate())

    def get_status_display(self) -> str:
        return Status(self.status).label

    @property
    def is_pupil(self) -> bool:
        return self.person_type == PersonType.PUPIL

    @property
    def is_staff_member(self) -> bool:
        return self.person_type in STAFF_TYPES


class Relationship(models.TextChoices):
    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    CARER = "carer", "Carer"
    GUARDIAN = "guardian", "Guardian"
    GRANDPARENT = "grandparent", "Grandparent"
    OTHER = "other", "Other relative or contact"


class Guardianship(models.Model):
    """A parent or carer linked to a pupil at the same school."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="guardianships")
    parent = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="children_links")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    parental_responsibility = models.BooleanField(default=True)
    contact_priority = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["contact_priority", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "parent"], name="people_guardian_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.parent} ({self.get_relationship_display()}) of {self.pupil}"


class MisSource(models.TextChoices):
    SIMS = "sims", "SIMS"
    ARBOR = "arbor", "Arbor"
    BROMCOM = "bromcom", "Bromcom"
    INTEGRIS = "integris", "RM Integris"
    OTHER = "other", "Other CSV"


class ImportProfile(models.Model):
    """The column mapping a school last used for an MIS export, remembered for next time."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="import_profiles")
    source = models.CharField(max_length=20, choices=MisSource.choices, default=MisSource.OTHER)
    # {warden field name: CSV column header}
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "source"], name="people_import_profile_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} mapping for {self.school}"


class ImportRun(models.Model):
    """One import of an MIS file: what it found and what it changed."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        DRY_RUN = "dry_run", "Dry run (nothing saved)"
        REJECTED = "rejected", "Rejected (errors, nothing saved)"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="import_runs")
    started_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=20, choices=MisSource.choices, default=MisSource.OTHER)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    marked_leaving_count = models.PositiveIntegerField(default=0)
    # [{"line": 57, "column": "DOB", "message": "..."}]
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_outcome_display()})"


class FeedSource(models.TextChoices):
    FOLDER = "folder", "A folder on this server"
    SFTP = "sftp", "An SFTP drop"


class MisFeed(models.Model):
    """Where a school's MIS leaves its exports, for Warden to pull them on a schedule.

    Secrets are never stored here, as with the directory connector's bind password: a
    password is read from an environment variable or a file, and a private key from a file
    readable by Warden's user only.
    """

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="mis_feed")
    is_active = models.BooleanField("Pull on the schedule", default=True)
    source_kind = models.CharField(
        "Where the exports are", max_length=10, choices=FeedSource.choices
    )
    folder = models.CharField("Folder on this server", max_length=500, blank=True)
    sftp_host = models.CharField("SFTP server", max_length=255, blank=True)
    sftp_port = models.PositiveIntegerField("SFTP port", default=22)
    sftp_user = models.CharField("SFTP user name", max_length=100, blank=True)
    sftp_host_key = models.CharField("SFTP server's host key", max_length=1000, blank=True)
    sftp_key_file = models.CharField("Private key file", max_length=500, blank=True)
    sftp_password_env = models.CharField(
        "Password environment variable", max_length=100, blank=True
    )
    sftp_password_file = models.CharField("Password file", max_length=500, blank=True)
    sftp_path = models.CharField("Folder on the SFTP server", max_length=500, blank=True)
    pattern = models.CharField("File names", max_length=100, default="*.csv")
    # "" detects the MIS from the file's columns, as the upload page does.
    source = models.CharField(
        "Exported from", max_length=20, choices=MisSource.choices, blank=True, default=""
    )
    default_type = models.CharField(
        "The files hold", max_length=20, choices=PersonType.choices, blank=True, default=""
    )
    apply_automatically = models.BooleanField("Import without review", default=False)
    last_pulled_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=500, blank=True)
    last_failed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped()

    def __str__(self) -> str:
        return f"MIS feed of {self.school}"

    @property
    def where(self) -> str:
        if self.source_kind == FeedSource.SFTP:
            return f"sftp://{self.sftp_user}@{self.sftp_host}:{self.sftp_port}{self.sftp_path}"
        return self.folder


class FeedFile(models.Model):
    """A file a feed pulled: by name and SHA-256, so the same export is imported once."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    feed = models.ForeignKey(MisFeed, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    modified_at = models.DateTimeField()
    pulled_at = models.DateTimeField(auto_now_add=True)
    run = models.OneToOneField(
        ImportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="feed_file"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["-pulled_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["feed", "name", "sha256"], name="people_feed_file_once")
        ]

    def __str__(self) -> str:
        return self.name
