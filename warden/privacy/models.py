"""The privacy area's tables: the personal-data breach log, the processors register, the
SIRO's overrides for pupils' accounts, permissions to take personal data off site and the
secure wipes of removable media.

Policy duties (docs/policy-map.md): "Information risk incidents reported and logged",
"Processors have GDPR clauses", "Personal data off site only with the headteacher's
permission", "Removable media wiped before re-use or disposal". The rules about these
records live in ``rules.py``; every write goes through ``services.py``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from warden.accounts.models import Account, System
from warden.core.confidential.models import ChronologyLine, NumberedRecord
from warden.core.models import School, User
from warden.core.tenancy import SchoolScoped
from warden.equipment.models import Asset, LossReport, PossibleBreach, WipingMethod
from warden.incidents.models import Incident
from warden.people.models import Person

# --- the breach log --------------------------------------------------------------------------


class BreachSource(models.TextChoices):
    MANUAL = "manual", "Opened by hand"
    LOST_DEVICE = "lost_device", "Lost or stolen device"
    INCIDENT = "incident", "E-safety incident of kind data breach"
    ACCOUNT = "account", "Compromised account"


class BreachState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class DataCategory(models.TextChoices):
    """What kinds of personal data a breach or a processor touches (the ICO's form asks)."""

    CONTACT = "contact", "Names and contact details"
    IDENTIFIERS = "identifiers", "Identifiers (UPN, date of birth)"
    ATTAINMENT = "attainment", "Attainment and assessment"
    ATTENDANCE = "attendance", "Attendance and behaviour"
    SAFEGUARDING = "safeguarding", "Safeguarding and welfare"
    FINANCIAL = "financial", "Financial (free school meals, payments)"
    CREDENTIALS = "credentials", "Sign-in details"
    IMAGES = "images", "Photographs and video"
    # Special category data (UK GDPR Art. 9)
    HEALTH = "health", "Health and SEND (special category)"
    ETHNICITY = "ethnicity", "Ethnicity or religion (special category)"
    BIOMETRIC = "biometric", "Biometric data (special category)"


SPECIAL_CATEGORIES = frozenset(
    {DataCategory.HEALTH, DataCategory.ETHNICITY, DataCategory.BIOMETRIC}
)


class Likelihood(models.TextChoices):
    REMOTE = "remote", "Remote"
    POSSIBLE = "possible", "Possible"
    LIKELY = "likely", "Likely"


class Harm(models.TextChoices):
    MINIMAL = "minimal", "Minimal"
    SIGNIFICANT = "significant", "Significant"
    SEVERE = "severe", "Severe"


class Containment(models.TextChoices):
    CONTAINED = "contained", "Contained (data recovered or access closed)"
    PARTLY = "partly", "Partly contained"
    NOT_CONTAINED = "not_contained", "Not contained"


class IcoDecision(models.TextChoices):
    REPORT = "report", "Report to the ICO"
    NOT_REPORTABLE = "not_reportable", "Not reportable to the ICO"


class Breach(NumberedRecord):
    """A personal-data breach (UK GDPR Art. 33–34), opened by hand or from a lost device, an
    incident of kind "data breach" or a compromised account.

    ``aware_at`` starts the ICO's 72-hour clock (Art. 33(1)): when the school became aware,
    by default when the breach was opened. ``alerted_*`` keep when each alert went, so the
    job never sends one twice. ``outcome_notes`` (from ``NumberedRecord``) holds the lessons
    learned at closing.
    """

    PREFIX = "DB"

    title = models.CharField(max_length=200)
    description = models.TextField()
    source = models.CharField(max_length=20, choices=BreachSource.choices)
    state = models.CharField(max_length=10, choices=BreachState.choices, default=BreachState.OPEN)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    aware_at = models.DateTimeField("Became aware")
    aware_reason = models.CharField(max_length=300, blank=True)
    possible_breach = models.OneToOneField(
        PossibleBreach, on_delete=models.PROTECT, null=True, blank=True, related_name="breach"
    )
    loss_report = models.ForeignKey(
        LossReport, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    incident = models.OneToOneField(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="data_breach"
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The ICO's risk assessment
    data_description = models.TextField("What data", blank=True)
    categories = models.JSONField(default=list, blank=True)
    people_affected = models.PositiveIntegerField(null=True, blank=True)
    likelihood = models.CharField(max_length=10, choices=Likelihood.choices, blank=True)
    harm = models.CharField(max_length=12, choices=Harm.choices, blank=True)
    containment = models.CharField(max_length=15, choices=Containment.choices, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)
    assessed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The decision
    decision = models.CharField(max_length=15, choices=IcoDecision.choices, blank=True)
    decision_reasons = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ico_reference = models.CharField("ICO reference", max_length=60, blank=True)
    ico_reported_on = models.DateField("Reported to the ICO on", null=True, blank=True)
    # When each clock alert went (never twice)
    alerted_24_at = models.DateTimeField(null=True, blank=True)
    alerted_48_at = models.DateTimeField(null=True, blank=True)
    alerted_overdue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-aware_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="privacy_breach_number"),
            models.CheckConstraint(
                condition=Q(state="open") | ~Q(decision=""), name="privacy_closed_has_decision"
            ),
            models.CheckConstraint(
                condition=~Q(decision="report") | ~Q(ico_reference=""),
                name="privacy_reported_has_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "state", "aware_at"], name="privacy_breach_state"),
            models.Index(fields=["school", "-opened_at"], name="privacy_breach_opened"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state == BreachState.OPEN

    @property
    def special_category(self) -> bool:
        return bool(set(self.categories or []) & SPECIAL_CATEGORIES)

    @property
    def category_labels(self) -> list[str]:
        chosen = set(self.categories or [])
        return [label for value, label in DataCategory.choices if value in chosen]

    @property
    def is_assessed(self) -> bool:
        return self.assessed_at is not None


class BreachEntry(ChronologyLine):
    breach = models.ForeignKey(Breach, on_delete=models.PROTECT, related_name="chronology")

    class Meta:
        ordering = ["at", "pk"]


class InformedParty(models.TextChoices):
    DATA_SUBJECTS = "data_subjects", "The people whose data it is"
    PARENTS = "parents", "Parents and carers"
    POLICE = "police", "The police"
    LOCAL_AUTHORITY = "local_authority", "The local authority"
    PROCESSOR = "processor", "The processor or supplier"
    OTHER = "other", "Someone else"


class InformedHow(models.TextChoices):
    LETTER = "letter", "Letter"
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Telephone"
    MEETING = "meeting", "In person"


class BreachNotice(models.Model):
    """Who was told about a breach, when and how (UK GDPR Art. 34 for the data subjects)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    breach = models.ForeignKey(Breach, on_delete=models.PROTECT, related_name="notices")
    party = models.CharField("Who", max_length=20, choices=InformedParty.choices)
    detail = models.CharField(max_length=200, help_text="E.g. the 28 families of 6B.")
    informed_on = models.DateField("When")
    how = models.CharField(max_length=10, choices=InformedHow.choices)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["informed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_party_display()} informed on {self.informed_on:%d/%m/%Y}"


class BreachAction(models.Model):
    """Something to do about a breach, whose it is, and when it was done."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    breach = models.ForeignKey(Breach, on_delete=models.PROTECT, related_name="actions")
    text = models.CharField("Action", max_length=300)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(null=True, blank=True)
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["done_at", "due_on", "pk"]

    def __str__(self) -> str:
        return self.text


# --- processors and cloud services -----------------------------------------------------------


class StorageRegion(models.TextChoices):
    UK = "uk", "United Kingdom"
    EEA = "eea", "European Economic Area"
    ADEQUACY = "adequacy", "A country with UK adequacy regulations"
    OTHER = "other", "Elsewhere (needs safeguards such as the IDTA)"


class ProcessorRecord(models.Model):
    """A system's data-protection record (UK GDPR Art. 28 and 35): who processes the data,
    which data, the contract's GDPR clauses, the DPIA, where the data is stored, and whether
    the SIRO has approved it. A pupil is given an account only on a system whose record is
    approved, or with the SIRO's override (``rules.processor_refusal``)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    system = models.OneToOneField(System, on_delete=models.PROTECT, related_name="processor")
    processor_name = models.CharField("Processor", max_length=200)
    data_categories = models.JSONField(default=list, blank=True)
    dpa_signed_on = models.DateField("Contract with GDPR clauses signed on", null=True, blank=True)
    dpa_file = models.FileField(upload_to="privacy/contracts/%Y/", blank=True)
    dpa_sha256 = models.CharField(max_length=64, blank=True)
    dpia_on = models.DateField("DPIA carried out on", null=True, blank=True)
    dpia_review_on = models.DateField("DPIA review due", null=True, blank=True)
    dpia_file = models.FileField(upload_to="privacy/dpias/%Y/", blank=True)
    dpia_sha256 = models.CharField(max_length=64, blank=True)
    storage = models.CharField(
        "Where the data is stored", max_length=10, choices=StorageRegion.choices
    )
    notes = models.TextField(blank=True)
    approved = models.BooleanField(default=False)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["system__name"]
        indexes = [models.Index(fields=["school", "approved"], name="privacy_processor_approved")]

    def __str__(self) -> str:
        return f"{self.system}: {self.processor_name}"

    @property
    def review_overdue(self) -> bool:
        """The DPIA's review date has passed (the register flags it)."""
        return self.dpia_review_on is not None and self.dpia_review_on < timezone.localdate()

    @property
    def category_labels(self) -> list[str]:
        chosen = set(self.data_categories or [])
        return [label for value, label in DataCategory.choices if value in chosen]


class ProcessorOverride(models.Model):
    """The SIRO's permission for one pupil to have an account on a system whose
    data-protection record is not approved, with the reason."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    granted_at = models.DateTimeField()
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["system", "person"], name="privacy_one_override"),
        ]

    def __str__(self) -> str:
        return f"{self.person} may use {self.system}"


# --- removable media and off-site data -------------------------------------------------------


class OffSitePermission(models.Model):
    """The headteacher's permission for a member of staff to take personal data off site
    (policy duty "Personal data leaves the site only encrypted": "full permission of the head
    teacher"): who, what data, why, from and to."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    data_description = models.CharField("What data", max_length=300)
    purpose = models.CharField("Why", max_length=300)
    media = models.ForeignKey(
        Asset,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The encrypted drive or device it travels on, when one of the school's.",
    )
    starts_on = models.DateField("From")
    ends_on = models.DateField("To")
    granted_at = models.DateTimeField()
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="privacy_offsite_dates"
            ),
        ]
        indexes = [models.Index(fields=["school", "ends_on"], name="privacy_offsite_ends")]

    def __str__(self) -> str:
        return f"{self.person} may take {self.data_description} off site"


class MediaWipe(models.Model):
    """A secure wipe of removable media, recorded before it is lent again or disposed of."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=20, choices=WipingMethod.choices)
    note = models.CharField(max_length=300, blank=True)
    wiped_at = models.DateTimeField()
    wiped_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["-wiped_at", "-pk"]
        indexes = [models.Index(fields=["asset", "-wiped_at"], name="privacy_wipe_asset")]

    def __str__(self) -> str:
        return f"{self.asset.asset_tag} wiped {self.wiped_at:%d/%m/%Y}"
