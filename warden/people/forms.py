from __future__ import annotations

from typing import Any

from django import forms

from warden.people.choosers import PeopleForm, PersonField
from warden.people.models import (
    YEAR_GROUP_CHOICES,
    Person,
    PersonType,
    Relationship,
    Status,
)
from warden.people.services import EDITABLE_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonForm(forms.ModelForm[Person]):
    """Parses and labels a person's fields; saving is the service's job."""

    class Meta:
        model = Person
        fields = [f for f in EDITABLE_FIELDS if f not in {"leaving_date", "leaving_reason"}]
        widgets = {
            "date_of_birth": DATE,
            "joining_date": DATE,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def _post_clean(self) -> None:
        # Model validation runs in the service, which knows the school; skip it here.
        pass


class LeavingForm(forms.Form):
    leaving_date = forms.DateField(
        widget=DATE, help_text="Their last day. Accounts must be removed within 48 hours of it."
    )
    leaving_reason = forms.CharField(max_length=200, required=False, label="Reason (optional)")


class PeopleFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, e-mail or MIS id"}),
    )
    person_type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "All types"), *PersonType.choices]
    )
    year_group = forms.TypedChoiceField(
        label="Year",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "All years"), *YEAR_GROUP_CHOICES],
    )
    form = forms.ChoiceField(label="Form / class", required=False, choices=[("", "All")])
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Status.choices]
    )
    sort = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[(s, s) for s in ("name", "-name", "type", "year", "-year", "joining", "leaving")],
    )

    def __init__(self, *args: Any, forms_available: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["form"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "All"), *((f, f) for f in forms_available)]


class GuardianForm(PeopleForm):
    parent = PersonField(scope="parents", label="Parent or carer")
    relationship = forms.ChoiceField(choices=Relationship.choices)
    parental_responsibility = forms.BooleanField(
        required=False, initial=True, label="Has parental responsibility"
    )
    contact_priority = forms.IntegerField(
        min_value=1, max_value=9, initial=1, label="Contact order"
    )
