"""Widgets and fields the incident forms share (and the safeguarding forms use)."""

from __future__ import annotations

from django import forms

from warden.people.models import Person

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PersonChoiceField(forms.ModelChoiceField[Person]):
    """A choice among a few people already named on a record (an incident's subjects).

    Anyone of the school is chosen with ``people.choosers.PersonField`` instead: a page
    never lists the whole register."""

    def label_from_instance(self, obj: Person) -> str:
        detail = obj.form or obj.get_person_type_display()
        return f"{obj.last_name}, {obj.preferred_name or obj.first_name} ({detail})"
