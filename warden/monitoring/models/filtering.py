"""Web filtering: list sources, the school's own entries, filter groups, exceptions, requests.

The database is the source of truth; ``snapshot_publish`` compiles it into the policy
snapshot the Squid helpers read. Large lists stay as compiled files under the filtering
folder (``conf.filter_dir()``); a :class:`ListSource` row records where each came from, its
checksum and how many entries it holds per category.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Q

from warden.core.models import School, User
from warden.core.tenancy import SchoolScoped

__all__ = [
    "DAY_CHOICES",
    "AssignmentSource",
    "CategoryAction",
    "EntryAction",
    "EntryKind",
    "ExceptionState",
    "FilterEntry",
    "FilterException",
    "FilterGroup",
    "FilterGroupAssignment",
    "FilterSnapshot",
    "GroupCategoryAction",
    "GroupNetwork",
    "GroupSchedule",
    "ListFeed",
    "ListFormat",
    "ListImport",
    "ListImportState",
    "ListSource",
    "RequestStatus",
    "UnblockRequest",
]

DAY_CHOICES = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
]


class ListFormat(models.TextChoices):
    UT1 = "ut1", "UT1 / squidGuard folder"
    HOSTS = "hosts", "Hosts file"
    DOMAINS = "domains", "Plain domain list"


class ListSource(models.Model):
    """One list a school imported, compiled into its own file under the filtering folder."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    format = models.CharField(max_length=10, choices=ListFormat.choices)
    # Where it came from: a folder on the server (UT1) or the uploaded file's name.
    origin = models.CharField(max_length=500)
    # For hosts files and plain lists: the Warden category every entry goes into.
    category = models.CharField(max_length=40, blank=True)
    sha256 = models.CharField(max_length=64)
    # The compiled index, relative to the school's filtering folder.
    compiled_path = models.CharField(max_length=300)
    entry_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    # {category slug: entries}
    category_counts = models.JSONField(default=dict, blank=True)
    imported_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField()
    is_active = models.BooleanField(default=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "name"],
                condition=Q(is_active=True),
                name="monitoring_listsource_name",
            )
        ]
        indexes = [models.Index(fields=["school", "is_active"], name="monitoring_list_active")]

    def __str__(self) -> str:
        return self.name


