"""The data-protection pages' forms. They parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from warden.accounts.models import System
from warden.core.forms import DateInput, DateTimeInput
from warden.core.models import School, User
from warden.core.selectors import operators_at
from warden.equipment.models import Asset, AssetType, WipingMethod
from warden.people.choosers import PeopleForm, PersonField
from warden.privacy.models import (
    Containment,
    DataCategory,
    Harm,
    IcoDecision,
    InformedHow,
    InformedParty,
    Likelihood,
    StorageRegion,
)


class BreachOpenForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="A short title; no names needed.")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What happened, what data, how it was found.",
    )
    aware_at = forms.DateTimeField(
        label="When the school became aware",
        required=False,
        widget=DateTimeInput(),
        help_text="Leave empty for now: the ICO's 72 hours run from this moment.",
    )
    system = forms.ModelChoiceField(
        label="Compromised account: system",
        queryset=System.objects.none(),
        required=False,
        help_text="Report a compromised account: choose its system and give its username.",
    )
    username = forms.CharField(label="Compromised account: username", required=False)

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        field = self.fields["system"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = System.objects.filter(school=school, is_active=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("system")) != bool((data.get("username") or "").strip()):
            raise forms.ValidationError(
                "For a compromised account give both its system and its username, or neither."
            )
        return data


class AwareForm(forms.Form):
    aware_at = forms.DateTimeField(label="When the school became aware", widget=DateTimeInput())
    aware_reason = forms.CharField(
        label="Why it differs from when the breach was opened", max_length=300
    )


class AssessForm(forms.Form):
    data_description = forms.CharField(
        label="What personal data was involved",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    categories = forms.MultipleChoiceField(
        label="Categories of data",
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Health, ethnicity, religion and biometrics are special category data.",
    )
    people_affected = forms.IntegerField(
        label="How many people's data", min_value=0, help_text="An estimate will do."
    )
    likelihood = forms.ChoiceField(
        label="How likely is harm to them", choices=Likelihood.choices, widget=forms.RadioSelect
    )
    harm = forms.ChoiceField(
        label="How severe could the harm be", choices=Harm.choices, widget=forms.RadioSelect
    )
    containment = forms.ChoiceField(
        label="Is the breach contained", choices=Containment.choices, widget=forms.RadioSelect
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Report to the ICO?", choices=IcoDecision.choices, widget=forms.RadioSelect
    )
    decision_reasons = forms.CharField(
        label="Reasons",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The risk to people's rights and freedoms that the decision rests on.",
    )
    ico_reference = forms.CharField(label="ICO reference", max_length=60, required=False)
    ico_reported_on = forms.DateField(
        label="Reported to the ICO on", required=False, widget=DateInput()
    )


class InformForm(forms.Form):
    party = forms.ChoiceField(label="Who was informed", choices=InformedParty.choices)
    detail = forms.CharField(label="Whom exactly", max_length=200)
    informed_on = forms.DateField(label="When", widget=DateInput())
    how = forms.ChoiceField(label="How", choices=InformedHow.choices)


class UserField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class ActionForm(forms.Form):
    text = forms.CharField(label="Action", max_length=300)
    owner = UserField(label="Owner", queryset=User.objects.none())
    due_on = forms.DateField(label="Due", required=False, widget=DateInput())

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        # The school's Warden users (a few staff), not the register; governors own no work.
        field.queryset = operators_at(school, staff_only=True)


class NoteForm(forms.Form):
    text = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Beside the action form on the breach page, whose field is also ``text``.
        kwargs.setdefault("auto_id", "note_%s")
        super().__init__(*args, **kwargs)


class CloseForm(forms.Form):
    lessons = forms.CharField(
        label="Lessons learned",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What will stop this happening again.",
    )


class ProcessorForm(forms.Form):
    processor_name = forms.CharField(label="Processor", max_length=200)
    data_categories = forms.MultipleChoiceField(
        label="Categories of data",
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    storage = forms.ChoiceField(label="Where the data is stored", choices=StorageRegion.choices)
    dpa_signed_on = forms.DateField(
        label="Contract with GDPR clauses signed on", required=False, widget=DateInput()
    )
    dpa_file = forms.FileField(
        label="Signed contract (PDF, PNG or JPEG)",
        required=False,
        help_text="Leave empty to keep the file already uploaded.",
    )
    dpia_on = forms.DateField(label="DPIA carried out on", required=False, widget=DateInput())
    dpia_review_on = forms.DateField(label="DPIA review due", required=False, widget=DateInput())
    dpia_file = forms.FileField(
        label="DPIA (PDF, PNG or JPEG)",
        required=False,
        help_text="Leave empty to keep the file already uploaded.",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class OverrideForm(PeopleForm):
    person = PersonField(
        scope="override_pupils", label="Pupil", error_messages={"required": "Choose the pupil."}
    )
    reason = forms.CharField(label="Reason for the override", max_length=300)


class OffSiteForm(PeopleForm):
    person = PersonField(
        scope="off_site_staff",
        label="Member of staff",
        error_messages={"required": "Choose the member of staff."},
    )
    data_description = forms.CharField(label="What personal data", max_length=300)
    purpose = forms.CharField(label="Why it must leave the site", max_length=300)
    device = forms.ModelChoiceField(
        label="On which encrypted drive or device",
        queryset=Asset.objects.none(),
        required=False,
    )
    starts_on = forms.DateField(label="From", widget=DateInput())
    ends_on = forms.DateField(label="To", widget=DateInput())

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, school=school, **kwargs)
        field = self.fields["device"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Asset.objects.filter(
            school=school,
            asset_type__in=[AssetType.REMOVABLE_MEDIA, AssetType.LAPTOP],
            encrypted=True,
        ).exclude(state__in=["disposed", "lost", "stolen", "written_off"])


class WipeForm(forms.Form):
    method = forms.ChoiceField(
        label="How it was wiped",
        choices=[(v, label) for v, label in WipingMethod.choices if v != WipingMethod.NO_STORAGE],
    )
    note = forms.CharField(label="Note", max_length=300, required=False)
