"""Single sign-on: each trust's or school's OpenID provider, and who signs in through it.

Identity, like memberships: these rows are read before anyone has signed in, so they are not
school-scoped managers (``core.tenancy``); pages reach them through ``sso.access``.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django_otp.models import Device

from warden.core.models import School, Trust, User
from warden.sso import presets


class Preset(models.TextChoices):
    ENTRA = presets.ENTRA, "Microsoft Entra ID"
    GOOGLE = presets.GOOGLE, "Google Workspace"
    GENERIC = presets.GENERIC, "Another OpenID Connect provider"


class Provider(models.Model):
    """An OpenID provider staff sign in with, for one school or (school empty) a trust."""

    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="sso_providers")
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="sso_providers", null=True, blank=True
    )
    preset = models.CharField(max_length=10, choices=Preset.choices, default=Preset.GENERIC)
    name = models.CharField(max_length=60, help_text='The sign-in button says "Sign in with …".')
    issuer = models.URLField(max_length=300)
    client_id = models.CharField(max_length=200)
    # The client secret is never stored in the database: like a directory's bind password
    # (accounts.directory.bind_password) it is read from an environment variable or a file.
    client_secret_env = models.CharField(max_length=100, blank=True)
    client_secret_file = models.CharField(max_length=300, blank=True)
    staff_domain = models.CharField(
        max_length=200,
        blank=True,
        help_text="Staff whose verified address is at this domain are linked at first "
        "sign-in to the Warden user with that address.",
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["trust_id", "school_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["trust", "school", "name"], name="sso_provider_unique_name"
            ),
        ]
        indexes = [models.Index(fields=["enabled"], name="sso_provider_enabled")]

    def __str__(self) -> str:
        return self.name

    @property
    def button_name(self) -> str:
        return presets.BUTTON_NAMES.get(self.preset, self.name)

    @property
    def where(self) -> str:
        return self.school.name if self.school else f"every school of {self.trust.name}"

    def schools(self) -> models.QuerySet[School]:
        if self.school_id is not None:
            return School.objects.filter(pk=self.school_id)
        return School.objects.filter(trust_id=self.trust_id)


# What a trust or school sets for its provider (the settings form, the audit trail).
PROVIDER_FIELDS = (
    "preset",
    "name",
    "issuer",
    "client_id",
    "client_secret_env",
    "client_secret_file",
    "staff_domain",
    "enabled",
)


class LinkHow(models.TextChoices):
    ADMIN = "admin", "linked by an administrator"
    DOMAIN = "domain", "linked by the staff domain rule"


class ProviderLink(models.Model):
    """A Warden user and their subject (``sub``) at one provider."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="links")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sso_links")
    subject = models.CharField(max_length=255)
    how = models.CharField(max_length=10, choices=LinkHow.choices, default=LinkHow.ADMIN)
    linked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["provider_id", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="sso_link_unique_subject"),
            models.UniqueConstraint(fields=["provider", "user"], name="sso_link_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.provider}"


class _NotAnAuthenticator(models.Manager["ProviderFactor"]):
    def devices_for_user(self, user: Any, confirmed: bool | None = None) -> Any:
        # It takes no codes: Warden's own second factor never lists it, and a linked user
        # is not asked for a second factor on a password sign-in because of it.
        return self.none()


class ProviderFactor(Device):
    """The django-otp device that stands for the second factor when a link's provider said
    it asked for one (``presets.asserted_mfa``): the session is verified through it.
    Without that assertion Warden's own second factor still applies."""

    # No reverse accessor on the user: nothing reads one, and without it the type checker
    # need not resolve this manager from the untyped django-otp base.
    user: models.ForeignKey[User, User] = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+"
    )
    link: models.OneToOneField[ProviderLink, ProviderLink] = models.OneToOneField(
        ProviderLink, on_delete=models.CASCADE, related_name="+"
    )

    objects = _NotAnAuthenticator()

    def __str__(self) -> str:
        return f"Second factor asserted through {self.link.provider_id}"
