from __future__ import annotations

from typing import Any

from django import forms

from warden.core.errors import ServiceError
from warden.core.roles import Role


class DateInput(forms.DateInput):
    """A browser date picker. `<input type=date>` takes its value as yyyy-mm-dd whatever the
    page's language: a British dd/mm/yyyy value is thrown away and the box shows empty."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """A browser date-and-time picker, which takes its value as yyyy-mm-ddThh:mm only."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def apply_service_errors(form: forms.Form | forms.ModelForm[Any], exc: ServiceError) -> None:
    """Show a service's refusal on the form: next to each field it names, else at the top."""
    placed = False
    for field, errors in exc.field_errors.items():
        if field in form.fields:
            for error in errors:
                form.add_error(field, error)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


class OtpTokenForm(forms.Form):
    token = forms.CharField(
        label="Code from your authenticator app (or a backup code)",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args: Any, enrolling: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if enrolling:
            # Backup codes are given once the authenticator is set up, not before.
            self.fields["token"].label = "Code from your authenticator app"

    def clean_token(self) -> str:
        return "".join(str(self.cleaned_data["token"]).split())


class PasswordPolicyForm(forms.Form):
    min_length = forms.IntegerField(
        label="Minimum length",
        min_value=8,
        max_value=128,
        help_text="At least 8 (ICT security policy §8f).",
    )
    require_mixed_case = forms.BooleanField(
        label="Require upper and lower case letters", required=False, initial=True
    )
    require_digit_or_symbol = forms.BooleanField(
        label="Require a number or symbol", required=False, initial=True
    )


class OperatorCreateForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(help_text="Used for password resets.")
    username = forms.SlugField(
        max_length=150, help_text="Letters, numbers, dots and dashes, e.g. j.smith"
    )
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in Role if r != Role.TRUST_ADMIN])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].validators = []

    def clean_username(self) -> str:
        value = str(self.cleaned_data["username"]).strip().lower()
        if not all(c.isalnum() or c in ".-_" for c in value):
            raise forms.ValidationError("Use letters, numbers, dots, dashes or underscores only.")
        return value


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in Role if r != Role.TRUST_ADMIN])


class AuditFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        help_text="Words from the action, the name of who did it, or the record, e.g. closed",
    )
    date_from = forms.DateField(label="From", required=False, widget=DateInput())
    date_to = forms.DateField(label="To", required=False, widget=DateInput())


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
