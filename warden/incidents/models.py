"""The e-safety incident log, its people, chronology, evidence, playbooks and sanctions, and
the triage of monitoring violations.

Incidents are confidential (policy duty "Incidents are confidential", docs/policy-map.md):
who may read one is answered by ``warden.incidents.access``, never by these models. The
chronology and the evidence are append-only: a correction is a new entry, a changed file a
new version that supersedes the old one, so the record an investigation relied on can always
be shown as it was.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from warden.core.confidential.models import (
    AccessGrant,
    AppendOnly,
    ChecklistStep,
    ChronologyLine,
    NumberedRecord,
)
from warden.core.models import School, User
from warden.core.tenancy import SchoolScoped
from warden.monitoring.models import FilterGroupAssignment, Violation
from warden.people.models import Person


class IncidentKind(models.TextChoices):
    """The kinds of incident the policies name (breaches, cyberbullying, misuse, losses)."""

    MISUSE = "misuse", "Misuse of ICT"
    FILTERING_FAILURE = "filtering_failure", "Filtering failure"
    CYBERBULLYING = "cyberbullying", "Cyberbullying"
    OFFENSIVE_MATERIAL = "offensive_material", "Offensive or inappropriate material"
    ILLEGAL_MATERIAL = "illegal_material", "Illegal material"
    SECURITY_BREACH = "security_breach", "Security breach or attempt"
    MALWARE = "malware", "Malware"
    LOST_EQUIPMENT = "lost_equipment", "Lost or stolen equipment"
    OFFENSIVE_EMAIL = "offensive_email", "Offensive e-mail"
    DATA_BREACH = "data_breach", "Data breach"


class Severity(models.TextChoices):
    """Policy duty "Breaches graded minor, moderate or severe" (docs/policy-map.md)."""

    MINOR = "minor", "Minor"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "Open"
    INVESTIGATING = "investigating", "Being investigated"
    CLOSED = "closed", "Closed"


class Outcome(models.TextChoices):
    UPHELD = "upheld", "Breach upheld"
    NOT_UPHELD = "not_upheld", "Not upheld (no breach)"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    REFERRED = "referred", "Referred to police / LA / CEOP"


class Incident(NumberedRecord):
    PREFIX = "INC"

    kind = models.CharField(max_length=30, choices=IncidentKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField()
    occurred_at = models.DateTimeField("When it happened")
    reported_at = models.DateTimeField()
    reported_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    severity = models.CharField(max_length=10, choices=Severity.choices, blank=True)
    severity_set_at = models.DateTimeField(null=True, blank=True)
    severity_set_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    violations = models.ManyToManyField(Violation, blank=True, related_name="incidents")
    # The equipment loss record a "lost or stolen equipment" report made (duty "Lost or
    # stolen equipment reported at once").
    loss_report = models.OneToOneField(
        "equipment.LossReport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incident",
    )

    class Meta:
        ordering = ["-reported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="incidents_number_unique"),
        ]
        indexes = [
            models.Index(fields=["school", "-reported_at"], name="incidents_reported"),
            models.Index(fields=["school", "status", "severity"], name="incidents_status_sev"),
            models.Index(fields=["school", "kind", "-reported_at"], name="incidents_kind"),
            models.Index(fields=["reported_by", "-reported_at"], name="incidents_reporter"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display()}"

    @property
    def is_closed(self) -> bool:
        return self.status == IncidentStatus.CLOSED


class Part(models.TextChoices):
    SUBJECT = "subject", "Subject (whose conduct it concerns)"
    VICTIM = "victim", "Victim"
    WITNESS = "witness", "Witness"
    REPORTER = "reporter", "Reporter"


class Involvement(models.Model):
    """A person of the register and the part they play in an incident."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="involvements")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="incident_parts")
    part = models.CharField(max_length=20, choices=Part.choices)
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["part", "person__last_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "person", "part"], name="incidents_involvement_unique"
            ),
        ]
        indexes = [models.Index(fields=["person", "part"], name="incidents_person_part")]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_part_display()}) in {self.incident.reference}"


