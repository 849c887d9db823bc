"""The equipment register: assets, loans, stocktakes, losses, disposal, software, devices.

Policy duties (docs/policy-map.md): "Equipment logged with its serial number", "Equipment
allocated with ICT authorisation", "Equipment returned on leaving", "Disposal only through an
approved company".
Rules about these records live in ``rules.py``; the possible-breach hook in ``breach.py``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import models
from django.db.models import Q

from warden.core.models import School, User
from warden.core.tenancy import SchoolScoped
from warden.people.models import Person


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AssetType(models.TextChoices):
    LAPTOP = "laptop", "Laptop"
    TABLET = "tablet", "Tablet"
    CHROMEBOOK = "chromebook", "Chromebook"
    DESKTOP = "desktop", "Desktop computer"
    PHONE = "phone", "Mobile phone"
    CAMERA = "camera", "Camera"
    SERVER = "server", "Server"
    NETWORK = "network", "Network device"
    PRINTER = "printer", "Printer"
    DISPLAY = "display", "Display or projector"
    REMOVABLE_MEDIA = "removable_media", "Removable media (USB drive, disk)"
    SIM = "sim", "SIM card"
    OTHER = "other", "Other"


# Types that travel and so are lent out, lost and stolen (the policies' portable ICT).
PORTABLE_TYPES = frozenset(
    {
        AssetType.LAPTOP,
        AssetType.TABLET,
        AssetType.CHROMEBOOK,
        AssetType.PHONE,
        AssetType.CAMERA,
        AssetType.REMOVABLE_MEDIA,
        AssetType.SIM,
    }
)


class AssetState(models.TextChoices):
    IN_STOCK = "in_stock", "In stock"
    ASSIGNED = "assigned", "Assigned"
    ON_LOAN = "on_loan", "On loan"
    IN_REPAIR = "in_repair", "In repair"
    LOST = "lost", "Lost"
    STOLEN = "stolen", "Stolen"
    WRITTEN_OFF = "written_off", "Written off"
    DISPOSED = "disposed", "Disposed"


# States an asset cannot leave through an ordinary edit: a disposal is final, and a loss is
# undone only by recording that the asset was found.
GONE_STATES = frozenset({AssetState.LOST, AssetState.STOLEN, AssetState.DISPOSED})


class Location(models.Model):
    """A room or store where assets live and stocktakes are done."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="equipment_location_name")
        ]

    def __str__(self) -> str:
        return self.name


class Asset(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    asset_tag = models.CharField(max_length=40, help_text="The label stuck on the device.")
    asset_type = models.CharField("Type", max_length=20, choices=AssetType.choices)
    make = models.CharField(max_length=80, blank=True)
    model = models.CharField(max_length=120, blank=True)
    serial = models.CharField("Serial number", max_length=80, blank=True)
    location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="assets"
    )
    state = models.CharField(max_length=20, choices=AssetState.choices, default=AssetState.IN_STOCK)
    purchase_date = models.DateField(null=True, blank=True)
    warranty_until = models.DateField(null=True, blank=True)
    holds_personal_data = models.BooleanField(
        "Can hold personal data",
        default=True,
        help_text="Anything with storage or a sign-in can; untick for a screen or a cable.",
    )
    encrypted = models.BooleanField("Disk encrypted", default=False)
    antivirus = models.BooleanField("Anti-virus", default=False)
    mdm_enrolled = models.BooleanField("Enrolled in MDM", default=False)
    screen_lock = models.BooleanField("Locking screensaver", default=False)
    pin_set = models.BooleanField("PIN or password set", default=False)
    security_checked_on = models.DateField("Security last checked", null=True, blank=True)
    class_set = models.ForeignKey(
        "ClassSet", on_delete=models.SET_NULL, null=True, blank=True, related_name="assets"
    )
    disposal_batch = models.ForeignKey(
        "DisposalBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="assets"
    )
    last_audited_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["asset_tag", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["school", "asset_tag"], name="equipment_asset_tag"),
            models.UniqueConstraint(
                fields=["school", "serial"],
                condition=~Q(serial=""),
                name="equipment_asset_serial",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "state"], name="equipment_asset_state"),
            models.Index(fields=["school", "asset_type"], name="equipment_asset_type"),
            models.Index(fields=["school", "location"], name="equipment_asset_location"),
            models.Index(fields=["school", "serial"], name="equipment_asset_serial_ix"),
        ]

    def __str__(self) -> str:
        what = " ".join(part for part in (self.make, self.model) if part)
        return f"{self.asset_tag} ({what or self.get_asset_type_display()})"

    @property
    def is_gone(self) -> bool:
        return self.state in GONE_STATES or self.state == AssetState.WRITTEN_OFF


