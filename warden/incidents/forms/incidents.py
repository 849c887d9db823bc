"""Forms of the incident pages: they parse and label; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from warden.core.confidential.models import EntryKind
from warden.equipment.models import LossKind
from warden.incidents.forms.fields import DATE, DATETIME, PersonChoiceField
from warden.incidents.models import (
    IncidentKind,
    IncidentStatus,
    Outcome,
    Part,
    SanctionKind,
    Severity,
)
from warden.incidents.playbooks import PLAYBOOKS
from warden.people.choosers import PeopleForm, PersonField
from warden.people.models import Person


class ReportForm(PeopleForm):
    """A reporter who may not look people up (a governor) gets no person fields: they
    describe who was involved in words, and the form finds no one's record for them."""

    kind = forms.ChoiceField(label="What kind of incident", choices=IncidentKind.choices)
    title = forms.CharField(
        label="Short title",
        max_length=200,
        help_text="A few words, e.g. “Upsetting messages in a class chat”.",
    )
    occurred_at = forms.DateTimeField(
        label="When it happened",
        widget=DATETIME,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    description = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What you saw or were told, where, and what you did. Do not copy or forward "
        "any offensive or illegal material: describe it.",
    )
    subject = PersonField(
        scope="people", label="Whose conduct it concerns (if known)", required=False
    )
    victim = PersonField(scope="people", label="Who was affected (if anyone)", required=False)
    asset_tag = forms.CharField(
        label="Asset tag (lost or stolen equipment)",
        max_length=40,
        required=False,
        help_text="From the label on the device, e.g. LAP-0012. Needed for lost or stolen "
        "equipment: the loss is recorded and the SIRO told at once.",
    )
    loss_kind = forms.ChoiceField(
        label="Lost or stolen",
        choices=[("", "Not equipment"), *LossKind.choices],
        required=False,
    )


class IncidentFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "All kinds"), *IncidentKind.choices]
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), ("not_closed", "Not closed"), *IncidentStatus.choices],
    )
    severity = forms.ChoiceField(
        label="Severity",
        required=False,
        choices=[("", "Any severity"), ("unassessed", "Not assessed"), *Severity.choices],
    )
    person = forms.CharField(
        label="Person",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or MIS id"}),
    )
    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title or description"}),
    )


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        label="Entry",
        choices=[(EntryKind.ACTION, "Action taken"), (EntryKind.NOTE, "Note")],
        initial=EntryKind.ACTION,
    )
    text = forms.CharField(label="What was done or noted", widget=forms.Textarea(attrs={"rows": 3}))


class InvolvementForm(PeopleForm):
    person = PersonField(scope="people", label="Person")
    part = forms.ChoiceField(label="Part", choices=Part.choices)


class RemoveInvolvementForm(forms.Form):
    reason = forms.CharField(label="Why", max_length=300)


class SeverityForm(forms.Form):
    # Nothing is chosen for the DSL: an unassessed incident must not look "minor".
    severity = forms.ChoiceField(
        label="Severity",
        choices=[("", "Choose the severity…"), *Severity.choices],
        error_messages={"required": "Choose the severity: minor, moderate or severe."},
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=500,
        help_text="Required when you suspend accounts.",
    )
    # Never ticked for you: a severe breach suspends accounts only when chosen, with a reason.
    suspend_accounts = forms.BooleanField(
        label="For a severe breach, suspend the subjects' accounts until the outcome",
        required=False,
        initial=False,
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=[
            (IncidentStatus.OPEN, "Open"),
            (IncidentStatus.INVESTIGATING, "Being investigated"),
        ],
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=Outcome.choices)
    notes = forms.CharField(
        label="Outcome summary", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=300)


class SanctionForm(forms.Form):
    person = PersonChoiceField(
        label="Person", queryset=Person.objects.none(), empty_label="Choose a subject…"
    )
    kind = forms.ChoiceField(label="Sanction", choices=SanctionKind.choices)
    starts_on = forms.DateField(label="From", widget=DATE)
    ends_on = forms.DateField(
        label="Access back on",
        widget=DATE,
        required=False,
        help_text="For a withdrawal: accounts are restored automatically that morning.",
    )
    notes = forms.CharField(label="Notes (optional)", required=False, max_length=300)

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        """``people``: the incident's subjects, a short list."""
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = people


class PlaybookForm(forms.Form):
    key = forms.ChoiceField(
        label="Add a playbook", choices=[(k, p.title) for k, p in PLAYBOOKS.items()]
    )


class EvidenceForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    file = forms.FileField(
        label="File",
        help_text="A screenshot, export or document. Never upload illegal material: secure "
        "the device and tell the police instead.",
    )
    note = forms.CharField(label="Note", required=False, max_length=300)
