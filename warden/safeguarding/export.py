"""A concern as a one-page printable chronology (PDF) and as CSV for transfer to the school's
safeguarding system (CPOMS, MyConcern): who, what was seen, the DSL's assessment, what was
done, referrals and the dated chronology. Reading either is audited by the view's service
call; this module only lays the record out.
"""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone

from warden.lib import csvsafe
from warden.safeguarding.models import WelfareConcern
from warden.safeguarding.selectors import chronology_lines

CSV_COLUMNS = [
    "Reference",
    "School",
    "Child",
    "Date of birth",
    "Year",
    "Form",
    "Category",
    "Date and time",
    "Recorded by",
    "Entry",
    "Text",
]


def _context(concern: WelfareConcern) -> dict[str, object]:
    tz = ZoneInfo(concern.school.timezone)
    return {
        "concern": concern,
        "chronology": chronology_lines(concern),
        "referrals": list(concern.referrals.all()),
        "seen_at": timezone.localtime(concern.seen_at, tz),
        "printed_at": timezone.localtime(timezone.now(), tz),
    }


def concern_pdf(concern: WelfareConcern) -> bytes:
    """The printable chronology as PDF bytes (WeasyPrint, fonts from the system)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only exports need

    html = render_to_string("safeguarding/concern_print.html", _context(concern))
    return bytes(HTML(string=html).write_pdf())


def concern_csv(concern: WelfareConcern) -> str:
    """One row per chronology entry, the child's details repeated, so a safeguarding system's
    import can map each row to a dated entry of the child's file."""
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(CSV_COLUMNS)
    person = concern.person
    fixed = [
        concern.reference,
        concern.school.name,
        f"{person.first_name} {person.last_name}",
        person.date_of_birth.strftime("%d/%m/%Y") if person.date_of_birth else "",
        person.get_year_group_display() if person.year_group is not None else "",
        person.form,
        concern.get_category_display(),
    ]
    for line in chronology_lines(concern):
        writer.writerow([*fixed, line.at, line.by, line.kind, line.text])
    return out.getvalue()
