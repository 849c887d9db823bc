"""Evidence: files stored outside the web root, opened only through an audited read."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction

from warden.core.audit import audit_log, diff, snapshot
from warden.core.confidential.services import (
    chronology_add,
)
from warden.core.errors import ServiceError
from warden.core.models import User
from warden.incidents.models import (
    Evidence,
    Incident,
)
from warden.incidents.services._shared import (
    EVIDENCE_DIR,
    MAX_EVIDENCE_BYTES,
    _expect_open,
    _locked,
    _now,
)


def evidence_root() -> Path:
    return Path(settings.VAR_DIR) / EVIDENCE_DIR


def _store(chunks: Iterable[bytes], relative: str) -> tuple[int, str]:
    target = evidence_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    # "x": never overwrite; a stored file is written once.
    with open(target, "xb") as out:
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_EVIDENCE_BYTES:
                out.close()
                target.unlink()
                raise ServiceError(
                    f"The file is larger than {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB; "
                    "keep it on the secured device and describe where it is instead."
                )
            digest.update(chunk)
            out.write(chunk)
    os.chmod(target, 0o440)
    return size, digest.hexdigest()


@transaction.atomic
def evidence_add(
    *,
    actor: User,
    incident: Incident,
    title: str,
    filename: str,
    chunks: Iterable[bytes],
    content_type: str = "",
    note: str = "",
    supersedes: Evidence | None = None,
) -> Evidence:
    """Keep a file for an incident with its SHA-256, or a new version of one already kept.

    The stored file is never changed or removed; a new version points at the one it
    replaces, and both stay.
    """
    if not title.strip():
        raise ServiceError("Give the evidence a title.", field_errors={"title": ["Required."]})
    incident = _locked(incident)
    _expect_open(incident, "add evidence")
    if supersedes is not None:
        if supersedes.incident_id != incident.pk:
            raise ServiceError("A new version must replace evidence of the same incident.")
        if Evidence.objects.filter(supersedes=supersedes).exists():
            raise ServiceError(
                f"“{supersedes.title}” already has a newer version; replace that one instead."
            )
        if not note.strip():
            raise ServiceError(
                "Say why this version replaces the earlier one.",
                field_errors={"note": ["Required for a new version."]},
            )
    safe_name = Path(filename or "file").name[:200] or "file"
    relative = f"{incident.school_id}/{incident.pk}/{uuid.uuid4().hex}"
    size, sha256 = _store(chunks, relative)
    if size == 0:
        (evidence_root() / relative).unlink()
        raise ServiceError("The file is empty.", field_errors={"file": ["Choose a file."]})
    evidence = Evidence.objects.create(
        school_id=incident.school_id,
        incident=incident,
        title=title.strip()[:200],
        filename=safe_name,
        content_type=content_type[:100],
        size=size,
        sha256=sha256,
        path=relative,
        uploaded_at=_now(),
        uploaded_by=actor,
        note=note.strip()[:300],
        supersedes=supersedes,
    )
    what = f"new version of “{supersedes.title}”" if supersedes else "evidence"
    chronology_add(incident, actor, f"Added {what}: {evidence.title} (SHA-256 {sha256[:12]}…).")
    audit_log(
        actor=actor,
        action="evidence.superseded" if supersedes else "evidence.added",
        obj=evidence,
        school=incident.school,
        changes=diff(
            {},
            snapshot(evidence, ["incident", "title", "filename", "size", "sha256", "supersedes"]),
        ),
    )
    return evidence


def evidence_open(*, actor: User, evidence: Evidence) -> IO[bytes]:
    """Open a stored file for download after checking it still matches its SHA-256."""
    path = evidence_root() / evidence.path
    if not path.exists():
        raise ServiceError(f"The file of “{evidence.title}” is missing from the evidence store.")
    digest = hashlib.sha256()
    with open(path, "rb") as stored:
        for chunk in iter(lambda: stored.read(1024 * 1024), b""):
            digest.update(chunk)
    if digest.hexdigest() != evidence.sha256:
        audit_log(
            actor=actor, action="evidence.mismatch", obj=evidence, school=evidence.incident.school
        )
        raise ServiceError(
            f"The stored file of “{evidence.title}” no longer matches the SHA-256 recorded when "
            "it was uploaded; tell the SIRO. It has not been sent."
        )
    audit_log(
        actor=actor, action="evidence.downloaded", obj=evidence, school=evidence.incident.school
    )
    return open(path, "rb")
