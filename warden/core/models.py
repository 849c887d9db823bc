"""Trusts, schools, operator users, their memberships and the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models

from warden.core.roles import Role, default_second_factor_exemptions


class Trust(models.Model):
    """A multi-academy trust, or the one-school 'trust' of a standalone school."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="schools")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    urn = models.CharField("URN", max_length=20, blank=True, help_text="DfE unique reference")
    phase = models.CharField(
        max_length=20,
        choices=[
            ("primary", "Primary"),
            ("secondary", "Secondary"),
            ("all_through", "All-through"),
            ("special", "Special"),
        ],
        default="primary",
    )
    timezone = models.CharField(max_length=40, default="Europe/London")
    # Password policy: duty "Passwords meet the policy minimum" (docs/policy-map.md) by
    # default; each school may make it stricter.
    password_min_length = models.PositiveSmallIntegerField(default=8)
    password_require_mixed_case = models.BooleanField(default=True)
    password_require_digit_or_symbol = models.BooleanField(default=True)
    # Roles whose holders sign in here without a second factor: only roles that read no
    # personal data (``roles.second_factor_exemption_refusal``), changed through
    # ``services.school_set_second_factor_exemptions``.
    second_factor_exempt_roles = models.JSONField(
        default=default_second_factor_exemptions, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """Someone who operates Warden: staff with a role, governors, trust administrators."""

    must_change_password = models.BooleanField(
        default=False,
        help_text="Set for temporary passwords, which must be changed at first sign-in.",
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"],
                condition=~models.Q(email=""),
                name="core_user_email_unique",
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        # The audit trail names who did what; a user who leaves is deactivated so every
        # entry they wrote keeps pointing at them (and its hash still holds).
        raise PermissionError(
            "Users are not deleted: deactivate the account instead, so the audit trail "
            "keeps every action they took."
        )


class Membership(models.Model):
    """One role for one user, at one school or (school empty) across a whole trust."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="memberships", null=True, blank=True
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["trust_id", "school_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school", "role"],
                condition=models.Q(school__isnull=False),
                name="core_membership_unique_school_role",
            ),
            models.UniqueConstraint(
                fields=["user", "trust", "role"],
                condition=models.Q(school__isnull=True),
                name="core_membership_unique_trust_role",
            ),
        ]

    def __str__(self) -> str:
        where = self.school.name if self.school else f"all schools of {self.trust.name}"
        return f"{self.get_role_display()} at {where}"


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit trail is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit trail is append-only.")

    def remove_for_retention(self) -> tuple[int, dict[str, int]]:
        """The one removal the trail allows: its oldest entries, past the retention rule,
        as a prefix of the chain behind a signed anchor. Called only from
        ``core.audit_retention.audit_prune``."""
        return super().delete()


class AuditEntry(models.Model):
    """One change (or confidential read) made through Warden, chained by hash to the previous.

    ``seq`` numbers entries without gaps; ``hash`` covers this entry's content and the
    previous entry's hash, so a changed, removed or reordered row breaks the chain at that
    row (``warden audit verify``).
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    # PROTECT, not SET_NULL: the hash covers these keys, so nulling them when a user,
    # school or trust is deleted would rewrite history. ``actor_label`` keeps the actor's
    # name and username as they were when the entry was written.
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    trust = models.ForeignKey(
        Trust, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    via = models.CharField(max_length=20, default="web")
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["school", "-seq"], name="core_audit_school_seq"),
            models.Index(fields=["object_type", "object_id"], name="core_audit_object"),
            models.Index(fields=["action"], name="core_audit_action"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit trail is append-only.")


class AuditChainHead(models.Model):
    """The single row that serialises appends to the audit chain."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head at #{self.last_seq}"


class ScheduledRun(models.Model):
    """When each scheduled job (``warden.core.schedule``) was last queued."""

    name = models.CharField(max_length=100, unique=True)
    last_queued_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.last_queued_at:%Y-%m-%d %H:%M}"


class ChangeMark(models.Model):
    """When a request that may change something (any method but GET, HEAD or OPTIONS) last
    ended: the figures home pages keep are worked out again after it
    (``core.dashboard.reused``). One row, in nanoseconds since the epoch."""

    at = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"changed at {self.at}"


class PasswordResetCount(models.Model):
    """How many password-reset e-mails one address, or one client address, asked for in
    one hour (``services.password_reset_request``). Kept in the database so every
    process counts the same; rows of past hours are deleted as new ones come."""

    key = models.CharField(max_length=100)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window_start"], name="core_password_reset_count_unique"
            )
        ]
        indexes = [models.Index(fields=["window_start"], name="core_reset_count_window")]

    def __str__(self) -> str:
        return f"{self.count} at {self.window_start:%Y-%m-%d %H:%M}"
