"""Forms parse and label input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from warden.agreements.models import Audience
from warden.people.models import YEAR_GROUP_CHOICES, Person


class AgreementCreateForm(forms.Form):
    audience = forms.ChoiceField(label="Audience", choices=Audience.choices)
    title = forms.CharField(
        label="Title",
        max_length=200,
        required=False,
        help_text="Leave empty to use the starter title, e.g. 'Staff acceptable-use agreement'.",
    )


class VersionForm(forms.Form):
    label = forms.CharField(
        label="Version label", max_length=40, help_text="Shown after the title, e.g. 2026."
    )
    text = forms.CharField(
        label="Text people read and sign",
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text="Plain text, stored exactly as written. Leave a blank line between "
        "paragraphs and start each point with a number (1.) or a dash; people see the "
        "lines of a paragraph joined, to fit their screen.",
    )
    change_note = forms.CharField(label="What changed (optional)", max_length=300, required=False)


class PublishForm(forms.Form):
    requires_resign = forms.BooleanField(
        label="Everyone must sign this version again",
        required=False,
        help_text="Tick for a change people must agree to: every earlier signature then "
        "stops counting and reminders go out. The first version always needs signing.",
    )


class SettingsForm(forms.Form):
    renewal_enabled = forms.BooleanField(
        label="Signatures expire each year on the renewal date", required=False
    )
    renewal_day = forms.IntegerField(label="Renewal day", min_value=1, max_value=31)
    renewal_month = forms.TypedChoiceField(
        label="Renewal month",
        coerce=int,
        choices=[
            (n, name)
            for n, name in enumerate(
                [
                    "January",
                    "February",
                    "March",
                    "April",
                    "May",
                    "June",
                    "July",
                    "August",
                    "September",
                    "October",
                    "November",
                    "December",
                ],
                start=1,
            )
        ],
    )
    grace_days = forms.IntegerField(
        label="Grace period (days)",
        min_value=0,
        max_value=90,
        help_text="After this many days without a current signature, access goes on the "
        "suspension list.",
    )
    link_days = forms.IntegerField(label="Signing links last (days)", min_value=1, max_value=60)
    reminder_days = forms.IntegerField(label="Days between reminders", min_value=1, max_value=60)


class SignForm(forms.Form):
    """The signer's own confirmation: the typed full name and a tick.

    Neither is ``required`` here: the signing services check both and say in plain words
    what is missing ("Tick the box to confirm..."), where a form would say "This field is
    required".
    """

    typed_name = forms.CharField(
        label="Type your full name as your signature",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    confirmed = forms.BooleanField(
        label="I have read the text above and agree to it", required=False
    )


class DeskSignForm(SignForm):
    typed_name = forms.CharField(
        label="Full name, typed by the person signing", max_length=200, required=False
    )
    confirmed = forms.BooleanField(
        label="The person has read the text and agrees to it, in front of me", required=False
    )


class CounterSignForm(SignForm):
    parent = forms.ModelChoiceField(
        queryset=Person.objects.none(), label="Parent or carer counter-signing"
    )
    typed_name = forms.CharField(
        label="Full name, typed by the parent or carer", max_length=200, required=False
    )
    confirmed = forms.BooleanField(
        label="The parent or carer has read the text and counter-signs it, in front of me",
        required=False,
    )

    def __init__(self, *args: Any, parents: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["parent"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Person.objects.filter(pk__in=[p.pk for p in parents])


class PaperForm(forms.Form):
    typed_name = forms.CharField(
        label="Name as written on the form", max_length=200, required=False
    )
    confirmed = forms.BooleanField(
        label="The form is signed and matches this version's text", required=False
    )
    scan = forms.FileField(
        label="Scan of the signed form",
        help_text="PDF, PNG or JPEG, up to 10 MB.",
        error_messages={"required": "Choose the scan of the signed form to upload."},
    )


class SignerFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or MIS id"}),
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            ("", "Any status"),
            ("current", "Current"),
            ("due", "Due"),
            ("countersign", "Counter-signature missing"),
            ("past_grace", "Past grace period"),
            ("unavailable", "Nothing to sign yet"),
        ],
    )
    year_group = forms.TypedChoiceField(
        label="Year",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "All years"), *YEAR_GROUP_CHOICES],
    )
    form = forms.CharField(label="Form / class", required=False, max_length=40)
    sort = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[(s, s) for s in ("name", "-name", "status", "signed", "-signed")],
    )


class SendLinksForm(forms.Form):
    year_group = forms.TypedChoiceField(
        label="Year group (optional)",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Everyone in the audience"), *YEAR_GROUP_CHOICES],
    )
    form = forms.CharField(label="Form / class (optional)", required=False, max_length=40)
    include_current = forms.BooleanField(
        label="Also send to people whose signature is current", required=False
    )


class SheetForm(forms.Form):
    year_group = forms.TypedChoiceField(
        label="Year group",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any year"), *YEAR_GROUP_CHOICES],
    )
    form = forms.CharField(label="Form / class", required=False, max_length=40)
    include_current = forms.BooleanField(
        label="Include pupils whose signature is current", required=False
    )
