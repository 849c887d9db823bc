"""Forms of the MIS import pages: the upload, and the mapping checked on the preview."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from warden.people.importing import FIELD_LABELS, MAPPABLE_FIELDS
from warden.people.models import MisSource, PersonType

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
TYPE_CHOICES = [("", "Each row's type, from a type column"), *PersonType.choices]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file exported from the MIS",
        help_text="Export the student or staff list from SIMS, Arbor, Bromcom or RM Integris "
        "as CSV (at most 10 MB). Nothing is saved until you have checked the preview.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )
    source = forms.ChoiceField(
        label="Exported from",
        required=False,
        choices=[("", "Recognise it from the columns"), *MisSource.choices],
    )
    default_type = forms.ChoiceField(
        label="The file holds",
        required=False,
        choices=TYPE_CHOICES,
        initial=PersonType.PUPIL,
        help_text="Used for every row unless the file has a column giving each person's type.",
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                "The file is larger than 10 MB; export only the people Warden needs."
            )
        return upload


class MappingForm(forms.Form):
    """Which CSV column fills each Warden field, and how the import should treat the file.

    One select per field (named ``map_<field>``), listing the file's own columns.
    """

    source = forms.ChoiceField(label="Exported from", choices=MisSource.choices)
    # The MIS the selects below were filled for: choosing another starts from its columns.
    shown_source = forms.CharField(required=False, widget=forms.HiddenInput)
    default_type = forms.ChoiceField(label="The file holds", required=False, choices=TYPE_CHOICES)
    mark_missing_as_leaving = forms.BooleanField(
        label="Mark people of this type who are not in the file as leaving",
        required=False,
        help_text="Only people with an MIS id; their accounts then get removal deadlines.",
    )
    leaving_date = forms.DateField(
        label="Their leaving date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave empty for today.",
    )

    def __init__(self, *args: Any, header: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        columns = list(dict.fromkeys(column for column in header if column))
        choices = [("", "— not imported —"), *((column, column) for column in columns)]
        for name in MAPPABLE_FIELDS:
            self.fields[f"map_{name}"] = forms.ChoiceField(
                label=FIELD_LABELS[name], required=False, choices=choices
            )

    def mapping_fields(self) -> list[forms.BoundField]:
        return [self[f"map_{name}"] for name in MAPPABLE_FIELDS]

    def option_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("source", "default_type")]

    def leaving_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("mark_missing_as_leaving", "leaving_date")]

    def mapping(self) -> dict[str, str]:
        return {name: self.cleaned_data[f"map_{name}"] for name in MAPPABLE_FIELDS}

    def source_changed(self) -> bool:
        shown = self.cleaned_data.get("shown_source")
        return bool(shown) and shown != self.cleaned_data["source"]

    def options(self) -> dict[str, Any]:
        """Keyword arguments for the import services."""
        leaving_date: dt.date | None = self.cleaned_data["leaving_date"]
        return {
            "source": self.cleaned_data["source"],
            "mapping": self.mapping(),
            "default_type": self.cleaned_data["default_type"] or None,
            "mark_missing_as_leaving": self.cleaned_data["mark_missing_as_leaving"],
            "leaving_date": leaving_date,
        }

    @staticmethod
    def initial_for(
        *, source: str, mapping: dict[str, str], default_type: str | None
    ) -> dict[str, Any]:
        return {
            "source": source,
            "shown_source": source,
            "default_type": default_type or "",
            **{f"map_{name}": column for name, column in mapping.items()},
        }
