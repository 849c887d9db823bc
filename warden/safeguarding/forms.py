"""Forms of the welfare-concern pages: they parse and label; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from warden.core.confidential import forms as confidential
from warden.core.forms import DateInput, DateTimeInput
from warden.core.models import User
from warden.incidents.models import Incident
from warden.people.choosers import PeopleForm, PersonField
from warden.safeguarding.models import (
    Agency,
    ConcernCategory,
    ConcernOutcome,
    ParentsInformed,
)


class RaiseForm(PeopleForm):
    """A worry about a child: recorded by the DSL, or reported to them by any member of staff.

    The child is chosen by typing part of their name (``people.choosers``): the page never
    sends the school's roll of pupils.
    """

    person = PersonField(
        scope="pupils",
        label="The child",
        help_text="Type part of their name, their form (7B) or year (Y7), then choose them.",
        error_messages={"required": "Type the child's name and choose them from the list."},
    )
    # Nothing is chosen for the reporter: a hurried report must not be filed as self-harm.
    category = forms.ChoiceField(
        label="What the concern is about",
        choices=[("", "Choose what it is about…"), *ConcernCategory.choices],
        error_messages={"required": "Choose what the concern is about."},
    )
    seen_at = forms.DateTimeField(
        label="When it was seen or heard",
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    summary = forms.CharField(
        label="What was seen or heard",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Facts, in the child's own words where you have them. Do not copy or forward "
        "any image: describe it.",
    )


class AssessForm(forms.Form):
    category = forms.ChoiceField(label="What the concern is about", choices=ConcernCategory.choices)
    assessment = forms.CharField(
        label="Your assessment",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What you think is happening and the risk to the child.",
    )
    review_on = forms.DateField(label="Review on", widget=DateInput(), required=False)


class ActionsForm(forms.Form):
    spoke_to_pupil_on = forms.DateField(
        label="Spoke to the pupil on", widget=DateInput(), required=False
    )
    spoke_to_pupil_note = forms.CharField(
        label="What the pupil said",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    parents = forms.ChoiceField(
        label="Parents or carers",
        choices=ParentsInformed.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    parents_on = forms.DateField(label="Informed on", widget=DateInput(), required=False)
    parents_not_informed_reason = forms.CharField(
        label="Why not (required if they were not informed)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="How informing them would put the child at risk.",
    )


class ReferralForm(forms.Form):
    agency = forms.ChoiceField(label="Referred to", choices=Agency.choices)
    made_on = forms.DateField(label="Date of the referral", widget=DateInput())
    reference = forms.CharField(label="Their reference", max_length=100, required=False)
    note = forms.CharField(label="Note", max_length=500, required=False)


class NoteForm(forms.Form):
    text = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}))


class StepForm(confidential.StepForm):
    note = forms.CharField(
        label="Note",
        max_length=300,
        required=False,
        help_text="For a step that names who must be told: when and how.",
    )


class LinkForm(forms.Form):
    incident = forms.ModelChoiceField(
        label="Linked breach (misuse) in the incident log",
        required=False,
        queryset=Incident.objects.none(),
        help_text="When misuse happened as well. Leave empty to remove the link.",
    )

    def __init__(self, *args: Any, incidents: QuerySet[Incident], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["incident"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = incidents


class AccessForm(confidential.AccessForm):
    user = forms.ModelChoiceField(label="Who", queryset=User.objects.none())
    reason = forms.CharField(label="Why they need to know", max_length=300)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=ConcernOutcome.choices)
    notes = forms.CharField(label="Outcome summary", widget=forms.Textarea(attrs={"rows": 3}))


class SettingsForm(forms.Form):
    block_help_text = forms.CharField(
        label="Your school's own words on blocked pages about self-harm, suicide, abuse or "
        "radicalisation",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Shown first, above Childline, Samaritans and Shout. Plain words for a child: "
        "where to find help in school.",
    )
    show_dsl_on_block_page = forms.BooleanField(
        label="Name the safeguarding lead on those pages", required=False
    )
    dsl_name_for_pupils = forms.CharField(
        label="How pupils know the safeguarding lead",
        max_length=200,
        required=False,
        help_text="Their name and where to find them, as pupils would say it.",
    )
    is_academy = forms.BooleanField(label="The school is an academy", required=False)
    online_safety_lead = forms.CharField(
        label="The trust's online-safety lead (name and contact)",
        max_length=300,
        required=False,
        help_text="For an academy, named in the steps that say “LA e-safety officer”.",
    )
    la_esafety_officer = forms.CharField(
        label="The local authority's e-safety officer (name and contact)",
        max_length=300,
        required=False,
    )
