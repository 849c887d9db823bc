"""The size limit on every uploaded file (``WARDEN_UPLOAD_MAX_MB``).

Django streams an upload larger than a few megabytes to a temporary file, but keeps
whatever arrives. :class:`LimitedUploadHandler` runs first for every upload: once a file
passes the limit it is skipped, so Django deletes what it had written and reads the rest of
that file without keeping it. Nothing of it is stored. The handler notes the refusal on the
request, and :func:`apply_upload_refusals` puts it on the form beside the file field, in
words that say what to do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.utils.text import get_valid_filename

from warden.core.errors import ServiceError

REFUSALS_ATTRIBUTE = "warden_upload_refusals"

# A scan of a paper form or certificate: the types a phone or scanner makes, and a size that
# a readable scan stays under.
SCAN_TYPES = {".pdf", ".png", ".jpg", ".jpeg"}
SCAN_MAX_BYTES = 10 * 1024 * 1024


def upload_limit() -> int:
    """The largest file, in bytes, any page accepts."""
    return int(settings.WARDEN_UPLOAD_MAX_BYTES)


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f} MB" if value >= 1 else f"{max(size // 1024, 1)} KB"


def refusal_message(filename: str) -> str:
    return (
        f"{filename or 'The file'} is larger than the {_megabytes(upload_limit())} this "
        "server accepts, so it was not uploaded. Split it into smaller files, or ask whoever "
        "runs the server to import it from the command line or to raise the limit."
    )


class LimitedUploadHandler(FileUploadHandler):
    """Refuses (skips) any uploaded file larger than :func:`upload_limit`."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = upload_limit()
        self.received = 0

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            if self.request is not None:
                refusals = getattr(self.request, REFUSALS_ATTRIBUTE, None)
                if refusals is None:
                    refusals = {}
                    setattr(self.request, REFUSALS_ATTRIBUTE, refusals)
                refusals[self.field_name] = refusal_message(self.file_name or "")
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        # The next handlers (memory or temporary file) build the uploaded file.
        return None


def upload_refusals(request: HttpRequest) -> dict[str, str]:
    """``{field name: message}`` for the files of this request refused for their size."""
    return dict(getattr(request, REFUSALS_ATTRIBUTE, None) or {})


def apply_upload_refusals(request: HttpRequest, form: forms.Form) -> bool:
    """Put each size refusal on ``form``; True when there was one (the form is then
    invalid), in place of any other error of that field."""
    refusals = upload_refusals(request)
    for name, message in refusals.items():
        if name in form.fields:
            # The refusal replaces "This field is required": the file did arrive, too large.
            form.errors[name] = form.error_class([message])
            getattr(form, "cleaned_data", {}).pop(name, None)
        else:
            form.add_error(None, message)
    return bool(refusals)


@dataclass(frozen=True)
class Scan:
    name: str
    content: bytes


def read_scan(upload: UploadedFile, *, field: str, what: str) -> Scan:
    """An uploaded scan, checked for type and size; refusals name ``what`` was scanned (e.g.
    "the certificate") and sit on the form's ``field``."""
    name = get_valid_filename(os.path.basename(upload.name or "scan"))
    if os.path.splitext(name)[1].lower() not in SCAN_TYPES:
        raise ServiceError(
            f"Upload {what} as a PDF, PNG or JPEG file.",
            field_errors={field: ["Upload a PDF, PNG or JPEG file."]},
        )
    if (upload.size or 0) > SCAN_MAX_BYTES:
        raise ServiceError(
            "The scan is larger than 10 MB; scan at a lower resolution.",
            field_errors={field: ["Keep the file under 10 MB."]},
        )
    return Scan(name=name, content=b"".join(upload.chunks()))
