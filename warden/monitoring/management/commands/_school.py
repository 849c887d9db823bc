"""The school a monitoring command acts for, named by ``--school`` (shared by the commands)."""

from __future__ import annotations

from django.core.management.base import CommandError

from warden.core.models import School


def school_from_option(slug: str | None) -> School:
    """The school with this slug; with none given, the only school of the installation."""
    schools = School.objects.select_related("trust")
    if slug:
        school = schools.filter(slug=slug).first()
        if school is None:
            known = ", ".join(School.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No school has the slug “{slug}” (known: {known}).")
        return school
    found = list(schools[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        raise CommandError("There is no school yet: add one with “warden add-school”.")
    raise CommandError("This installation has several schools: name one with --school SLUG.")