class AgreementText(models.Model):
    """The exact words of a loan agreement someone accepted, kept once per text.

    The text is the school's published device loan agreement when it has one, else the
    built-in one; either way an acceptance keeps this row's SHA-256, so the words agreed to
    can always be shown.
    """

    sha256 = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    label = models.CharField(max_length=60, blank=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.title} {self.label}".strip()


class LoanState(models.TextChoices):
    AWAITING_PERMISSION = "permission", "Awaiting permission"
    AWAITING_AGREEMENT = "awaiting", "Awaiting the loan agreement"
    ISSUED = "issued", "Issued"
    RETURNED = "returned", "Returned"
    WRITTEN_OFF = "written_off", "Written off"
    CANCELLED = "cancelled", "Cancelled (never issued)"


OPEN_LOAN_STATES = (LoanState.AWAITING_PERMISSION, LoanState.AWAITING_AGREEMENT, LoanState.ISSUED)


class LoanKind(models.TextChoices):
    LOAN = "loan", "Loan (due back)"
    ASSIGNMENT = "assignment", "Assignment (kept while in post)"


class AcceptanceMethod(models.TextChoices):
    DESK = "desk", "At the desk"
    LINK = "link", "One-time link"


class Loan(models.Model):
    """One asset in one person's hands, from check-out to check-in (or write-off)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="loans")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="equipment_loans")
    kind = models.CharField(max_length=20, choices=LoanKind.choices, default=LoanKind.LOAN)
    state = models.CharField(
        max_length=20, choices=LoanState.choices, default=LoanState.AWAITING_AGREEMENT
    )
    purpose = models.CharField(max_length=200, blank=True)
    due_on = models.DateField(null=True, blank=True)
    off_site = models.BooleanField(
        "Leaves the school site",
        default=True,
        help_text="Untick when the device stays in school (a laptop used in class).",
    )
    class_set_loan = models.ForeignKey(
        "ClassSetLoan", on_delete=models.PROTECT, null=True, blank=True, related_name="loans"
    )
    # A staff loan needs the ICT security manager's and the headteacher's permission
    # (``rules.permission_needed``): who gave each, and when.
    ict_permission_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ict_permission_at = models.DateTimeField(null=True, blank=True)
    head_permission_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    head_permission_at = models.DateTimeField(null=True, blank=True)
    permission_refused_reason = models.CharField(max_length=300, blank=True)
    checked_out_at = models.DateTimeField()
    checked_out_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The acceptance of the loan agreement: who typed what, when, from where, to which text.
    agreement_text = models.ForeignKey(
        AgreementText, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agreement_sha256 = models.CharField(max_length=64, blank=True)
    # The agreements area's record of the same acceptance, when the text is the school's
    # published device loan agreement (so it also shows among the person's signatures).
    signature = models.ForeignKey(
        "agreements.Signature",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_name = models.CharField(max_length=200, blank=True)
    accepted_method = models.CharField(max_length=10, choices=AcceptanceMethod.choices, blank=True)
    accepted_ip = models.GenericIPAddressField(null=True, blank=True)
    accepted_user_agent = models.CharField(max_length=400, blank=True)
    link_token_hash = models.CharField(max_length=64, blank=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    return_condition = models.CharField(max_length=20, blank=True)
    return_notes = models.TextField(blank=True)
    written_off_reason = models.CharField(max_length=300, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-checked_out_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"],
                condition=Q(state__in=[str(state) for state in OPEN_LOAN_STATES]),
                name="equipment_one_open_loan",
            ),
            models.CheckConstraint(
                condition=~Q(state="issued") | Q(accepted_at__isnull=False),
                name="equipment_issued_is_accepted",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "state", "due_on"], name="equipment_loan_due"),
            models.Index(fields=["person", "state"], name="equipment_loan_person"),
            models.Index(fields=["link_token_hash"], name="equipment_loan_link"),
        ]

    def __str__(self) -> str:
        return f"{self.asset.asset_tag} to {self.person}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_LOAN_STATES

    @property
    def is_issued(self) -> bool:
        return self.state == LoanState.ISSUED


class ReturnCondition(models.TextChoices):
    GOOD = "good", "Good"
    WORN = "worn", "Worn but working"
    DAMAGED = "damaged", "Damaged"
    FAULTY = "faulty", "Faulty"


class ClassSet(models.Model):
    """A set of devices lent to a class together (thirty tablets on a trolley)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="equipment_class_set_name")
        ]

    def __str__(self) -> str:
        return self.name


