"""What monitoring holds about the person, for their subject access bundle: the
violations attributed to them and, by day, how much of their browsing the log archive
keeps."""

from __future__ import annotations

from warden.engine.investigate import day_counts
from warden.monitoring.ingestion import archive_root
from warden.monitoring.models import Violation
from warden.people.models import Person
from warden.records.bundle import SubjectSection


def violations(person: Person) -> SubjectSection:
    rows = [
        [
            violation.ts,
            violation.get_kind_display(),
            violation.category,
            violation.get_severity_display(),
            violation.host,
            violation.url,
            violation.search_term,
            violation.phrase,
            violation.decision,
            violation.device,
        ]
        for violation in Violation.objects.filter(person=person).order_by("ts", "pk")
    ]
    return SubjectSection(
        key="violations",
        title="Monitoring: violations attributed to you",
        columns=[
            "When",
            "Kind",
            "Category",
            "Severity",
            "Site",
            "Address",
            "Search term",
            "Phrase matched",
            "Filter decision",
            "Device",
        ],
        rows=rows,
        notes=[
            "Web filtering and monitoring keep children safe online (Keeping Children Safe in "
            "Education). A violation is a blocked or flagged visit or search attributed to "
            "your account or device."
        ],
        order=40,
    )


def browsing_days(person: Person) -> SubjectSection:
    counts = day_counts(archive_root(), person.school.slug, person_ids=[str(person.pk)])
    return SubjectSection(
        key="browsing_log",
        title="Monitoring: web requests kept in the log archive, by day",
        columns=["Day", "Requests logged"],
        rows=[[day.isoformat(), count] for day, count in sorted(counts.items())],
        notes=[
            "The proxy log lines of each day (time, address, filter decision) are kept for the "
            "period in the school's retention schedule and can be supplied in full on request."
        ],
        order=41,
    )


SECTIONS = [violations, browsing_days]
