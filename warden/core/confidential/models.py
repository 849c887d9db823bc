"""Abstract bases of a confidential record's parts; each area has its own tables.

A concrete chronology, step or access-list model adds the foreign key to its record (named
after the record: ``incident``, ``concern``) with ``related_name`` ``chronology``, ``steps``
or ``access_list``; the shared services find the record's rows through those names.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from warden.core.models import School, User
from warden.core.tenancy import SchoolScoped


class NumberedRecord(models.Model):
    """A record numbered per school, shown as ``PREFIX``-0007, so it can be named (in an
    e-mail, a triage reason, the weekly report) without its details."""

    PREFIX = ""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    outcome_notes = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScoped()

    class Meta:
        abstract = True

    @property
    def reference(self) -> str:
        return f"{self.PREFIX}-{self.number:04d}"


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("This record is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("This record is append-only.")

    def remove_for_retention(self) -> tuple[int, dict[str, int]]:
        """The one removal an append-only record allows: its whole record passed its
        retention rule (``warden.records.retention``). Called only from an area's
        ``retention.py``, inside the approved run's transaction."""
        return super().delete()


class AppendOnly(models.Model):
    """A row written once: corrections are new rows, nothing is changed or removed."""

    # Every append-only record here is school-owned (warden.core.tenancy).
    objects = SchoolScoped.from_queryset(AppendOnlyQuerySet)()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError(f"{self._meta.verbose_name} is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(f"{self._meta.verbose_name} is append-only.")


class EntryKind(models.TextChoices):
    NOTE = "note", "Note"
    ACTION = "action", "Action taken"
    SYSTEM = "system", "Recorded by Warden"


class ChronologyLine(AppendOnly):
    """One dated line of what was seen, decided or done about a record, by whom."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=10, choices=EntryKind.choices, default=EntryKind.NOTE)
    text = models.TextField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.text[:60]}"


class ChecklistStep(models.Model):
    """One step of a playbook copied onto a record and ticked with who and when."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    playbook = models.CharField(max_length=40)
    code = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=400)
    tell = models.CharField("Who must be told", max_length=200, blank=True)
    mandatory = models.BooleanField(default=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    objects = SchoolScoped()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.text

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class AccessGrant(models.Model):
    """A Warden user let into one record who could not otherwise read it, with the reason.

    The concrete model adds ``user`` (its reverse name differs per area) and the record.
    """

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = SchoolScoped()

    class Meta:
        abstract = True
        ordering = ["added_at", "pk"]