class ClassSetLoan(models.Model):
    """A class set out to a teacher for a lesson; each device has its own ``Loan``."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    class_set = models.ForeignKey(ClassSet, on_delete=models.PROTECT, related_name="set_loans")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    group = models.CharField("Class", max_length=40, blank=True)
    purpose = models.CharField(max_length=200, blank=True)
    due_on = models.DateField()
    checked_out_at = models.DateTimeField()
    checked_out_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-checked_out_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.class_set} to {self.person}"


# --- stocktakes ------------------------------------------------------------------------------


class AuditPlan(models.Model):
    """How often a location's assets are counted, and when the next count is due."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    location = models.OneToOneField(Location, on_delete=models.PROTECT, related_name="plan")
    interval_days = models.PositiveSmallIntegerField(default=365)
    next_due = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["next_due", "pk"]

    def __str__(self) -> str:
        return f"Stocktake plan for {self.location}"


class Stocktake(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stocktakes")
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["location"],
                condition=Q(completed_at__isnull=True),
                name="equipment_one_open_stocktake",
            )
        ]

    def __str__(self) -> str:
        return f"Stocktake of {self.location} ({self.started_at:%d/%m/%Y})"


class ThroughStocktake(SchoolScoped[Any]):
    """A stocktake's lines belong to the stocktake's school."""

    path = "stocktake__school"


class StocktakeLine(models.Model):
    """One asset expected at the location when the count began, and whether it was seen."""

    stocktake = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="lines")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    expected = models.BooleanField(default=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    seen_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    how = models.CharField(max_length=10, blank=True)  # "scan" or "confirm"

    objects = ThroughStocktake()

    class Meta:
        ordering = ["asset__asset_tag"]
        constraints = [
            models.UniqueConstraint(fields=["stocktake", "asset"], name="equipment_stock_line")
        ]

    def __str__(self) -> str:
        return f"{self.asset} in {self.stocktake}"


# --- loss, theft and the possible breach -----------------------------------------------------


class LossKind(models.TextChoices):
    LOST = "lost", "Lost"
    STOLEN = "stolen", "Stolen"


class LossReport(models.Model):
    """A lost or stolen asset (duty "Lost or stolen equipment reported at once")."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="loss_reports")
    kind = models.CharField(max_length=10, choices=LossKind.choices)
    happened_at = models.DateTimeField(help_text="When it went missing, as near as known.")
    reported_at = models.DateTimeField()
    reported_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    holder = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    circumstances = models.TextField()
    police_reference = models.CharField(max_length=60, blank=True)
    # The asset's posture at the moment of the report, kept as it was then.
    held_personal_data = models.BooleanField()
    was_encrypted = models.BooleanField()
    found_at = models.DateTimeField(null=True, blank=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-reported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.asset.asset_tag} reported {self.get_kind_display().lower()}"


class BreachStatus(models.TextChoices):
    OPEN = "open", "Open: the SIRO must assess it"
    ACKNOWLEDGED = "acknowledged", "Acknowledged by the SIRO"


class PossibleBreach(models.Model):
    """A possible personal-data breach raised by a loss (see ``breach.py``).

    ``raised_at`` is the time of the report: the 72-hour clock for telling the ICO runs from
    when the school became aware, and the report is that moment.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    loss_report = models.OneToOneField(
        LossReport, on_delete=models.PROTECT, related_name="possible_breach"
    )
    raised_at = models.DateTimeField()
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=20, choices=BreachStatus.choices, default="open")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["school", "status"], name="equipment_breach_status")]

    def __str__(self) -> str:
        return f"Possible breach: {self.loss_report}"


