"""The subject access bundle as a file: a zip of a PDF summary and, per section, a CSV and
a JSON file of what is released.

The PDF is printed by WeasyPrint (pinned in the project's dependencies, as the welfare
concern chronology is). Items the reviewer left out are not written; the summary says how
many were left out of each section and why, as the person is entitled to know that an
exemption was applied (ICO subject access guidance), without saying what they were.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from warden.core.models import School
from warden.lib import csvsafe
from warden.people.models import Person
from warden.records.bundle import SubjectSection

# A fixed time for every member, so one bundle's bytes depend on its contents alone.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ReleasedSection:
    section: SubjectSection
    rows: Sequence[Sequence[Any]]
    left_out: Mapping[str, int]
    """How many items were left out, by reason."""


def released(
    sections: Sequence[SubjectSection], excluded: Mapping[str, str]
) -> list[ReleasedSection]:
    """Each section with the items the review left out removed."""
    found = []
    for section in sections:
        rows, left_out = [], dict[str, int]()
        for index, row in enumerate(section.rows):
            reason = excluded.get(f"{section.key}/{index}")
            if reason is None:
                rows.append(row)
            else:
                left_out[reason] = left_out.get(reason, 0) + 1
        found.append(ReleasedSection(section, rows, left_out))
    return found


def summary_pdf(
    *, school: School, person: Person, parts: Sequence[ReleasedSection], reference: str
) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only exports need

    html = render_to_string(
        "records/bundle_print.html",
        {
            "school": school,
            "person": person,
            "parts": parts,
            "reference": reference,
            "printed_at": timezone.localtime(timezone.now()),
        },
    )
    return bytes(HTML(string=html).write_pdf())


def _csv(part: ReleasedSection) -> str:
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(part.section.columns)
    writer.writerows(part.rows)
    return out.getvalue()


def _json(part: ReleasedSection) -> str:
    columns = list(part.section.columns)
    data = {
        "section": part.section.title,
        "notes": list(part.section.notes),
        "items": [dict(zip(columns, row, strict=False)) for row in part.rows],
        "left_out": [{"reason": why, "count": n} for why, n in part.left_out.items()],
    }
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def bundle_zip(
    *,
    school: School,
    person: Person,
    sections: Sequence[SubjectSection],
    excluded: Mapping[str, str],
    reference: str,
) -> bytes:
    """The zip: ``summary.pdf`` and ``<section>.csv`` / ``<section>.json`` per section."""
    parts = released(sections, excluded)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes | str) -> None:
            archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), data, zipfile.ZIP_DEFLATED)

        add(
            "summary.pdf",
            summary_pdf(school=school, person=person, parts=parts, reference=reference),
        )
        for part in parts:
            add(f"{part.section.key}.csv", _csv(part))
            add(f"{part.section.key}.json", _json(part))
    return buffer.getvalue()


def bundle_filename(reference: str, person: Person) -> str:
    return f"{reference}-person-{person.pk}.zip"
