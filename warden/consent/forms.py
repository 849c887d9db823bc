"""Forms parse and label input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from warden.agreements.models import Method
from warden.consent.models import Answer, Asks, Purpose, PurposeVersion
from warden.people.models import YEAR_GROUP_CHOICES, Person

ANSWER_CHOICES = [("", "Leave as it is"), (Answer.YES, "Yes"), (Answer.NO, "No")]


class PurposeForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    summary = forms.CharField(
        label="One line shown beside the question", max_length=300, required=False
    )
    asks = forms.ChoiceField(label="Whose consent it needs", choices=Asks.choices)
    pupil_from_age = forms.IntegerField(
        label="Pupils are asked too from age",
        min_value=8,
        max_value=18,
        help_text="Only when the purpose asks pupils too. The ICO's guidance is 13.",
    )
    lasts_years = forms.IntegerField(
        label="A yes lasts (years)",
        min_value=1,
        max_value=20,
        required=False,
        help_text="Leave empty for the whole time the pupil is at the school.",
    )


class NewPurposeForm(PurposeForm):
    slug = forms.SlugField(
        label="Short name",
        max_length=60,
        help_text="Lower-case letters, digits and hyphens; used by commands, e.g. website.",
    )
    text = forms.CharField(label="What parents are asked", widget=forms.Textarea(attrs={"rows": 8}))

    field_order = ["slug", "name", "summary", "asks", "pupil_from_age", "lasts_years", "text"]


class VersionForm(forms.Form):
    label = forms.CharField(label="Version label", max_length=40, help_text="e.g. 2026.")
    text = forms.CharField(
        label="What parents and carers read and answer",
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Plain text, stored exactly as written.",
    )
    change_note = forms.CharField(label="What changed (optional)", max_length=300, required=False)


class PublishForm(forms.Form):
    asks_again = forms.BooleanField(
        label="Everyone is asked again in these words",
        required=False,
        help_text="Tick for a change parents must agree to: earlier answers stop counting.",
    )


def _answer_fields(
    form: forms.Form, purposes: list[tuple[Purpose, PurposeVersion]], widget: type[forms.Widget]
) -> None:
    for purpose, _version in purposes:
        form.fields[f"answer_{purpose.slug}"] = forms.ChoiceField(
            label=purpose.name,
            choices=ANSWER_CHOICES if widget is forms.Select else ANSWER_CHOICES[1:],
            required=False,
            widget=widget(),
            help_text=purpose.summary,
        )


def answers_from(
    form: forms.Form, purposes: list[tuple[Purpose, PurposeVersion]]
) -> dict[str, str]:
    return {p.slug: form.cleaned_data.get(f"answer_{p.slug}") or "" for p, _ in purposes}


def _choices(form: forms.Form, name: str, choices: list[tuple[Any, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class RecordForm(forms.Form):
    """At the desk or from a paper form: one person's answers about one pupil."""

    decided_by = forms.TypedChoiceField(label="Who is answering", coerce=int)
    method = forms.ChoiceField(
        label="How", choices=[(Method.DESK, Method.DESK.label), (Method.PAPER, Method.PAPER.label)]
    )
    scan = forms.FileField(label="Scan of the signed form (paper forms)", required=False)
    typed_name = forms.CharField(label="Their full name, as they give it", max_length=200)
    confirmed = forms.BooleanField(label="They confirmed these answers", required=False)

    def __init__(
        self,
        *args: Any,
        answerers: list[Person],
        purposes: list[tuple[Purpose, PurposeVersion]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "decided_by", [(p.pk, str(p)) for p in answerers])
        self.fields["decided_by"].widget = forms.RadioSelect(
            choices=[(p.pk, str(p)) for p in answerers]
        )
        _answer_fields(self, purposes, forms.Select)


class AnswerForm(forms.Form):
    """The page a parent's link opens: yes or no to each purpose, a typed name, a tick."""

    typed_name = forms.CharField(label="Your full name", max_length=200)
    confirmed = forms.BooleanField(label="These are my answers, in writing", required=False)

    def __init__(
        self, *args: Any, purposes: list[tuple[Purpose, PurposeVersion]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        typed, confirmed = self.fields.pop("typed_name"), self.fields.pop("confirmed")
        _answer_fields(self, purposes, forms.RadioSelect)
        self.fields["typed_name"], self.fields["confirmed"] = typed, confirmed


class CheckForm(forms.Form):
    purpose = forms.ChoiceField(label="Where the images will appear")
    form_name = forms.ChoiceField(label="A class (form)", required=False)
    year_group = forms.TypedChoiceField(
        label="Or a year group",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *YEAR_GROUP_CHOICES],
    )
    pasted = forms.CharField(
        label="Or paste a list, one pupil a line",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text='A UPN, an admission number or "First Last (Form)" on each line.',
    )
    upload = forms.FileField(label="Or upload a CSV (pupils in the first column)", required=False)

    def __init__(
        self, *args: Any, purposes: list[Purpose], forms_at_school: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "purpose", [(p.slug, p.name) for p in purposes])
        _choices(self, "form_name", [("", "—"), *[(f, f) for f in forms_at_school]])


class ClassListForm(forms.Form):
    form_name = forms.ChoiceField(label="Class (form)")

    def __init__(self, *args: Any, forms_at_school: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "form_name", [(f, f) for f in forms_at_school])


class SendForm(forms.Form):
    year_group = forms.TypedChoiceField(
        label="Year group",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Every year group"), *YEAR_GROUP_CHOICES],
    )
    form_name = forms.CharField(label="Form (optional)", max_length=40, required=False)