# --- disposal --------------------------------------------------------------------------------


class DisposalCompany(models.Model):
    """A company approved to take equipment away (duty "Disposal only through an approved
    company", docs/policy-map.md)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    waste_carrier_number = models.CharField(
        max_length=60, blank=True, help_text="Environment Agency waste carrier registration."
    )
    contact = models.CharField(max_length=200, blank=True)
    approved = models.BooleanField(default=False)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "disposal companies"
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="equipment_company_name")
        ]

    def __str__(self) -> str:
        return self.name


class WipingMethod(models.TextChoices):
    OVERWRITE = "overwrite", "Software overwrite (NIST 800-88 Clear / Purge)"
    CRYPTO_ERASE = "crypto_erase", "Cryptographic erase (encrypted disk, key destroyed)"
    DEGAUSS = "degauss", "Degaussing"
    SHRED = "shred", "Physical destruction (shredding)"
    NO_STORAGE = "no_storage", "No data storage in the batch"


class DisposalBatch(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(DisposalCompany, on_delete=models.PROTECT, related_name="batches")
    reference = models.CharField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    collected_on = models.DateField(null=True, blank=True)
    certificate_number = models.CharField(max_length=80, blank=True)
    certificate_scan = models.FileField(upload_to="equipment/certificates/%Y/", blank=True)
    certificate_sha256 = models.CharField(max_length=64, blank=True)
    weee_reference = models.CharField("WEEE reference", max_length=80, blank=True)
    wiping_method = models.CharField(max_length=20, choices=WipingMethod.choices, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "disposal batches"
        constraints = [
            models.UniqueConstraint(fields=["school", "reference"], name="equipment_batch_ref"),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True)
                | (~Q(certificate_number="") & ~Q(certificate_sha256="") & ~Q(weee_reference=""))
                & ~Q(wiping_method=""),
                name="equipment_batch_complete_has_certificate",
            ),
        ]

    def __str__(self) -> str:
        return f"Disposal {self.reference}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


# --- software --------------------------------------------------------------------------------


class LicenceModel(models.TextChoices):
    PER_DEVICE = "per_device", "Per device"
    PER_USER = "per_user", "Per user"
    SITE = "site", "Site licence (unlimited)"
    FREE = "free", "Free / open source"


class SoftwareProduct(models.Model):
    """Software the school licenses: seats bought and when they renew (duty "Software
    licences reconciled", docs/policy-map.md)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    publisher = models.CharField(max_length=200, blank=True)
    licence_model = models.CharField(
        max_length=20, choices=LicenceModel.choices, default=LicenceModel.PER_DEVICE
    )
    seats = models.PositiveIntegerField(default=0)
    renewal_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="equipment_product_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def counts_seats(self) -> bool:
        return self.licence_model not in (LicenceModel.SITE, LicenceModel.FREE)


class Installation(models.Model):
    """A product installed on an asset; removed rows stay, with the date they went."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        SoftwareProduct, on_delete=models.PROTECT, related_name="installations"
    )
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="installations")
    version = models.CharField(max_length=60, blank=True)
    installed_on = models.DateField(null=True, blank=True)
    first_seen_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_reason = models.CharField(max_length=200, blank=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["product__name", "asset__asset_tag"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "asset"],
                condition=Q(removed_at__isnull=True),
                name="equipment_one_live_install",
            )
        ]
        indexes = [
            models.Index(fields=["school", "product", "removed_at"], name="equipment_install_live")
        ]

    def __str__(self) -> str:
        return f"{self.product} on {self.asset.asset_tag}"


class RequestState(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    DONE = "done", "Done"
    WITHDRAWN = "withdrawn", "Withdrawn"


class InstallRequest(models.Model):
    """A request to install software, decided by the ICT manager (duty "Software installed
    only with authorisation", docs/policy-map.md)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        SoftwareProduct, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    software_name = models.CharField(max_length=200)
    asset = models.ForeignKey(
        Asset, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField()
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=RequestState.choices, default="pending")
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    installation = models.ForeignKey(
        Installation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["school", "state"], name="equipment_installreq_state")]

    def __str__(self) -> str:
        return f"Install {self.software_name}"


# --- imports ---------------------------------------------------------------------------------


class ImportKind(models.TextChoices):
    ASSETS = "assets", "Assets"
    INSTALLATIONS = "installations", "Software installations"


class EquipmentImportRun(models.Model):
    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        DRY_RUN = "dry_run", "Dry run (nothing saved)"
        REJECTED = "rejected", "Rejected (errors, nothing saved)"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    started_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    removed_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.filename}"


