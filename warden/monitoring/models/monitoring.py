"""Monitoring: keyword libraries, who held which IP address when, ingestion progress and
the violations that ingestion finds.

The engine (``warden.engine``) does the matching and the log reading; these tables hold
what a school decides (its phrases and exclusions), what it knows (DHCP leases) and what
was found (violations), and how far each log has been read (checkpoints).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from warden.core.models import School, User
from warden.core.tenancy import SchoolScoped
from warden.monitoring.filtering_rules import category_label
from warden.people.models import Person

__all__ = [
    "IngestCheckpoint",
    "IpLease",
    "Keyword",
    "KeywordExclusion",
    "KeywordSource",
    "Violation",
    "ViolationKind",
]

SEVERITY_CHOICES = [
    (1, "1 · weak evidence on its own"),
    (2, "2 · low"),
    (3, "3 · medium"),
    (4, "4 · high"),
    (5, "5 · act now"),
]


ROUTE_CHOICES = [
    ("", "As its category proposes"),
    ("welfare", "Welfare concern (safeguarding)"),
    ("breach", "Breach (misuse)"),
]


class KeywordSource(models.TextChoices):
    STARTER = "starter", "Warden starter library"
    LDNOOBW = "ldnoobw", "LDNOOBW list"
    E2GUARDIAN = "e2guardian", "e2guardian phrase list"
    WARDEN = "warden", "Warden keyword file"
    MANUAL = "manual", "Added by hand"


class Keyword(models.Model):
    """One phrase of a school's keyword library.

    ``normalised`` is the engine's canonical form (``normalise_phrase``), so "Kill  Myself"
    and "kill myself" are one entry per category. ``terms`` is empty for an ordinary phrase;
    a combination (an e2guardian ``<a>,<b>`` line) lists ``[text, word_start, word_end]``
    for each term that must occur together.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="keywords")
    text = models.CharField("Phrase", max_length=300)
    normalised = models.CharField(max_length=300, editable=False)
    category = models.CharField(max_length=60)
    severity = models.PositiveSmallIntegerField(choices=SEVERITY_CHOICES)
    language = models.CharField(max_length=20, default="en")
    source = models.CharField(
        max_length=20, choices=KeywordSource.choices, default=KeywordSource.MANUAL
    )
    terms = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)
    # The route an alert on this phrase proposes out of triage; empty: its category's
    # (``warden.engine.categories.proposed_route``). The DSL can always choose the other.
    route = models.CharField(
        "Proposed route", max_length=10, choices=ROUTE_CHOICES, blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-severity", "category", "normalised"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "category", "normalised"], name="monitoring_keyword_unique"
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1) & Q(severity__lte=5),
                name="monitoring_keyword_severity_1_5",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "active"], name="monitoring_kw_active"),
            models.Index(fields=["school", "category", "severity"], name="monitoring_kw_cat"),
            models.Index(fields=["school", "severity"], name="monitoring_kw_severity"),
        ]

    def __str__(self) -> str:
        return f"{self.text} ({self.category}, severity {self.severity})"


class KeywordExclusion(models.Model):
    """Text that must not raise a match (a film title, a town name), with the reason.

    ``categories`` limits it to matches of those categories; empty means all.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    text = models.CharField("Excluded text", max_length=300)
    normalised = models.CharField(max_length=300, editable=False)
    reason = models.CharField(max_length=300)
    categories = models.JSONField(default=list, blank=True)
    source = models.CharField(
        max_length=20, choices=KeywordSource.choices, default=KeywordSource.MANUAL
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["normalised"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "normalised"], name="monitoring_exclusion_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.text} (excluded: {self.reason})"


class IpLease(models.Model):
    """Who held a client IP address (or a named device) from ``start`` until ``end``.

    Loaded from a DHCP lease export; ``person`` is resolved at import from an active
    account username, or else the MIS id, as the file gives it.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    ip = models.GenericIPAddressField("IP address")
    device = models.CharField("Device or MAC address", max_length=120, blank=True)
    identifier = models.CharField(
        "Username or MIS id", max_length=150, help_text="As the lease file gave it."
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="ip_leases")
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True, help_text="Empty: still held.")
    filename = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-start", "ip"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "ip", "start"], name="monitoring_lease_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=models.F("start")),
                name="monitoring_lease_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "ip", "start"], name="monitoring_lease_ip"),
            models.Index(fields=["school", "person"], name="monitoring_lease_person"),
        ]

    def __str__(self) -> str:
        return f"{self.ip} → {self.identifier} from {self.start:%d/%m/%Y %H:%M}"


class IngestCheckpoint(models.Model):
    """How far one log source has been ingested (the engine's ``Checkpoint``).

    Saved in the same transaction as the violations of the chunk it commits, so a run
    killed at any moment leaves either both or neither.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    source_key = models.CharField(max_length=200)
    source_id = models.CharField(max_length=64)
    fingerprint_len = models.PositiveIntegerField()
    offset = models.BigIntegerField(default=0)
    line_no = models.BigIntegerField(default=0)
    chunk_index = models.PositiveIntegerField(default=0)
    path = models.CharField(max_length=1000, blank=True)
    malformed = models.PositiveIntegerField(default=0)
    log_format = models.CharField(max_length=20)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "source_key"], name="monitoring_checkpoint_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.path or self.source_key} at line {self.line_no}"


class ViolationKind(models.TextChoices):
    KEYWORD = "keyword", "Keyword match"
    CATEGORY = "category", "Alert category"


class Violation(models.Model):
    """A logged request that needs a safeguarding look.

    ``engine_id`` is the engine's deterministic id (source, line offset, what matched), so
    ingesting a line again updates the same row instead of adding one.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    engine_id = models.CharField(max_length=64)
    source_id = models.CharField(max_length=64)
    offset = models.BigIntegerField()
    line_no = models.BigIntegerField("Line")
    ts = models.DateTimeField("Time")
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="violations"
    )
    username = models.CharField(max_length=150, blank=True)
    device = models.CharField(max_length=120, blank=True)
    client_ip = models.CharField("IP address", max_length=45, blank=True)
    url = models.TextField("URL", blank=True)
    host = models.CharField(max_length=255, blank=True)
    search_engine = models.CharField(max_length=40, blank=True)
    search_term = models.TextField(blank=True)
    phrase = models.CharField("Matched phrase", max_length=300, blank=True)
    matched_text = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=20, blank=True)
    category = models.CharField(max_length=60)
    severity = models.PositiveSmallIntegerField(choices=SEVERITY_CHOICES)
    decision = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=20, choices=ViolationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-ts", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "engine_id"], name="monitoring_violation_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "-ts"], name="monitoring_violation_ts"),
            models.Index(fields=["school", "severity", "-ts"], name="monitoring_violation_sev"),
            models.Index(fields=["school", "category", "-ts"], name="monitoring_violation_cat"),
            models.Index(fields=["school", "person", "-ts"], name="monitoring_violation_who"),
        ]

    def __str__(self) -> str:
        what = self.phrase or category_label(self.category)
        return f"{what} at {timezone.localtime(self.ts):%d/%m/%Y %H:%M}"

    @property
    def who(self) -> str:
        if self.person_id is not None and self.person is not None:
            return str(self.person)
        return self.username or self.client_ip or "unknown"
