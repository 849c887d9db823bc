"""The governance pages' forms."""

from __future__ import annotations

from typing import Any

from django import forms

from warden.agreements.models import AgreementVersion, VersionStatus
from warden.core.forms import DateInput
from warden.core.models import School, User
from warden.core.roles import Role
from warden.core.selectors import operators_at
from warden.governance.models import ApprovingBody, Course, PolicyKind, TriggerKind
from warden.governance.review_checks import ANSWERS, CHECKS
from warden.governance.selectors import CommsRow
from warden.governance.services.reviews import PARTICIPANT_ROLES
from warden.governance.starters import PUPIL_CHOICES, STAFF_CHOICES
from warden.people.choosers import PeopleField, PeopleForm
from warden.people.models import PersonType

OWNER_HELP = "A Warden user of the school: they are reminded 30 days before the review."


class UserField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class _OwnerForm(forms.Form):
    owner = UserField(queryset=User.objects.none(), required=False, help_text=OWNER_HELP)

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = operators_at(school)


class PolicyForm(_OwnerForm):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=PolicyKind.choices)
    approving_body = forms.ChoiceField(label="Approved by", choices=ApprovingBody.choices)
    field_order = ["title", "kind", "owner", "approving_body"]


class PolicyEditForm(_OwnerForm):
    # Shares field names with the version form on the same page: its ids carry a prefix.
    prefix = "policy"
    approving_body = forms.ChoiceField(label="Approved by", choices=ApprovingBody.choices)
    next_review_on = forms.DateField(label="Next review", required=False, widget=DateInput())


class VersionForm(forms.Form):
    label = forms.CharField(max_length=40, help_text="E.g. 2026, or Spring 2026.")
    text = forms.CharField(
        label="Text of the policy",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Type or paste it, or upload the document below.",
    )
    document = forms.FileField(
        label="Policy document", required=False, help_text="PDF, DOCX, ODT, DOC, RTF or TXT."
    )
    approving_body = forms.ChoiceField(label="Approved by", choices=ApprovingBody.choices)
    approved_on = forms.DateField(
        label="Approved on",
        required=False,
        widget=DateInput(),
        help_text="Leave empty for a draft.",
    )
    minute_reference = forms.CharField(
        label="Minute reference",
        max_length=100,
        required=False,
        help_text="E.g. FGB 14/03/2026 item 7.",
    )
    next_review_on = forms.DateField(
        label="Next review",
        required=False,
        widget=DateInput(),
        help_text="Leave empty for a year after approval.",
    )


class LinkForm(forms.Form):
    agreement_versions = forms.ModelMultipleChoiceField(
        label="Agreement versions that put this version into practice",
        queryset=AgreementVersion.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agreement_versions"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = AgreementVersion.objects.filter(
            school=school, status=VersionStatus.PUBLISHED
        ).select_related("agreement")


class TriggerForm(forms.Form):
    kind = forms.ChoiceField(label="What brings it forward", choices=TriggerKind.choices)
    reason = forms.CharField(
        max_length=300,
        help_text="E.g. the incident's reference, or the law or guidance that changed.",
    )


class CourseForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(max_length=300, required=False)
    person_types = forms.MultipleChoiceField(
        label="Who must take it (types)",
        choices=[
            c for c in PersonType.choices if c[0] not in (PersonType.PUPIL, PersonType.PARENT)
        ],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    roles = forms.MultipleChoiceField(
        label="…and holders of these Warden roles",
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    validity_months = forms.IntegerField(
        label="Valid for (months)",
        required=False,
        min_value=1,
        max_value=120,
        help_text="Leave empty when once is enough.",
    )
    due_within_days = forms.IntegerField(
        label="To be done within (days)", initial=30, min_value=0, max_value=365
    )
    induction = forms.BooleanField(
        label="Induction: new staff take it within these days of joining", required=False
    )


class CoursePeopleForm(PeopleForm):
    """A course and people: whose training is recorded, or who is asked to confirm it."""

    course = forms.ModelChoiceField(queryset=Course.objects.none())
    # Not required in the browser's sense: the typed box is empty once people are chosen;
    # the service refuses an empty list with its own words.
    people = PeopleField(
        scope="trainees",
        label="Who completed it",
        required=False,
        help_text="Type a name to add each person.",
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, school=school, **kwargs)
        course = self.fields["course"]
        assert isinstance(course, forms.ModelChoiceField)
        course.queryset = Course.objects.filter(school=school, active=True)


class CompletionForm(CoursePeopleForm):
    completed_on = forms.DateField(label="Completed on", widget=DateInput())
    note = forms.CharField(max_length=200, required=False, help_text="E.g. who ran the session.")


class LinkSendForm(CoursePeopleForm):
    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, school=school, **kwargs)
        self.fields["people"].label = "Who to ask"


class ConfirmForm(forms.Form):
    """What the person a training link was sent to fills in."""

    completed_on = forms.DateField(label="The day you completed it", widget=DateInput())
    typed_name = forms.CharField(
        label="Type your full name to confirm", max_length=200, help_text="E.g. Jane Smith."
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns person (name or MIS id), course (its title) and date (dd/mm/yyyy).",
    )


class MatrixFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or job title"}),
    )
    overdue = forms.BooleanField(label="Only people with training overdue", required=False)


class ReviewStartForm(forms.Form):
    year = forms.TypedChoiceField(label="School year", coerce=int)
    test_sites = forms.CharField(
        label="Test sites",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One a line: sites every group should find blocked, checked against the "
        "policy in force.",
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = self.fields["year"]
        assert isinstance(year, forms.TypedChoiceField)
        year.choices = [(y, f"{y}–{(y + 1) % 100:02d}") for y in years]


class ReviewForm(forms.Form):
    """Who took part, each check's answer and evidence, and the summary."""

    summary = forms.CharField(
        label="Summary and conclusions", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in PARTICIPANT_ROLES:
            self.fields[f"who_{key}"] = forms.CharField(
                label=label, required=False, max_length=120, help_text="Name and job title."
            )
        for key, title, _question in CHECKS:
            self.fields[f"answer_{key}"] = forms.ChoiceField(
                label=f"{title}: judgement",
                choices=[("", "Not yet answered"), *ANSWERS],
                required=False,
            )
            self.fields[f"evidence_{key}"] = forms.CharField(
                label=f"{title}: evidence and notes",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def participants(self) -> list[dict[str, str]]:
        return [
            {"role": key, "name": self.cleaned_data.get(f"who_{key}", "")}
            for key, _label in PARTICIPANT_ROLES
        ]

    def answers(self) -> dict[str, dict[str, str]]:
        return {
            key: {
                "answer": self.cleaned_data.get(f"answer_{key}", ""),
                "evidence": self.cleaned_data.get(f"evidence_{key}", ""),
            }
            for key, _title, _question in CHECKS
        }


class ActionForm(forms.Form):
    text = forms.CharField(label="Action", max_length=300)
    owner = forms.CharField(label="Who", max_length=120, help_text="Name or role.")
    due_on = forms.DateField(label="By", widget=DateInput())


class CommsForm(forms.Form):
    def __init__(self, *args: Any, rows: list[CommsRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[f"{row.key}_staff"] = forms.ChoiceField(
                label=f"{row.label}: staff", choices=STAFF_CHOICES, initial=row.staff
            )
            self.fields[f"{row.key}_pupils"] = forms.ChoiceField(
                label=f"{row.label}: pupils", choices=PUPIL_CHOICES, initial=row.pupils
            )

    def values(self) -> dict[str, tuple[str, str]]:
        return {
            row.key: (self.cleaned_data[f"{row.key}_staff"], self.cleaned_data[f"{row.key}_pupils"])
            for row in self.rows
        }