# --- personal devices, pupils' phones, guest Wi-Fi -------------------------------------------


class DeviceRequest(models.Model):
    """A member of staff asks to connect a personal device (duty "Personal devices connect
    only with permission", docs/policy-map.md).

    SLT approve; Technical Support then set up the connection, recording the MAC address
    and serial of the device they connected.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for SLT"
        APPROVED = "approved", "Approved: waiting for set-up"
        REFUSED = "refused", "Refused"
        CONNECTED = "connected", "Set up and connected"
        REVOKED = "revoked", "Connection removed"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    device = models.CharField(max_length=200, help_text="What it is, e.g. personal iPad.")
    reason = models.TextField()
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=State.choices, default="pending")
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    set_up_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    set_up_at = models.DateTimeField(null=True, blank=True)
    mac_address = models.CharField("MAC address", max_length=17, blank=True)
    serial = models.CharField("Serial number", max_length=80, blank=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["school", "state"], name="equipment_devreq_state")]

    def __str__(self) -> str:
        return f"{self.device} for {self.person}"


class PhoneRequest(models.Model):
    """A parent's request for their child to bring a mobile phone (duty "Pupils' phones
    need a parent's request", docs/policy-map.md).

    Approved by the school; the phone is handed in at the office on arrival and collected
    at the end of the day.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for the school"
        APPROVED = "approved", "Approved: phone kept at the office"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    received_on = models.DateField()
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=State.choices, default="pending")
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"Phone request for {self.pupil}"


class PhoneHandIn(models.Model):
    """One day's hand-in of an approved pupil's phone at the office, and its collection."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(PhoneRequest, on_delete=models.PROTECT, related_name="hand_ins")
    day = models.DateField()
    handed_in_at = models.DateTimeField()
    received_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    collected_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["-day", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "day"], name="equipment_phone_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.request.pupil}'s phone on {self.day:%d/%m/%Y}"


class GuestWifiSession(models.Model):
    """A visitor given guest Wi-Fi: who, why, who supervised, and from when to when."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    visitor_name = models.CharField(max_length=200)
    organisation = models.CharField(max_length=200, blank=True)
    visitor = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(max_length=300)
    supervisor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    device = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["school", "started_at"], name="equipment_wifi_started")]

    def __str__(self) -> str:
        return f"Guest Wi-Fi for {self.visitor_name}"


class EquipmentSettings(models.Model):
    """A school's choices about equipment, one row a school (made on first use)."""

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="equipment_settings"
    )
    staff_loans_need_permission = models.BooleanField(
        "Staff loans need the ICT manager's and the headteacher's permission",
        default=True,
        help_text=(
            "The ICT security policy lends equipment to staff only with the permission of the "
            "ICT security manager and the headteacher."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped()

    def __str__(self) -> str:
        return f"Equipment settings of {self.school}"


class OffSiteException(models.Model):
    """The SIRO's permission for a device that can hold personal data and is not encrypted
    to leave the site anyway, until ``ends_on`` (``rules.off_site_refusal``)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="off_site_exceptions")
    reason = models.CharField(max_length=300)
    ends_on = models.DateField()
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [
            models.Index(fields=["asset", "ends_on"], name="equipment_offsite_exc"),
        ]

    def __str__(self) -> str:
        return f"{self.asset.asset_tag} may leave the site until {self.ends_on:%d/%m/%Y}"
