"""The records area's tables: the data protection officer, subject access requests and the
retention schedule."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from warden.core.models import School, Trust, User
from warden.core.tenancy import SchoolScoped


class DpoContact(models.Model):
    """The data protection officer (UK GDPR Art. 37–39) a school names, or its trust names
    for every school without its own: often an external service. Named on every subject
    access request and every personal data breach (``selectors.dpo_for``).

    A trust-wide contact has no school, so the school-scoped manager never shows it;
    ``selectors.dpo_for`` reads both through ``everywhere``, filtered by the one school."""

    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=200, help_text="The officer's name, or the service's.")
    email = models.EmailField("E-mail")
    phone = models.CharField(max_length=40, blank=True)
    organisation = models.CharField(
        max_length=200, blank=True, help_text="The firm or service, when the DPO is external."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = SchoolScoped["DpoContact"]()
    everywhere = models.Manager["DpoContact"]()

    class Meta:
        verbose_name = "DPO contact"
        constraints = [
            models.UniqueConstraint(
                fields=["school"], condition=Q(school__isnull=False), name="dpo_one_per_school"
            ),
            models.UniqueConstraint(
                fields=["trust"], condition=Q(school__isnull=True), name="dpo_one_per_trust"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})" if self.organisation else self.name
