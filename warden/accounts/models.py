"""Systems people get accounts on, and each person's account on each system.

The request-and-approve flow is the policy duty "New access authorised by SLT"
(docs/policy-map.md): requested by the ICT manager or office, approved by SLT, provisioned
by a technician. An account's ``state`` moves requested → approved → active → suspended →
disabled → deleted; each step keeps its time and who took it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from warden.core.models import School, User
from warden.core.roles import Perm
from warden.core.tenancy import SchoolScoped
from warden.people.models import Person, PersonType


class SystemKind(models.TextChoices):
    DIRECTORY = "directory", "Network / directory sign-in"
    EMAIL = "email", "E-mail"
    MIS = "mis", "MIS"
    CLOUD = "cloud", "Cloud suite"
    LEARNING = "learning", "Learning platform"
    REMOTE = "remote", "Remote access"
    GUEST_WIFI = "guest_wifi", "Guest Wi-Fi"
    SUPPLY = "supply", "Generic supply account"
    OTHER = "other", "Other"


class Connector(models.TextChoices):
    NONE = "none", "None (CSV export)"
    LDAP = "ldap", "LDAP directory"


class DirectoryKind(models.TextChoices):
    """The schema an LDAP connector writes (``warden.accounts.directory``)."""

    OPENLDAP = "openldap", "OpenLDAP schema (inetOrgPerson, groupOfNames)"
    ACTIVE_DIRECTORY = "ad", "Active Directory (user, group, OUs by role and year)"


class System(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="systems")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=SystemKind.choices, default=SystemKind.OTHER)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    holds_personal_data = models.BooleanField(default=False)
    # Person types (warden.people.models.PersonType values) who may hold an account here.
    allowed_person_types = models.JSONField(default=list, blank=True)
    restricted = models.BooleanField(
        default=False, help_text="SLT or SEND areas: approval needs the restricted-access right."
    )
    connector = models.CharField(max_length=10, choices=Connector.choices, default=Connector.NONE)
    # Duty "Remote access only for named staff": only the staff named here hold an account.
    remote_access = models.BooleanField(
        default=False, help_text="Remote access: only the named staff may hold an account."
    )
    remote_people = models.ManyToManyField(Person, blank=True, related_name="+")
    # LDAP connection (``connector == ldap``). The bind password is never stored here: it is
    # read from the environment variable or file named below when a sync runs.
    ldap_url = models.CharField("Server URL", max_length=300, blank=True)
    ldap_bind_dn = models.CharField("Bind DN", max_length=300, blank=True)
    ldap_password_env = models.CharField(
        "Bind password environment variable", max_length=100, blank=True
    )
    ldap_password_file = models.CharField("Bind password file", max_length=300, blank=True)
    ldap_people_dn = models.CharField("People base DN", max_length=300, blank=True)
    ldap_groups_dn = models.CharField("Groups base DN", max_length=300, blank=True)
    directory_kind = models.CharField(
        "Directory kind",
        max_length=10,
        choices=DirectoryKind.choices,
        default=DirectoryKind.OPENLDAP,
    )
    # Active Directory: accounts sign in as ``username@suffix``; empty takes the DNS domain
    # from the DC= parts of the people base DN.
    ldap_upn_suffix = models.CharField("User principal name suffix", max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="accounts_system_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active_directory(self) -> bool:
        return self.directory_kind == DirectoryKind.ACTIVE_DIRECTORY

    @property
    def uses_ldaps(self) -> bool:
        """Whether the connection is LDAP over TLS, the only way Active Directory takes a
        password."""
        return self.ldap_url.lower().startswith("ldaps:")

    @property
    def allowed_labels(self) -> list[str]:
        """The person types who may hold an account, in words (empty: anyone)."""
        allowed = set(self.allowed_person_types or [])
        return [label for value, label in PersonType.choices if value in allowed]


class AccountState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    DISABLED = "disabled", "Disabled"
    DELETED = "deleted", "Deleted"


# States in which the holder can still use the system, or soon will.
LIVE_STATES = frozenset({AccountState.APPROVED, AccountState.ACTIVE, AccountState.SUSPENDED})
# The accounts of someone past the agreement grace period that the suspension list names:
# the ones in use, and the ones about to be.
SUSPENDABLE_STATES = (AccountState.ACTIVE, AccountState.APPROVED)


class Account(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="accounts")
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="accounts")
    username = models.CharField(max_length=150)
    state = models.CharField(
        max_length=20, choices=AccountState.choices, default=AccountState.REQUESTED
    )
    reason = models.CharField(max_length=300, blank=True, help_text="Why it was requested")
    requested_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    suspension_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Leavers: leaving date + the school's removal window (duty "Leavers' accounts removed
    # within 48 hours").
    removal_deadline = models.DateTimeField(null=True, blank=True)
    # Supply staff and visitors (duty "Temporary access ends on a set date").
    expires_at = models.DateTimeField(null=True, blank=True)
    # When the ICT manager and SIRO were told the removal deadline had passed (once only).
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["system__name", "username"]
        constraints = [
            # One live account per person per system; deleted ones stay as history.
            models.UniqueConstraint(
                fields=["person", "system"],
                condition=~Q(state="deleted"),
                name="accounts_one_live_per_system",
            ),
            models.UniqueConstraint(
                fields=["system", "username"],
                condition=~Q(state="deleted"),
                name="accounts_username_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "state"], name="accounts_school_state"),
            models.Index(fields=["school", "removal_deadline"], name="accounts_deadline"),
            models.Index(fields=["system", "username"], name="accounts_username"),
            models.Index(fields=["school", "expires_at"], name="accounts_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.username} on {self.system}"

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES


# Policy duty "Leavers' accounts removed within 48 hours" (docs/policy-map.md). The default
# window, and the longest a school may set (``rules.removal_window_refusal``).
REMOVAL_WINDOW_HOURS = 48


class AccountsSettings(models.Model):
    """A school's settings for accounts (one row per school, made on first use)."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="+")
    removal_window_hours = models.PositiveSmallIntegerField(
        "Hours to remove a leaver's accounts",
        default=REMOVAL_WINDOW_HOURS,
        help_text="Counted from the end of the leaving day. The policy (§8g) says "
        f"{REMOVAL_WINDOW_HOURS} at most.",
    )
    # Duty "Lapsed agreements suspend access": access lasts only while the agreement is
    # current, so suspension at the end of the grace period is on unless a school pauses it,
    # with a reason, shown on the headteacher's home page.
    auto_suspend = models.BooleanField(
        "Suspend automatically after the agreement grace period",
        default=True,
        help_text="Each day, suspend the accounts of people on the suspension list. "
        "Nothing is restored automatically.",
    )
    auto_suspend_paused_at = models.DateTimeField(null=True, blank=True)
    auto_suspend_paused_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    auto_suspend_pause_reason = models.CharField(max_length=300, blank=True)
    # Policy duty "Passwords changed, not reused" (docs/policy-map.md): every 3 months by
    # default. NCSC advises against forced expiry, so a school may choose 0: change only
    # when compromised.
    password_max_age_days = models.PositiveSmallIntegerField(
        "Days before a Warden password must be changed",
        default=90,
        help_text="0: only when it may be compromised (NCSC's advice).",
    )
    # The same duty for the school's own systems (network, e-mail, MIS): Warden cannot force
    # a change there, so it reminds staff by e-mail when a password is due
    # (``services.password_reminders_send``). 0: no reminders, change only when compromised.
    managed_change_reminder_days = models.PositiveSmallIntegerField(
        "Days before staff are reminded to change their passwords on school systems",
        default=90,
        help_text="0: no reminders; change only when a password may be compromised "
        "(NCSC's advice).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped()

    def __str__(self) -> str:
        return f"Account settings for {self.school}"


class HandStep(models.TextChoices):
    SUSPEND = "suspend", "Suspend"
    DISABLE = "disable", "Disable"


class HandSuspension(models.Model):
    """An account Warden suspended (or disabled) on a system it cannot reach, for a
    technician to suspend (or disable) there by hand, and when they confirmed it.

    Policy duty "Lapsed agreements suspend access" (docs/policy-map.md): at the end of the
    agreement grace period, connected directories are written by Warden; every other system
    gets one of these on the suspension list until the technician says it is done. Duty
    "Leavers' accounts removed within 48 hours": when all of a leaver's accounts are
    disabled at once, each one on a system Warden cannot reach gets one of these (``step``
    disable) on the leavers' board, and the leaver stays open until it is done.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="hand_suspensions")
    step = models.CharField(max_length=10, choices=HandStep.choices, default=HandStep.SUSPEND)
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(done_at__isnull=True),
                name="accounts_one_open_hand_suspension",
            ),
        ]
        indexes = [models.Index(fields=["school", "done_at"], name="accounts_hand_open")]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.account.username} by hand on {self.account.system}"


class PasswordReminder(models.Model):
    """One reminder e-mailed to a member of staff to change their password on one system
    (duty "Passwords changed, not reused" for managed systems); the last one restarts the
    count where the system cannot say when the password was changed."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="reminders")
    sent_at = models.DateTimeField()

    objects = SchoolScoped()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["account", "-sent_at"], name="accounts_pw_reminder")]

    def __str__(self) -> str:
        return f"Password reminder for {self.account} on {self.sent_at:%d/%m/%Y}"


