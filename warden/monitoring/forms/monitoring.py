"""Forms of the monitoring half: they parse and label; the services decide."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings

from warden.monitoring.models.monitoring import ROUTE_CHOICES, SEVERITY_CHOICES, KeywordSource
from warden.people.choosers import PeopleForm, PersonField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
E2GUARDIAN_PHRASELISTS = Path("/etc/e2guardian/lists/phraselists")


def installed_phraselists() -> list[Path]:
    """The e2guardian weighted phrase lists installed on this server (read where they are)."""
    root = Path(getattr(settings, "WARDEN_E2GUARDIAN_PHRASELISTS", E2GUARDIAN_PHRASELISTS))
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("weighted*") if p.is_file())


class ViolationFilterForm(PeopleForm):
    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Phrase, search, site, name or username"}
        ),
    )
    min_severity = forms.TypedChoiceField(
        label="Severity",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any"), *[(n, f"{n} or higher") for n in range(5, 0, -1)]],
    )
    category = forms.ChoiceField(label="Category", required=False, choices=[("", "All")])
    person = PersonField(scope="people", label="Person", required=False)
    date_from = forms.DateField(label="From", required=False, widget=DATE)
    date_to = forms.DateField(label="To", required=False, widget=DATE)
    sort = forms.ChoiceField(
        label="Order",
        required=False,
        choices=[
            ("-ts", "Newest first"),
            ("ts", "Oldest first"),
            ("-severity", "Most severe first"),
            ("category", "By category"),
        ],
    )

    def __init__(self, *args: Any, categories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = [("", "All"), *[(c, c) for c in categories]]


class KeywordFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Phrase"}),
    )
    category = forms.ChoiceField(label="Category", required=False, choices=[("", "All")])
    severity = forms.TypedChoiceField(
        label="Severity",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any"), *SEVERITY_CHOICES],
    )
    source = forms.ChoiceField(
        label="Source", required=False, choices=[("", "Any"), *KeywordSource.choices]
    )
    active = forms.TypedChoiceField(
        label="State",
        required=False,
        coerce=lambda v: v == "1",
        empty_value=None,
        choices=[("", "On and off"), ("1", "On"), ("0", "Off")],
    )

    def __init__(self, *args: Any, categories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = [("", "All"), *[(c, c) for c in categories]]


class KeywordForm(forms.Form):
    text = forms.CharField(label="Phrase", max_length=300)
    category = forms.CharField(
        label="Category", max_length=60, help_text="A Warden category, e.g. self-harm or bullying."
    )
    severity = forms.TypedChoiceField(label="Severity", coerce=int, choices=SEVERITY_CHOICES)
    language = forms.CharField(label="Language", max_length=20, initial="en")
    route = forms.ChoiceField(
        label="Route out of triage",
        choices=ROUTE_CHOICES,
        required=False,
        help_text="Self-harm, suicide, abuse, grooming, radicalisation and bullying of the pupil "
        "propose a welfare concern; other categories a breach. The DSL can always switch.",
    )


class KeywordImportForm(forms.Form):
    fmt = forms.ChoiceField(
        label="Format",
        choices=[
            ("ldnoobw", "LDNOOBW list (one phrase a line; the file name is the language)"),
            ("e2guardian", "e2guardian weighted phrase list"),
            ("warden", "Warden keyword file (phrase, category, severity, language; tabs)"),
        ],
    )
    upload = forms.FileField(label="File to upload", required=False)
    installed = forms.ChoiceField(
        label="Or an e2guardian list installed on this server",
        required=False,
        choices=[("", "—")],
    )
    category = forms.CharField(
        label="Category (optional)",
        required=False,
        max_length=60,
        help_text="File every phrase under this category instead of the list's own.",
    )
    severity = forms.TypedChoiceField(
        label="Severity (optional)",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "As the list says"), *SEVERITY_CHOICES],
    )
    language = forms.CharField(
        label="Language (optional)",
        required=False,
        max_length=20,
        help_text="For an LDNOOBW file not named after its language, e.g. en.",
    )
    skip_bad_lines = forms.BooleanField(
        label="Import the good lines and list the bad ones", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        installed = self.fields["installed"]
        assert isinstance(installed, forms.ChoiceField)
        root = Path(getattr(settings, "WARDEN_E2GUARDIAN_PHRASELISTS", E2GUARDIAN_PHRASELISTS))
        installed.choices = [("", "—")] + [
            (str(p), str(p.relative_to(root))) for p in installed_phraselists()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("upload") and not data.get("installed"):
            raise forms.ValidationError("Choose a file to upload or an installed list.")
        if data.get("installed") and data.get("fmt") != "e2guardian":
            self.add_error("fmt", "Installed lists are e2guardian weighted phrase lists.")
        return data


class ExclusionForm(forms.Form):
    text = forms.CharField(
        label="Text that must not raise an alert",
        max_length=300,
        help_text="E.g. a film title or a place name that contains a listed phrase.",
    )
    reason = forms.CharField(label="Why", max_length=300)
    categories = forms.CharField(
        label="Only for these categories (optional)",
        required=False,
        max_length=300,
        help_text="Comma-separated, e.g. suicide, self-harm. Empty: every category.",
    )


class LeaseImportForm(forms.Form):
    upload = forms.FileField(
        label="DHCP lease export (CSV)",
        help_text="Columns ip, mac (or device), username (or MIS id), start, end.",
    )
