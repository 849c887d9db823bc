"""The import pages: upload a CSV, see the dry run with errors by line, then import it.

Between the dry run and the import the file is kept under
``MEDIA_ROOT/equipment-imports/<school id>/<random token>.csv``; the token is known only to
the uploader's session, and the file must still match the SHA-256 the dry run recorded.
Files are removed once imported and swept away after two hours otherwise.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.models import School
from warden.core.roles import Perm
from warden.core.uploads import apply_upload_refusals
from warden.equipment.access import import_run_for_user
from warden.equipment.forms import ImportForm
from warden.equipment.importing import IMPORTERS
from warden.equipment.models import EquipmentImportRun, ImportKind

SESSION_KEY = "equipment_import_uploads"
KEEP_SECONDS = 2 * 60 * 60
_TOKEN = re.compile(r"[0-9a-f]{32}")

PERM_FOR: dict[str, str] = {
    ImportKind.ASSETS: Perm.EQUIPMENT_MANAGE,
    ImportKind.INSTALLATIONS: Perm.SOFTWARE_MANAGE,
}


def _dir(school_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "equipment-imports" / str(school_id)


def _keep(request: HttpRequest, run: EquipmentImportRun, data: bytes, full: bool) -> None:
    directory = _dir(run.school_id)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    cutoff = time.time() - KEEP_SECONDS
    for old in directory.glob("*.csv"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    (directory / f"{token}.csv").write_bytes(data)
    uploads = dict(request.session.get(SESSION_KEY, {}))
    uploads[str(run.pk)] = {"token": token, "school": run.school_id, "full": full}
    request.session[SESSION_KEY] = uploads


def _stored(request: HttpRequest, run: EquipmentImportRun) -> tuple[bytes, bool] | None:
    entry = request.session.get(SESSION_KEY, {}).get(str(run.pk))
    if not entry or entry.get("school") != run.school_id:
        return None
    token = str(entry.get("token", ""))
    if not _TOKEN.fullmatch(token):
        return None
    try:
        data = (_dir(run.school_id) / f"{token}.csv").read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != run.sha256:
        return None
    return data, bool(entry.get("full"))


def _forget(request: HttpRequest, run: EquipmentImportRun) -> None:
    uploads = dict(request.session.get(SESSION_KEY, {}))
    entry = uploads.pop(str(run.pk), None)
    request.session[SESSION_KEY] = uploads
    if entry and _TOKEN.fullmatch(str(entry.get("token", ""))):
        (_dir(run.school_id) / f"{entry['token']}.csv").unlink(missing_ok=True)


def _require_kind(request: HttpRequest, kind: str, school: School) -> None:
    require_perm(request.user, PERM_FOR.get(kind, Perm.EQUIPMENT_MANAGE), school)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.EQUIPMENT_VIEW, school)
    form = ImportForm(request.POST or None, request.FILES or None)
    apply_upload_refusals(request, form)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        _require_kind(request, kind, school)
        upload = form.cleaned_data["file"]
        data = upload.read()
        options = (
            {"full_inventory": form.cleaned_data["full_inventory"]}
            if kind == "installations"
            else {}
        )
        try:
            report = IMPORTERS[kind](
                actor=request_user(request),
                school=school,
                data=data,
                filename=upload.name or "upload.csv",
                dry_run=True,
                **options,
            )
        except ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            assert report.run is not None
            _keep(request, report.run, data, bool(options.get("full_inventory")))
            request.session[f"equipment_import_report_{report.run.pk}"] = {
                "preview": report.preview,
                "untracked": report.untracked,
            }
            return redirect("equipment:import_detail", import_pk=report.run.pk)
    runs = EquipmentImportRun.objects.filter(school=school).select_related("started_by")[:10]
    return render(
        request, "equipment/import_upload.html", {"form": form, "school": school, "runs": runs}
    )


@login_required
@require_GET
def import_detail(request: HttpRequest, import_pk: int) -> HttpResponse:
    run = import_run_for_user(request.user, import_pk)
    extra = request.session.get(f"equipment_import_report_{run.pk}", {})
    can_apply = (
        run.outcome == EquipmentImportRun.Outcome.DRY_RUN
        and not run.errors
        and _stored(request, run) is not None
    )
    return render(
        request,
        "equipment/import_detail.html",
        {"run": run, "preview": extra.get("preview", []), "can_apply": can_apply},
    )


@login_required
@require_POST
def import_apply(request: HttpRequest, import_pk: int) -> HttpResponse:
    run = import_run_for_user(request.user, import_pk)
    _require_kind(request, run.kind, run.school)
    stored = _stored(request, run)
    if stored is None or run.outcome != EquipmentImportRun.Outcome.DRY_RUN:
        messages.error(
            request,
            "That upload is no longer available: files are kept for two hours, for the person "
            "who uploaded them. Upload the file again.",
        )
        return redirect("equipment:import_upload")
    data, full = stored
    options = {"full_inventory": full} if run.kind == ImportKind.INSTALLATIONS else {}
    try:
        report = IMPORTERS[run.kind](
            actor=request_user(request),
            school=run.school,
            data=data,
            filename=run.filename,
            dry_run=False,
            **options,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("equipment:import_detail", import_pk=run.pk)
    _forget(request, run)
    assert report.run is not None
    if report.blocked:
        messages.error(request, "The file was rejected: the register changed since the check.")
    else:
        messages.success(request, f"Imported: {report.changes} change(s) saved.")
    return redirect("equipment:import_detail", import_pk=report.run.pk)
