"""The form that makes an API token: which system, what it may do, until when."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from warden.accounts.models import API_SCOPES

# How long a token lasts, as offered; a year at most (``services.API_TOKEN_MAX_DAYS``).
LIFETIMES = [(30, "30 days"), (90, "90 days"), (180, "6 months"), (365, "1 year")]


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=120, label="System that will use the token")
    scopes = forms.MultipleChoiceField(
        label="What it may do",
        choices=list(API_SCOPES.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="Only what the system needs. You can tick only what your own role may do.",
        error_messages={"required": "Tick at least one thing the token may do."},
    )
    lifetime = forms.TypedChoiceField(
        label="Expires after",
        choices=LIFETIMES,
        coerce=int,
        initial=365,
        help_text="Make a new token before then; the old one stops working on its own.",
    )

    def expires_at(self) -> dt.datetime:
        return timezone.now() + dt.timedelta(days=self.cleaned_data["lifetime"])
