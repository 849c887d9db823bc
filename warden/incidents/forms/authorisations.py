"""Forms of the staff monitoring authorisation pages: they parse and label; the services
decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet

from warden.core.models import User
from warden.incidents.forms.fields import DATE
from warden.incidents.models import AuthorisationScope, ReviewOutcome
from warden.incidents.rules import MAX_AUTHORISATION_DAYS, MAX_DAYS_BETWEEN_REVIEWS
from warden.people.choosers import PeopleForm, PersonField


class UserChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class AuthorisationForm(PeopleForm):
    subject = PersonField(scope="staff", label="Member of staff whose use is to be examined")
    investigator = UserChoiceField(
        label="Investigator (who will do the looking)",
        queryset=User.objects.none(),
        help_text="Designated staff acting under the direction of the headteacher.",
    )
    scope = forms.ChoiceField(label="What may be examined", choices=AuthorisationScope.choices)
    reason = forms.CharField(
        label="Grounds for suspecting misuse",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Monitoring is never routine: say what gives reasonable grounds.",
    )
    starts_on = forms.DateField(label="In force from", widget=DATE)
    ends_on = forms.DateField(
        label="Until (inclusive)",
        widget=DATE,
        help_text=f"At most {MAX_AUTHORISATION_DAYS} days: end it as soon as possible.",
    )
    review_dates = forms.CharField(
        label="Review dates",
        required=False,
        help_text=f"Dates (DD/MM/YYYY or YYYY-MM-DD) separated by commas; no more than "
        f"{MAX_DAYS_BETWEEN_REVIEWS} days may pass without a review.",
    )
    history_from = forms.DateField(
        label="Examine use from", widget=DATE, required=False, help_text="Empty: all archived."
    )
    history_to = forms.DateField(label="Examine use until", widget=DATE, required=False)

    def __init__(self, *args: Any, users: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        investigator = self.fields["investigator"]
        assert isinstance(investigator, forms.ModelChoiceField)
        investigator.queryset = users

    def clean_review_dates(self) -> list[dt.date]:
        text = self.cleaned_data.get("review_dates") or ""
        dates = []
        for part in text.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
                try:
                    dates.append(dt.datetime.strptime(part, pattern).date())
                    break
                except ValueError:
                    continue
            else:
                raise forms.ValidationError(f"{part!r} is not a date; write it like 14/03/2026.")
        return dates


class DecisionForm(forms.Form):
    note = forms.CharField(
        label="Note", max_length=300, required=False, help_text="Required when refusing."
    )


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=ReviewOutcome.choices)
    notes = forms.CharField(
        label="Why monitoring is still needed, or why it ends",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EndForm(forms.Form):
    reason = forms.CharField(label="Why it ends now", max_length=300)


class HistorySearchForm(forms.Form):
    start = forms.DateField(label="From", widget=DATE, required=False)
    end = forms.DateField(label="Until", widget=DATE, required=False)
    host = forms.CharField(label="Site (host contains)", max_length=200, required=False)
    url = forms.CharField(label="Address contains", max_length=500, required=False)
    order = forms.ChoiceField(
        label="Show first",
        choices=[("oldest", "Oldest"), ("newest", "Newest")],
        required=False,
    )
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