class SupplyPasswordChange(models.Model):
    """One change of the generic supply account's password: when, who, why (never the value).

    Policy duty "Supply account password changed regularly" (docs/policy-map.md).
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="password_changes")
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["system", "-changed_at"], name="accounts_supply_pw")]

    def __str__(self) -> str:
        return f"{self.system} password changed {self.changed_at:%d/%m/%Y}"


class LeaverCompletion(models.Model):
    """The sign-off that a leaver has nothing left: every account removed, every item back.

    Policy duty "Leavers completed only when nothing is left" (docs/policy-map.md);
    ``rules.leaver_completion_refusal`` decides.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    person = models.OneToOneField(
        Person, on_delete=models.PROTECT, related_name="leaver_completion"
    )
    completed_at = models.DateTimeField()
    completed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    objects = SchoolScoped()

    def __str__(self) -> str:
        return f"{self.person} completed {self.completed_at:%d/%m/%Y}"


class ReviewOutcome(models.TextChoices):
    CONFIRMED = "confirmed", "Access confirmed as right"
    CHANGES = "changes", "Changes needed (listed in the notes)"


class AccessReview(models.Model):
    """SLT's review of who has access to one system (duty "SLT review who has access")."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="reviews")
    reviewed_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices)
    notes = models.TextField(blank=True)
    live_accounts = models.PositiveIntegerField(default=0)
    misfits = models.PositiveIntegerField(default=0)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        indexes = [models.Index(fields=["system", "-reviewed_at"], name="accounts_review_latest")]

    def __str__(self) -> str:
        return f"Review of {self.system} on {self.reviewed_at:%d/%m/%Y}"


class SyncState(models.TextChoices):
    PLANNED = "planned", "Previewed (not applied)"
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Failed part-way"


class DirectorySync(models.Model):
    """One dry-run diff of a system's directory and, once applied, what was changed."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="syncs")
    state = models.CharField(max_length=20, choices=SyncState.choices, default=SyncState.PLANNED)
    planned_at = models.DateTimeField()
    planned_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # [{"op": "create", "dn": "...", "account": pk, "detail": "..."}]
    changes = models.JSONField(default=list, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applied_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-planned_at", "-pk"]
        indexes = [models.Index(fields=["system", "-planned_at"], name="accounts_sync_latest")]

    def __str__(self) -> str:
        return f"Directory sync of {self.system} ({self.get_state_display()})"


# What a token may be allowed to do: each scope is the permission the matching pages ask
# for (``core.roles.Perm``), named here as the API's docs and the token page show it. The
# password check asks for what its page asks for: the dashboard.
API_SCOPES: dict[str, str] = {
    Perm.PEOPLE_VIEW: "Read people",
    Perm.PEOPLE_IMPORT: "Add and update people (MIS feed)",
    Perm.ACCOUNTS_VIEW: "Read accounts and their state",
    Perm.AGREEMENTS_VIEW: "Read who has signed acceptable-use agreements",
    Perm.EQUIPMENT_VIEW: "Read assets and loans",
    Perm.VIOLATIONS_VIEW: "Read monitoring violations",
    Perm.LOGS_INGEST: "Send proxy and DNS logs for monitoring",
    Perm.INCIDENTS_REPORT: "Report an e-safety incident",
    Perm.INCIDENTS_VIEW: "Read the e-safety incident log (DSL's safeguarding system)",
    Perm.FILTERING_VIEW: "Check whether a site is blocked",
    Perm.DASHBOARD_VIEW: "Check a password against the school's policy",
}


class ApiToken(models.Model):
    """A token another system uses to call the API (``/api/v1/``); only its SHA-256 is kept.

    It acts for its school only, with the permissions named in ``scopes`` (keys of
    ``API_SCOPES``), until ``expires_at`` or until it is revoked.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120, help_text="Which system uses it, e.g. the MIS")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = SchoolScoped()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_labels(self) -> list[str]:
        return [API_SCOPES.get(scope, scope) for scope in self.scopes or []]


class PasswordHistory(models.Model):
    """The hash of a password a Warden user has had, so it is not used again.

    Policy duty "Passwords changed, not reused" (docs/policy-map.md):
    ``accounts.passwords.PasswordHistoryValidator`` keeps the last ``PASSWORD_HISTORY``
    hashes (never the passwords) and refuses a new password matching one of them.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    password_hash = models.CharField(max_length=256)
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["-set_at", "-pk"]
        indexes = [models.Index(fields=["user", "-set_at"], name="accounts_pwhistory_user")]

    def __str__(self) -> str:
        return f"Earlier password of {self.user}"