class ListFeed(models.Model):
    """A list Warden downloads by itself (``warden filter-lists update``, daily from the
    schedule) and imports as the school's list source of the same name.

    ``checksum_url`` names the file its publisher puts beside it (``MD5SUM.LST``, a
    ``.sha256``): the line for the file's own name, or the file's only hash. Without one,
    ``expected_checksum`` (MD5, SHA-1 or SHA-256 in hex) must match. The ``last_*`` fields
    say how the latest update went; a failed one keeps the list already in force.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    url = models.URLField("Address (URL)", max_length=500)
    format = models.CharField(max_length=10, choices=ListFormat.choices, default=ListFormat.UT1)
    checksum_url = models.URLField("Checksum file address", max_length=500, blank=True)
    expected_checksum = models.CharField(max_length=128, blank=True)
    # For hosts files and plain lists: the Warden category every entry goes into.
    category = models.CharField(max_length=40, blank=True)
    enabled = models.BooleanField(default=True)
    source = models.ForeignKey(
        ListSource, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The checksum of the download now in force.
    version = models.CharField(max_length=128, blank=True)
    category_counts = models.JSONField(default=dict, blank=True)
    entry_count = models.PositiveIntegerField(default=0)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="monitoring_listfeed_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def failing(self) -> bool:
        """The latest attempt failed (the list in force is the previous one)."""
        return self.last_failure_at is not None and (
            self.last_success_at is None or self.last_failure_at > self.last_success_at
        )


class ListImportState(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Not imported"


class ListImport(models.Model):
    """One import asked for on the lists page, run by the worker, with how far it has got.

    An uploaded file waits under the school's filtering folder (``upload_path``, relative to
    it) until the import has read it; a UT1 folder is named by ``server_path``.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    format = models.CharField(max_length=10, choices=ListFormat.choices)
    category = models.CharField(max_length=40, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    upload_path = models.CharField(max_length=300, blank=True)
    server_path = models.CharField(max_length=500, blank=True)
    # Bytes to read (the upload, or every file of the folder) and read so far.
    size = models.BigIntegerField(default=0)
    done_bytes = models.BigIntegerField(default=0)
    state = models.CharField(
        max_length=10, choices=ListImportState.choices, default=ListImportState.QUEUED
    )
    # Why it failed, in words the person can act on.
    message = models.TextField(blank=True)
    source = models.ForeignKey(
        ListSource, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "-created_at"], name="monitoring_listimport_recent")
        ]

    def __str__(self) -> str:
        return f"Import of {self.name}"

    @property
    def percent(self) -> int:
        if self.state == ListImportState.DONE:
            return 100
        if self.size <= 0:
            return 0
        return min(99, self.done_bytes * 100 // self.size)

    @property
    def finished(self) -> bool:
        return self.state in (ListImportState.DONE, ListImportState.FAILED)


class EntryAction(models.TextChoices):
    BLOCK = "block", "Block"
    ALLOW = "allow", "Allow"


class EntryKind(models.TextChoices):
    DOMAIN = "domain", "Domain (and its subdomains)"
    URL = "url", "URL prefix"
    IP = "ip", "IP address or range"


class FilterEntry(models.Model):
    """A site the school itself blocks or allows, beside the imported lists.

    A block entry puts the site in ``category``, so every group that blocks that category
    blocks it. An allow entry opens the site for every group, even when a list blocks it
    (never for an illegal category).
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=500, help_text="Normalised domain, host/path or IP.")
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    action = models.CharField(max_length=10, choices=EntryAction.choices)
    category = models.CharField(max_length=40)
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["value", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "value"], name="monitoring_entry_unique")
        ]
        verbose_name_plural = "filter entries"

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.value}"


class CategoryAction(models.TextChoices):
    ALLOW = "allow", "Allow"
    BLOCK = "block", "Block"
    ALERT = "alert", "Allow and report"


class FilterGroup(models.Model):
    """A filter group (KS1, KS2 ... staff, guests): what its members may reach.

    Members come from rules on the people register (person types, year groups) and from
    client address ranges. A person is in the first group, by ``position``, whose rules
    match them; ``is_default`` marks the group for anyone unmatched.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    slug = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=100)
    default_action = models.CharField(
        max_length=10,
        choices=[("allow", "Allow"), ("block", "Block (walled garden)")],
        default="allow",
        help_text="For sites in no blocked, reported or allowed category.",
    )
    safe_search = models.BooleanField(default=True)
    # PersonType values; empty: the group takes nobody by type (only by address).
    person_types = models.JSONField(default=list, blank=True)
    # Year group numbers; empty: any year.
    year_groups = models.JSONField(default=list, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "slug"], name="monitoring_group_slug"),
            models.UniqueConstraint(fields=["school", "name"], name="monitoring_group_name"),
            models.UniqueConstraint(
                fields=["school"], condition=Q(is_default=True), name="monitoring_group_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def who(self) -> str:
        """The membership rules in words, e.g. "Pupil, years 7, 8 and 9"."""
        from warden.people.models import YEAR_GROUP_CHOICES, PersonType

        types = [PersonType(t).label for t in self.person_types or [] if t in PersonType.values]
        if not types:
            return "Reached by address range only"
        text = ", ".join(types)
        if self.year_groups:
            names = dict(YEAR_GROUP_CHOICES)
            text += ": " + ", ".join(str(names.get(y, y)) for y in self.year_groups)
        return text


class AssignmentSource(models.TextChoices):
    MANUAL = "manual", "Set by hand"
    SANCTION = "sanction", "E-safety sanction"


class FilterGroupAssignment(models.Model):
    """A person put in a group by name, ahead of the membership rules, for a while.

    In force from ``starts_at`` until ``ends_at`` (empty: until removed) unless
    ``removed_at`` is set. While in force the person's directory usernames go to ``group``
    in the snapshot; a person with several assignments in force is in the most recent one.
    Removing it (by hand, at its end, or when a sanction ends) puts them back in the group
    their rules give them. Rows are kept after removal as the record of who was moved when.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="filter_assignments"
    )
    group = models.ForeignKey(FilterGroup, on_delete=models.CASCADE, related_name="assignments")
    reason = models.CharField(max_length=300)
    source = models.CharField(
        max_length=20, choices=AssignmentSource.choices, default=AssignmentSource.MANUAL
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "group"],
                condition=Q(removed_at__isnull=True),
                name="monitoring_assignment_open",
            )
        ]
        indexes = [
            models.Index(fields=["school", "removed_at"], name="monitoring_assignment_open_q"),
            models.Index(fields=["group", "removed_at"], name="monitoring_assignment_group"),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.group}"

    def in_force_at(self, now: dt.datetime) -> bool:
        return (
            self.removed_at is None
            and self.starts_at <= now
            and (self.ends_at is None or now < self.ends_at)
        )


class ThroughGroup(SchoolScoped[Any]):
    """A group's own rows belong to the group's school."""

    path = "group__school"


class GroupCategoryAction(models.Model):
    group = models.ForeignKey(FilterGroup, on_delete=models.CASCADE, related_name="actions")
    category = models.CharField(max_length=40)
    action = models.CharField(max_length=10, choices=CategoryAction.choices)

    objects = ThroughGroup()

    class Meta:
        ordering = ["category"]
        constraints = [
            models.UniqueConstraint(fields=["group", "category"], name="monitoring_group_category")
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.action}"


class GroupSchedule(models.Model):
    """During ``start``-``end`` on ``days``, ``categories`` get ``action`` for the group."""

    group = models.ForeignKey(FilterGroup, on_delete=models.CASCADE, related_name="schedules")
    label = models.CharField(max_length=120, blank=True)
    days = models.JSONField(default=list)
    start = models.TimeField()
    end = models.TimeField()
    categories = models.JSONField(default=list)
    action = models.CharField(max_length=10, choices=CategoryAction.choices)

    objects = ThroughGroup()

    class Meta:
        ordering = ["start", "pk"]

    def __str__(self) -> str:
        return self.label or f"{self.start:%H:%M}-{self.end:%H:%M}"


class GroupNetwork(models.Model):
    """A client address range whose unnamed requests belong to the group."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(FilterGroup, on_delete=models.CASCADE, related_name="networks")
    cidr = models.CharField("Address range (CIDR)", max_length=50)
    label = models.CharField(max_length=120, blank=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["cidr"]
        constraints = [
            models.UniqueConstraint(fields=["school", "cidr"], name="monitoring_network_unique")
        ]

    def __str__(self) -> str:
        return self.cidr


class ExceptionState(models.TextChoices):
    ACTIVE = "active", "In force"
    LAPSED = "lapsed", "Lapsed"
    REVOKED = "revoked", "Revoked"


class FilterException(models.Model):
    """A temporary unblock of a site for a group (or every group), lapsing at ``expires_at``."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    site = models.CharField(max_length=500)
    group = models.ForeignKey(
        FilterGroup,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="exceptions",
        help_text="Empty: every group.",
    )
    reason = models.CharField(max_length=300)
    approved_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["-approved_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "expires_at"], name="monitoring_exception_expiry")
        ]

    def __str__(self) -> str:
        return f"{self.site} for {self.group or 'every group'}"

    def state_at(self, now: dt.datetime) -> str:
        if self.revoked_at is not None:
            return ExceptionState.REVOKED
        if self.expires_at <= now:
            return ExceptionState.LAPSED
        return ExceptionState.ACTIVE


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class UnblockRequest(models.Model):
    """Someone asks for a site to be unblocked: a member of staff in Warden, or anyone from
    the block page (``requested_by`` empty, ``requester_name`` typed)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    site = models.CharField(max_length=500)
    url = models.CharField(max_length=2000, blank=True)
    group = models.ForeignKey(
        FilterGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    category = models.CharField(max_length=40, blank=True)
    reason = models.TextField()
    wanted_until = models.DateTimeField()
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requester_name = models.CharField(max_length=120)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    via_block_page = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    exception = models.OneToOneField(
        FilterException, on_delete=models.SET_NULL, null=True, blank=True, related_name="request"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "status", "-created_at"], name="monitoring_request_q"),
            models.Index(fields=["client_ip", "created_at"], name="monitoring_request_ip"),
        ]

    def __str__(self) -> str:
        return f"Unblock {self.site}"


class FilterSnapshot(models.Model):
    """The last publication of a school's snapshot: when, why, and whether it worked."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    header_sha256 = models.CharField(max_length=64, blank=True)
    lists_file = models.CharField(max_length=200, blank=True)
    lists_sha256 = models.CharField(max_length=64, blank=True)
    # What went into the lists file (sources and entries), to skip rewriting it unchanged.
    lists_fingerprint = models.CharField(max_length=64, blank=True)
    # {"groups": n, "users": n, "networks": n, "exceptions": n, "entries": n}
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    error_at = models.DateTimeField(null=True, blank=True)

    objects = SchoolScoped()

    def __str__(self) -> str:
        return f"Filtering snapshot of {self.school}"