class ChronologyEntry(ChronologyLine):
    """One dated line of what was done about an incident, by whom."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="chronology")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "chronology entry"
        verbose_name_plural = "chronology entries"
        indexes = [models.Index(fields=["incident", "at"], name="incidents_chronology_at")]


class Evidence(AppendOnly):
    """A file kept for an incident, with its SHA-256; replaced only by a new version.

    The file lives under ``settings.VAR_DIR / "evidence"`` at ``path`` (relative), written
    once and never opened for writing again.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="evidence")
    title = models.CharField(max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64)
    path = models.CharField(max_length=500, unique=True)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = "evidence"
        verbose_name_plural = "evidence"
        indexes = [models.Index(fields=["incident", "uploaded_at"], name="incidents_evidence_at")]

    def __str__(self) -> str:
        return f"{self.title} ({self.filename})"


class PlaybookStep(ChecklistStep):
    """One step of a response playbook applied to an incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")

    class Meta:
        ordering = ["playbook", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "playbook", "code"], name="incidents_step_unique"
            ),
        ]


class SanctionKind(models.TextChoices):
    """The responses a breach may carry (policy duty "Sanctions the policies allow")."""

    VERBAL_WARNING = "verbal_warning", "Verbal warning (held for 12 months)"
    WITHDRAW_ICT = "withdraw_ict", "Withdrawal of ICT access"
    WITHDRAW_INTERNET = "withdraw_internet", "Withdrawal of internet access"
    WITHDRAW_REMOTE = "withdraw_remote", "Withdrawal of remote-learning access"
    DISCIPLINARY = "disciplinary", "Referral to the disciplinary process"
    SUSPENSION = "suspension", "Accounts suspended until the outcome"


class SanctionState(models.TextChoices):
    ACTIVE = "active", "In force"
    ENDED = "ended", "Ended"
    LAPSED = "lapsed", "Lapsed"


class Sanction(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="sanctions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="sanctions")
    kind = models.CharField(max_length=20, choices=SanctionKind.choices)
    starts_on = models.DateField()
    # Withdrawals end (and accounts come back) at the start of this day; empty: open-ended
    # (a suspension until the outcome ends when the incident closes).
    ends_on = models.DateField(null=True, blank=True)
    # A verbal warning is held on record until this day (duty "Verbal warnings held for 12
    # months").
    lapses_on = models.DateField(null=True, blank=True)
    state = models.CharField(
        max_length=10, choices=SanctionState.choices, default=SanctionState.ACTIVE
    )
    notes = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Account pks this sanction suspended, and those it brought back at the end.
    suspended_accounts = models.JSONField(default=list, blank=True)
    restored_accounts = models.JSONField(default=list, blank=True)
    # An internet withdrawal's place in the "No internet" filter group (shared with any
    # other withdrawal in force on the same person); removed when the last of them ends.
    filter_assignment = models.ForeignKey(
        FilterGroupAssignment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sanctions",
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        indexes = [
            models.Index(fields=["state", "ends_on"], name="incidents_sanction_due"),
            models.Index(fields=["person", "state"], name="incidents_sanction_person"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.person}"


class IncidentAccess(AccessGrant):
    """A Warden user let into one incident who could not otherwise read it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="access_list")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="incident_access")

    class Meta(AccessGrant.Meta):
        constraints = [
            models.UniqueConstraint(fields=["incident", "user"], name="incidents_access_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.incident.reference}"


class TriageState(models.TextChoices):
    UNVIEWED = "unviewed", "Not yet viewed"
    VIEWED = "viewed", "Viewed"
    NO_ACTION = "no_action", "No action (archived)"
    FALSE_POSITIVE = "false_positive", "False positive"
    ESCALATED = "escalated", "Escalated to an incident"
    # Safeguarding, not discipline: the DSL raised a welfare concern (warden.safeguarding).
    WELFARE = "welfare", "Raised as a welfare concern"


OPEN_TRIAGE_STATES = frozenset({TriageState.UNVIEWED, TriageState.VIEWED})


class Triage(models.Model):
    """What the safeguarding team decided about one monitoring violation (policy duty
    "Violations assessed daily", docs/policy-map.md).

    Every violation has one, opened unviewed when monitoring stores it
    (``services.triage.triage_open``). The violation's severity, category, subject and the
    time it was found are copied here, and its deadline worked out once, so the queue, the
    overdue count and the reports read this one table through its indexes.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    violation = models.OneToOneField(Violation, on_delete=models.CASCADE, related_name="triage")
    state = models.CharField(
        max_length=20, choices=TriageState.choices, default=TriageState.UNVIEWED
    )
    # Copies of the violation's own fields (ingesting a line again updates both).
    severity = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=60, blank=True)
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When monitoring stored the violation, and one school day later
    # (``rules.triage_due_at``): after that an unviewed violation is overdue.
    found_at = models.DateTimeField()
    due_at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="triages"
    )
    viewed_at = models.DateTimeField(null=True, blank=True)
    viewed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    alerted_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    objects = SchoolScoped()

    class Meta:
        indexes = [
            # The queue: open ones, most severe first, then oldest first.
            models.Index(
                fields=["school", "-severity", "found_at", "violation"],
                condition=Q(state__in=sorted(OPEN_TRIAGE_STATES)),
                name="incidents_triage_open",
            ),
            # One state's list, and counts by state.
            models.Index(
                fields=["school", "state", "-severity", "found_at"],
                name="incidents_triage_by_state",
            ),
            models.Index(
                fields=["school", "due_at"],
                condition=Q(state=TriageState.UNVIEWED),
                name="incidents_triage_overdue",
            ),
            # The weekly and termly reports: what was found in a period.
            models.Index(fields=["school", "found_at"], name="incidents_triage_found"),
            models.Index(
                fields=["school", "digested_at"],
                condition=Q(digested_at__isnull=True),
                name="incidents_triage_undigested",
            ),
        ]

    def __str__(self) -> str:
        return f"Triage of violation {self.violation_id}: {self.get_state_display()}"


# --- staff monitoring authorisations ---------------------------------------------------------


class AuthorisationScope(models.TextChoices):
    INTERNET = "internet", "Internet history"
    EMAIL = "email", "E-mail"
    BOTH = "both", "Internet history and e-mail"


class AuthorisationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    ENDED = "ended", "Ended"


class MonitoringAuthorisation(models.Model):
    """Permission to examine a named member of staff's internet or e-mail use.

    Policy duty "Staff monitored only with authorisation" (docs/policy-map.md): not routine;
    granted by the headteacher or the governing body where there are reasonable grounds to
    suspect misuse, carried out by designated staff, limited to what establishes the facts,
    reviewed regularly and ended as soon as possible. Whether it is in force on a day is
    answered by ``warden.incidents.rules.authorisation_refusal``.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="monitoring_authorisations"
    )
    investigator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    scope = models.CharField(max_length=10, choices=AuthorisationScope.choices)
    reason = models.TextField("Grounds for suspecting misuse")
    starts_on = models.DateField()
    ends_on = models.DateField()
    # ISO dates by which the headteacher or a governor reviews the case for going on.
    review_dates = models.JSONField(default=list, blank=True)
    # The period of use that may be examined; empty: whatever the archive holds.
    history_from = models.DateField(null=True, blank=True)
    history_to = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=AuthorisationStatus.choices, default=AuthorisationStatus.PENDING
    )
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=300, blank=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "status", "-requested_at"], name="incidents_auth_q"),
            models.Index(fields=["investigator", "status"], name="incidents_auth_investigator"),
            models.Index(fields=["subject", "status"], name="incidents_auth_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.subject}"

    @property
    def reference(self) -> str:
        return f"AUTH-{self.pk:04d}"

    @property
    def covers_internet(self) -> bool:
        return self.scope in (AuthorisationScope.INTERNET, AuthorisationScope.BOTH)


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", "Continue: still needed"
    END = "end", "End now"


class AuthorisationReview(models.Model):
    """A review of whether an authorisation is still needed, and its outcome."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    authorisation = models.ForeignKey(
        MonitoringAuthorisation, on_delete=models.PROTECT, related_name="reviews"
    )
    reviewed_on = models.DateField()
    reviewed_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=ReviewOutcome.choices)
    notes = models.TextField()

    objects = SchoolScoped()

    class Meta:
        ordering = ["reviewed_at", "pk"]

    def __str__(self) -> str:
        return f"Review of {self.authorisation.reference} on {self.reviewed_on:%d/%m/%Y}"
