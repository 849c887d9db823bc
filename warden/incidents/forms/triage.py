"""Forms of the triage queue: filter the queue and act on the violations ticked."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from warden.core.templatetags.warden_words import category_label
from warden.incidents.models import (
    Incident,
    IncidentKind,
    TriageState,
)


class TriageFilterForm(forms.Form):
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("open", "To triage"), ("", "All"), *TriageState.choices],
        initial="open",
    )
    min_severity = forms.TypedChoiceField(
        label="Severity",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any"), (5, "5 only"), (4, "4 and above"), (3, "3 and above")],
    )
    category = forms.ChoiceField(label="Category", required=False, choices=[("", "All")])
    overdue = forms.BooleanField(label="Overdue only", required=False)
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        help_text="Words matched, site, user name, or a name or UPN.",
    )

    def __init__(self, *args: Any, categories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        named = sorted(((c, category_label(c)) for c in categories), key=lambda c: c[1])
        field.choices = [("", "All"), *named]


BULK_ACTIONS = [
    ("viewed", "Mark as viewed"),
    (TriageState.NO_ACTION, "No action needed (archive)"),
    (TriageState.FALSE_POSITIVE, "False positive"),
    ("escalate_new", "Breach (misuse): open a new incident"),
    ("escalate_join", "Breach (misuse): join an open incident"),
]


def _exclusion_field() -> forms.BooleanField:
    return forms.BooleanField(
        label="For a false positive, also exclude the matched text from future alerts",
        required=False,
        help_text="Adds a keyword exclusion (the reason above is kept with it).",
    )


class TriageBulkForm(forms.Form):
    """The queue's one decision for the ticked violations: archive them with one reason.

    Escalating to an incident and raising a welfare concern are never offered here: each
    child is looked at on their own, from the violation's page.
    """

    decision = forms.ChoiceField(
        label="Decision for the chosen violations",
        widget=forms.RadioSelect,
        choices=[
            (TriageState.NO_ACTION, "No action needed (archive)"),
            (TriageState.FALSE_POSITIVE, "False positive (archive)"),
        ],
        error_messages={"required": "Choose “no action needed” or “false positive”."},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        help_text="Kept with each violation; the weekly report and any later review read it.",
        error_messages={"required": "Say why no action is needed."},
    )
    add_exclusion = _exclusion_field()


class TriageActionForm(forms.Form):
    action = forms.ChoiceField(label="Action", choices=BULK_ACTIONS)
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=300,
        help_text="Needed for “no action” and “false positive”.",
    )
    add_exclusion = _exclusion_field()
    kind = forms.ChoiceField(
        label="Kind of new incident",
        required=False,
        choices=[("", "Choose the kind…"), *IncidentKind.choices],
        help_text="Needed to open a new incident: say what happened, Warden does not guess.",
    )
    title = forms.CharField(label="Title of new incident", required=False, max_length=200)
    incident = forms.ModelChoiceField(
        label="Open incident to join",
        required=False,
        queryset=Incident.objects.none(),
        empty_label="Choose an open incident…",
    )

    def __init__(self, *args: Any, incidents: QuerySet[Incident], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["incident"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = incidents
