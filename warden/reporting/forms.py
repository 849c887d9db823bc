"""The term-dates form: the three terms of one school year, each with an optional half term."""

from __future__ import annotations

from typing import Any

from django import forms

from warden.reporting.models import TermName
from warden.reporting.terms import TermDates

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PARTS = (
    ("first", "First day", True),
    ("last", "Last day", True),
    ("half_term_first", "Half term from", False),
    ("half_term_last", "Half term to", False),
)


class TermCalendarForm(forms.Form):
    def __init__(self, *args: Any, terms: list[TermDates], **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {f"{t.term}_{part}": getattr(t, part) for t in terms for part, _l, _r in PARTS},
        )
        super().__init__(*args, **kwargs)
        self.terms = terms
        for t in terms:
            for part, label, required in PARTS:
                self.fields[f"{t.term}_{part}"] = forms.DateField(
                    label=f"{label} ({TermName(t.term).label.lower()})",
                    required=required,
                    widget=DATE,
                )

    def groups(self) -> list[tuple[TermDates, list[forms.BoundField]]]:
        return [(t, [self[f"{t.term}_{part}"] for part, _l, _r in PARTS]) for t in self.terms]

    def dates(self) -> list[TermDates]:
        data = self.cleaned_data
        return [
            TermDates(
                t.term,
                t.year,
                first=data[f"{t.term}_first"],
                last=data[f"{t.term}_last"],
                half_term_first=data.get(f"{t.term}_half_term_first"),
                half_term_last=data.get(f"{t.term}_half_term_last"),
            )
            for t in self.terms
        ]
