"""The records area's forms."""

from __future__ import annotations

from django import forms

from warden.people.choosers import PeopleForm, PersonField
from warden.records.models import ReceivedVia, SarStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DpoForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="The officer's name, or the DPO service's.")
    email = forms.EmailField(label="E-mail")
    phone = forms.CharField(max_length=40, required=False)
    organisation = forms.CharField(
        max_length=200, required=False, help_text="The firm or service, when the DPO is external."
    )
    trust_wide = forms.BooleanField(
        required=False,
        label="For every school of the trust",
        help_text="Tick to name the trust's DPO (schools with their own keep theirs).",
    )


class SarLogForm(PeopleForm):
    person = PersonField(scope="sar_subjects", label="Whose records (the data subject)")
    requester = forms.CharField(
        label="Who asked",
        max_length=200,
        help_text='Their name and how they relate to the person ("the pupil\'s mother").',
    )
    received_via = forms.ChoiceField(label="How received", choices=ReceivedVia.choices)
    received_on = forms.DateField(label="Received on", widget=DATE)


class SarFilterForm(forms.Form):
    q = forms.CharField(label="Name or SAR number", required=False)
    status = forms.ChoiceField(
        required=False, choices=[("", "Any"), ("open", "Open"), *SarStatus.choices]
    )


class IdentityForm(forms.Form):
    method = forms.CharField(
        label="How the identity was checked",
        max_length=300,
        help_text="For example: passport seen at reception; parental responsibility confirmed.",
    )


class ExtendForm(forms.Form):
    reason = forms.CharField(
        label="Why more time is needed", widget=forms.Textarea(attrs={"rows": 2})
    )


class ExcludeForm(forms.Form):
    item = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason for leaving it out", max_length=300)


class ReleaseForm(forms.Form):
    via = forms.CharField(
        label="How released",
        max_length=200,
        help_text="For example: encrypted e-mail; collected in person with ID.",
    )


class RetentionSettingForm(forms.Form):
    record_type = forms.CharField(widget=forms.HiddenInput)
    months = forms.IntegerField(label="Months kept", min_value=1, max_value=1200)
