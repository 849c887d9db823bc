"""Welfare concerns: the DSL's confidential record of a worry about a child.

Safeguarding, not discipline (Keeping Children Safe in Education; the DfE filtering and
monitoring standards): a monitoring alert about self-harm, suicide, abuse, grooming or
exploitation, radicalisation or bullying of the pupil is a concern for the designated
safeguarding lead, recorded here, never a breach of the acceptable-use policy. A concern has
no severity, no sanction and never touches the child's accounts; when misuse happened as
well, it is linked to the breach recorded in the incident log.

Who may read a concern is answered by ``warden.safeguarding.access``, never by these models.
The chronology is append-only, like an incident's.
"""

from __future__ import annotations

from django.db import models

from warden.core.confidential.models import (
    AccessGrant,
    ChecklistStep,
    ChronologyLine,
    NumberedRecord,
)
from warden.core.models import School, User
from warden.core.tenancy import SchoolScoped
from warden.incidents.models import Incident
from warden.monitoring.models import Violation
from warden.people.models import Person


class ConcernCategory(models.TextChoices):
    SELF_HARM = "self_harm", "Self-harm"
    SUICIDE = "suicide", "Suicide risk"
    EATING_DISORDER = "eating_disorder", "Eating disorder"
    EXPLOITATION = "exploitation", "Sexual exploitation or grooming"
    ABUSE = "abuse", "Abuse or neglect"
    RADICALISATION = "radicalisation", "Radicalisation or extremism"
    BULLYING = "bullying", "Bullying of the pupil"
    ILLEGAL_IMAGES = "illegal_images", "Illegal images"
    OTHER = "other", "Another worry about the child"


class ConcernStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ParentsInformed(models.TextChoices):
    NOT_YET = "", "Not decided yet"
    INFORMED = "informed", "Parents or carers informed"
    NOT_INFORMED = "not_informed", "Not informed: it would put the child at risk"


class ConcernOutcome(models.TextChoices):
    SUPPORT_IN_SCHOOL = "support_in_school", "Supported in school"
    EARLY_HELP = "early_help", "Early help in place"
    REFERRED = "referred", "Referred to another agency, who lead"
    NO_FURTHER_ACTION = "no_further_action", "No further action: no continuing concern"
    MOVED_SCHOOL = "moved_school", "Record passed to the child's new school"


class WelfareConcern(NumberedRecord):
    PREFIX = "WC"

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="welfare_concerns", verbose_name="Child"
    )
    category = models.CharField(max_length=20, choices=ConcernCategory.choices)
    summary = models.TextField("What was seen")
    search_terms = models.TextField("Search terms", blank=True)
    seen_at = models.DateTimeField("When it was seen")
    raised_at = models.DateTimeField()
    raised_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assessment = models.TextField("The DSL's assessment", blank=True)
    spoke_to_pupil_on = models.DateField("Spoke to the pupil on", null=True, blank=True)
    spoke_to_pupil_note = models.TextField("What the pupil said", blank=True)
    parents = models.CharField(
        "Parents or carers", max_length=20, choices=ParentsInformed.choices, blank=True
    )
    parents_on = models.DateField("Parents informed on", null=True, blank=True)
    parents_not_informed_reason = models.TextField("Why parents were not informed", blank=True)
    review_on = models.DateField("Review on", null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ConcernStatus.choices, default=ConcernStatus.OPEN
    )
    outcome = models.CharField(max_length=20, choices=ConcernOutcome.choices, blank=True)
    # The breach in the incident log when misuse happened as well (both routes apply).
    incident = models.ForeignKey(
        Incident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="welfare_concerns",
        verbose_name="Linked breach",
    )
    violations = models.ManyToManyField(Violation, blank=True, related_name="welfare_concerns")

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "number"], name="safeguarding_concern_number_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status", "-raised_at"], name="safeguarding_status"),
            models.Index(fields=["school", "review_on"], name="safeguarding_review"),
            models.Index(fields=["person", "-raised_at"], name="safeguarding_person"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_category_display()}"

    @property
    def is_closed(self) -> bool:
        return self.status == ConcernStatus.CLOSED


class ConcernEntry(ChronologyLine):
    """One dated line of what was seen, decided or done, by whom."""

    concern = models.ForeignKey(WelfareConcern, on_delete=models.PROTECT, related_name="chronology")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "concern chronology entry"
        verbose_name_plural = "concern chronology entries"
        indexes = [models.Index(fields=["concern", "at"], name="safeguarding_chronology_at")]


class Agency(models.TextChoices):
    """Where a DSL refers a concern (Keeping Children Safe in Education, Part one)."""

    SOCIAL_CARE = "social_care", "Children's social care (MASH)"
    PREVENT = "prevent", "Prevent / Channel"
    CEOP = "ceop", "CEOP (ceop.police.uk)"
    POLICE = "police", "Police"
    EARLY_HELP = "early_help", "Early help"
    COUNSELLOR = "counsellor", "School counsellor"


class Referral(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    concern = models.ForeignKey(WelfareConcern, on_delete=models.PROTECT, related_name="referrals")
    agency = models.CharField(max_length=20, choices=Agency.choices)
    made_on = models.DateField("Referred on")
    reference = models.CharField("Their reference", max_length=100, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["made_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_agency_display()} on {self.made_on:%d/%m/%Y}"


class ConcernStep(ChecklistStep):
    """One step of a safeguarding playbook applied to a concern."""

    concern = models.ForeignKey(WelfareConcern, on_delete=models.CASCADE, related_name="steps")

    class Meta:
        ordering = ["playbook", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["concern", "playbook", "code"], name="safeguarding_step_unique"
            ),
        ]


class ConcernAccess(AccessGrant):
    """A Warden user the DSL let into one concern, with the reason (need to know)."""

    concern = models.ForeignKey(
        WelfareConcern, on_delete=models.CASCADE, related_name="access_list"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="concern_access")

    class Meta(AccessGrant.Meta):
        constraints = [
            models.UniqueConstraint(fields=["concern", "user"], name="safeguarding_access_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.concern.reference}"


class SafeguardingSettings(models.Model):
    """A school's own words and contacts: the block page's help, and who is told what.

    Empty fields fall back to Warden's wording (``warden.safeguarding.rules``).
    """

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="safeguarding_settings"
    )
    block_help_text = models.TextField(
        "Help shown on blocked pages about self-harm, suicide, abuse or radicalisation",
        blank=True,
    )
    show_dsl_on_block_page = models.BooleanField(
        "Name the safeguarding lead on those pages", default=False
    )
    dsl_name_for_pupils = models.CharField(
        "How pupils know the safeguarding lead", max_length=200, blank=True
    )
    is_academy = models.BooleanField("The school is an academy", default=False)
    online_safety_lead = models.CharField(
        "The trust's online-safety lead (name and contact)", max_length=300, blank=True
    )
    la_esafety_officer = models.CharField(
        "The local authority's e-safety officer (name and contact)", max_length=300, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        verbose_name = "safeguarding settings"
        verbose_name_plural = "safeguarding settings"

    def __str__(self) -> str:
        return f"Safeguarding settings of {self.school}"
