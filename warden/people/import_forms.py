"""Forms of the MIS import pages: the upload, the mapping checked on the preview, and the
scheduled feed's settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from warden.people.feeds import FEED_FIELDS
from warden.people.importing import FIELD_LABELS, MAPPABLE_FIELDS
from warden.people.models import FeedSource, MisFeed, MisSource, PersonType

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


class FeedForm(forms.Form):
    """Where a school's MIS exports are pulled from, and how they are imported."""

    source_kind = forms.ChoiceField(
        label="Where the exports are", choices=FeedSource.choices, widget=forms.RadioSelect
    )
    folder = forms.CharField(
        label="Folder on this server",
        required=False,
        help_text="The full path, e.g. /srv/mis-exports/oakfield. Warden's user must be able "
        "to read it.",
    )
    sftp_host = forms.CharField(label="SFTP server", required=False)
    sftp_port = forms.IntegerField(
        label="SFTP port", required=False, initial=22, min_value=1, max_value=65535
    )
    sftp_user = forms.CharField(label="SFTP user name", required=False)
    sftp_host_key = forms.CharField(
        label="SFTP server's host key",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="As “ssh-keyscan -t ed25519 HOST” prints it on a trusted network. Warden "
        "refuses a server offering any other key, before sending it a password or key.",
    )
    sftp_key_file = forms.CharField(
        label="Private key file",
        required=False,
        help_text="A file readable by Warden's user only, e.g. /etc/warden/mis-feed.key. "
        "The key is never stored in Warden.",
    )
    sftp_password_env = forms.CharField(
        label="Password: environment variable",
        required=False,
        help_text="The variable holding the password (or the key's passphrase).",
    )
    sftp_password_file = forms.CharField(
        label="Password: file", required=False, help_text="Or a file holding it."
    )
    sftp_path = forms.CharField(
        label="Folder on the SFTP server", required=False, help_text="e.g. /exports"
    )
    pattern = forms.CharField(
        label="File names",
        initial="*.csv",
        help_text="Which files are exports, e.g. StudentList*.csv. The newest one is pulled.",
    )
    source = forms.ChoiceField(
        label="Exported from",
        required=False,
        choices=[("", "Recognise it from the columns"), *MisSource.choices],
        help_text="Each preset reads the headings of that MIS's standard report.",
    )
    default_type = forms.ChoiceField(
        label="The files hold", required=False, choices=TYPE_CHOICES, initial=PersonType.PUPIL
    )
    apply_automatically = forms.BooleanField(
        label="Import without review",
        required=False,
        help_text="Otherwise each new file waits here until someone checks its preview and "
        "imports it. A file with any error is never imported without review.",
    )
    is_active = forms.BooleanField(
        label="Pull every hour", required=False, initial=True, help_text="Or only with “Pull now”."
    )

    @staticmethod
    def initial_for(feed: MisFeed | None) -> dict[str, Any]:
        if feed is None:
            return {}
        return {name: getattr(feed, name) for name in FEED_FIELDS}

    def values(self) -> dict[str, Any]:
        values = dict(self.cleaned_data)
        if values.get("sftp_port") is None:
            values["sftp_port"] = 22
        return values
