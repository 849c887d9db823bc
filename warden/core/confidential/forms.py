"""The forms every confidential record's page posts: a grant of access, a ticked step."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from warden.core.models import User


class AccessForm(forms.Form):
    """Who may read the record from now on, and why (the reason is kept and audited)."""

    user = forms.ModelChoiceField(
        label="Warden user", queryset=User.objects.none(), empty_label="Choose who may read it…"
    )
    reason = forms.CharField(label="Why they need to read it", max_length=300)

    def __init__(self, *args: Any, users: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = users


class StepForm(forms.Form):
    """Ticking a playbook step; the note says whom the step names was told, when and how."""

    note = forms.CharField(label="Note (who was told, when, how)", required=False, max_length=300)
