"""Systems people get accounts on, and each person's account on each system.

The request-and-approve flow follows seed 000 "Agreement for access provision": requested
by the ICT manager or office, approved by SLT, provisioned by a technician. An account's
``state`` moves requested → approved → active → suspended → disabled → deleted; each step
keeps its time and who took it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from warden.core.models import School, User
from warden.people.models import Person


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
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="accounts_system_name"),
        ]

    def __str__(self) -> str:
        return self.name


class AccountState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    DISABLED = "disabled", "Disabled"
    DELETED = "deleted", "Deleted"


# States in which the holder can still use the system, or soon will.
LIVE_STATES = frozenset({AccountState.APPROVED, AccountState.ACTIVE, AccountState.SUSPENDED})


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
    # Leavers: leaving date + the school's removal window (seed 001 §8g: 48 hours).
    removal_deadline = models.DateTimeField(null=True, blank=True)
    # Supply staff and visitors: limited, expiring access (seed 000).
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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
        ]

    def __str__(self) -> str:
        return f"{self.username} on {self.system}"
