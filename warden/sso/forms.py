from __future__ import annotations

from typing import Any

from django import forms

from warden.core.models import User
from warden.sso import presets
from warden.sso.models import PROVIDER_FIELDS, Provider


class ProviderForm(forms.ModelForm[Provider]):
    whole_trust = forms.BooleanField(
        required=False,
        label="Use it at every school of the trust",
        help_text="Only a trust administrator can choose this.",
    )
    # Text, not an address: for Entra ID a bare tenant will do (``presets.issuer_for``).
    issuer = forms.CharField(
        label="Issuer address (for Entra ID: your tenant's directory ID or domain)",
        help_text="Google Workspace needs nothing here. Another provider: its issuer "
        "address, e.g. https://id.example.org/realms/school.",
        required=False,
        max_length=300,
    )

    class Meta:
        model = Provider
        fields = list(PROVIDER_FIELDS)
        labels = {
            "preset": "Provider",
            "name": "Name on the sign-in button",
            "client_id": "Client ID (application ID)",
            "client_secret_env": "Environment variable holding the client secret",
            "client_secret_file": "Or a file holding the client secret",
            "staff_domain": "Staff e-mail domain linked automatically (optional)",
            "enabled": "Show the sign-in button",
        }
        help_texts = {
            "client_secret_env": "The secret itself is never stored in Warden's database.",
            "staff_domain": "Staff whose verified address is at this domain (e.g. "
            "school.example.org) are matched to the Warden user with that address at their "
            "first sign-in. Leave empty to link each person by hand.",
        }

    def __init__(self, *args: Any, trust_choice: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not trust_choice:
            del self.fields["whole_trust"]

    def clean_issuer(self) -> str:
        # Before the model checks it is an address: a tenant becomes its issuer address.
        return presets.issuer_for(self.cleaned_data.get("preset", ""), self.cleaned_data["issuer"])


class LinkForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Warden user")
    subject = forms.CharField(
        max_length=255,
        label="Their reference at the provider (subject)",
        help_text="Shown to them on the page that refused their first sign-in.",
    )

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
