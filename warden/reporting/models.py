"""The reporting area's tables: each school's term dates."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from warden.core.models import School
from warden.core.tenancy import SchoolScoped


class TermName(models.TextChoices):
    AUTUMN = "autumn", "Autumn term"
    SPRING = "spring", "Spring term"
    SUMMER = "summer", "Summer term"


class SchoolTerm(models.Model):
    """One term of a school's calendar, as the school keeps it (the local authority's pattern
    until someone records the school's own dates). ``year`` is the calendar year the term
    falls in: autumn 2026, spring 2027 and summer 2027 make the school year 2026-27."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=10, choices=TermName.choices)
    year = models.PositiveSmallIntegerField()
    first = models.DateField("First day")
    last = models.DateField("Last day")
    half_term_first = models.DateField("Half term from", null=True, blank=True)
    half_term_last = models.DateField("Half term to", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "term"], name="reporting_term_once_a_year"
            ),
            models.CheckConstraint(
                condition=Q(last__gte=F("first")), name="reporting_term_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=Q(half_term_first__isnull=True, half_term_last__isnull=True)
                | Q(
                    half_term_first__gte=F("first"),
                    half_term_last__gte=F("half_term_first"),
                    half_term_last__lte=F("last"),
                ),
                name="reporting_half_term_inside_term",
            ),
        ]

    def __str__(self) -> str:
        return f"{TermName(self.term).label} {self.year}"
