"""Forms of the remote-access pages."""

from __future__ import annotations

from django import forms

from warden.core.forms import DateInput
from warden.remoteaccess.models import EventKind


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="What you found or did",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="For example: a member of staff forgot their password; the address is blocked.",
    )


class EventFilterForm(forms.Form):
    who = forms.CharField(label="User name or person", required=False, max_length=100)
    kind = forms.ChoiceField(
        label="What happened", required=False, choices=[("", "Any"), *EventKind.choices]
    )
    address = forms.CharField(label="Address starts with", required=False, max_length=64)
    since = forms.DateField(label="From", required=False, widget=DateInput())
    until = forms.DateField(label="To", required=False, widget=DateInput())


class SettingsForm(forms.Form):
    burst_failures = forms.IntegerField(
        label="Failed attempts", min_value=2, max_value=1000, help_text="At least 2."
    )
    burst_minutes = forms.IntegerField(
        label="Within minutes", min_value=1, max_value=1440, help_text="Up to a day (1440)."
    )
