"""Forms of the publication pages. Pupils are chosen with the shared type-ahead
(``PeopleField``) or pasted as a class list (``consent.lines.resolve_pupils``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from warden.consent.lines import resolve_pupils
from warden.consent.models import Purpose
from warden.core.access import AnyUser
from warden.core.forms import DateInput
from warden.core.models import School, User
from warden.core.roles import ROLE_PERMISSIONS, Perm
from warden.core.selectors import operators_at
from warden.people.choosers import PeopleField, PeopleForm, PersonField
from warden.people.models import Person
from warden.publication.models import RETENTION_YEARS_DEFAULT, Channel, SocialAccount

PASTE_HELP = "One pupil a line: UPN, admission number, or First Last (Form)."


class PupilsForm(PeopleForm):
    """Pupils chosen one by one, plus a pasted class list; every unknown line is named."""

    pupils = PeopleField(scope="media_pupils", label="Pupils", required=False)
    pasted = forms.CharField(
        label="Or paste a class list",
        required=False,
        help_text=PASTE_HELP,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, school: School, user: AnyUser | None = None, **kwargs: Any):
        self.school = school
        super().__init__(*args, school=school, user=user, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lines = str(cleaned.get("pasted") or "").splitlines()
        found, problems = resolve_pupils(self.school, lines) if any(lines) else ([], [])
        for line_no, text, problem in problems:
            self.add_error("pasted", f"Line {line_no} ({text}): {problem}")
        chosen: list[Person] = list(cleaned.get("pupils") or [])
        cleaned["all_pupils"] = list(dict.fromkeys(chosen + found))
        return cleaned


class MediaSetForm(PupilsForm):
    title = forms.CharField(label="Name of the set", max_length=200)
    location = forms.CharField(
        label="Where it is stored",
        max_length=500,
        help_text="A web address (https://…) or a drive path, e.g. Media Drive/2026/Sports day.",
    )
    purpose = forms.ModelChoiceField(
        label="Used for (consent purpose)", queryset=Purpose.objects.none()
    )
    taken_on = forms.DateField(label="Date taken", widget=DateInput())
    field_order = ["title", "location", "purpose", "taken_on", "pupils", "pasted"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        purpose = self.fields["purpose"]
        assert isinstance(purpose, forms.ModelChoiceField)
        purpose.queryset = Purpose.objects.filter(school=self.school)
        self.fields["taken_on"].initial = timezone.localdate()


class AddPupilsForm(PupilsForm):
    pass


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)


class RetentionForm(forms.Form):
    retention_years = forms.IntegerField(
        label="Keep images for (years)",
        min_value=1,
        max_value=25,
        initial=RETENTION_YEARS_DEFAULT,
        help_text="Sets older than this are listed for removal (policy: generally three years).",
    )


class _UserChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class TeamForm(forms.Form):
    social_media_team_form = forms.CharField(widget=forms.HiddenInput, initial="1")
    social_media_team = _UserChoices(
        label="Social-media team",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Who checks posts and approves them for the website and the school's "
        "social-media accounts, besides the headteacher and the ICT manager.",
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["social_media_team"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        # Those who approve posts already (the headteacher, the ICT manager) need no place
        # on it, and governors see figures only.
        approving = [
            role for role, perms in ROLE_PERMISSIONS.items() if Perm.POSTS_APPROVE in perms
        ]
        field.queryset = operators_at(school, staff_only=True).exclude(
            memberships__role__in=approving
        )


class RecordingForm(PeopleForm):
    staff = PersonField(scope="recording_staff", label="Member of staff")
    device = forms.CharField(label="Device", max_length=200, help_text="e.g. personal iPhone 14")
    conditions = forms.CharField(
        label="Conditions",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="e.g. school trip only; images moved to the Media Drive, deleted the same day.",
    )
    valid_from = forms.DateField(label="From", widget=DateInput())
    valid_until = forms.DateField(label="Until", widget=DateInput())


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ImagesField(forms.FileField):
    """Several files from one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/png,image/jpeg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class PostForm(PupilsForm):
    channel = forms.ChoiceField(label="Where it goes", choices=Channel.choices)
    account = forms.ModelChoiceField(
        label="Social-media account",
        queryset=SocialAccount.objects.none(),
        required=False,
        help_text="For social media: which of the school's accounts.",
    )
    text = forms.CharField(label="Text of the post", widget=forms.Textarea(attrs={"rows": 4}))
    images = ImagesField(label="Images (PNG or JPEG)", required=False)
    field_order = ["channel", "account", "text", "images", "pupils", "pasted"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        account = self.fields["account"]
        assert isinstance(account, forms.ModelChoiceField)
        account.queryset = SocialAccount.objects.filter(school=self.school)
        self.fields["pupils"].label = "Pupils shown"


class DecisionForm(forms.Form):
    note = forms.CharField(
        label="Reason (needed to refuse or withdraw)", required=False, max_length=500
    )


class AccountForm(forms.Form):
    name = forms.CharField(label="Account name", max_length=120, help_text="e.g. Facebook page")
