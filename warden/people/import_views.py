"""The MIS import pages: upload a CSV, check the preview and mapping, import, see history.

Between the upload and the import the file is kept under
``MEDIA_ROOT/imports/<school id>/<random token>.csv``. The token is known only to the
uploader's session, next to the school and the dry-run record it belongs to, so nobody else
(not even a colleague at the same school who opens the same preview address) can use the
file, and it must still match the SHA-256 the dry run recorded. Files are removed once
imported and swept away after two hours otherwise: they hold personal data.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.roles import Perm
from warden.core.uploads import apply_upload_refusals
from warden.people.access import import_run_for_user
from warden.people.feeds import (
    feed_for_school,
    feed_pull,
    feed_review_done,
    feed_save,
    review_data,
)
from warden.people.import_forms import FeedForm, MappingForm, UploadForm
from warden.people.importing import (
    ImportReport,
    people_import,
    people_import_preview,
    read_table,
)
from warden.people.models import FeedFile, ImportRun

SESSION_KEY = "people_import_uploads"
KEEP_SECONDS = 2 * 60 * 60
_TOKEN = re.compile(r"[0-9a-f]{32}")
HISTORY_PAGE_SIZE = 25


# --- the uploaded file between steps ---------------------------------------------------------


def _upload_dir(school_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / str(school_id)


def _keep_upload(request: HttpRequest, run: ImportRun, data: bytes, **options: Any) -> None:
    directory = _upload_dir(run.school_id)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    _sweep(directory)
    token = secrets.token_hex(16)
    path = directory / f"{token}.csv"
    path.write_bytes(data)
    path.chmod(0o600)
    uploads = dict(request.session.get(SESSION_KEY, {}))
    uploads[str(run.pk)] = {"token": token, "school": run.school_id, **options}
    request.session[SESSION_KEY] = uploads


def _sweep(directory: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for old in directory.glob("*.csv"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def _stored_upload(request: HttpRequest, run: ImportRun) -> tuple[bytes, dict[str, Any]] | None:
    entry = request.session.get(SESSION_KEY, {}).get(str(run.pk))
    if not entry or entry.get("school") != run.school_id:
        return None
    token = str(entry.get("token", ""))
    if not _TOKEN.fullmatch(token):
        return None
    path = _upload_dir(run.school_id) / f"{token}.csv"
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != run.sha256:
        return None
    return data, dict(entry)


def _forget_upload(request: HttpRequest, run: ImportRun) -> None:
    uploads = dict(request.session.get(SESSION_KEY, {}))
    entry = uploads.pop(str(run.pk), None)
    request.session[SESSION_KEY] = uploads
    if entry and _TOKEN.fullmatch(str(entry.get("token", ""))):
        (_upload_dir(run.school_id) / f"{entry['token']}.csv").unlink(missing_ok=True)


def _upload_gone(request: HttpRequest) -> HttpResponse:
    messages.error(
        request,
        "That upload is no longer available: files are kept for two hours, for the person "
        "who uploaded them. Upload the file again.",
    )
    return redirect("people_import:upload")


# --- pages -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.PEOPLE_IMPORT, school)
    form = UploadForm(request.POST or None, request.FILES or None)
    apply_upload_refusals(request, form)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        data = upload_file.read()
        default_type = form.cleaned_data["default_type"] or None
        try:
            # A dry run records who uploaded which file (by its hash) before anything else.
            report = people_import(
                actor=request_user(request),
                school=school,
                data=data,
                filename=upload_file.name or "upload.csv",
                source=form.cleaned_data["source"],
                mapping=None,
                default_type=default_type,
                dry_run=True,
                skip_bad_rows=False,
                mark_missing_as_leaving=False,
            )
        except ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            assert report.run is not None
            _keep_upload(request, report.run, data, source=report.source, default_type=default_type)
            return redirect("people_import:preview", run_pk=report.run.pk)
    recent = ImportRun.objects.filter(school=school).select_related("started_by")[:5]
    return render(
        request, "people/import/upload.html", {"form": form, "school": school, "recent": recent}
    )


@login_required
@require_GET
def preview(request: HttpRequest, run_pk: int) -> HttpResponse:
    run = import_run_for_user(request.user, run_pk)
    stored = _stored_upload(request, run)
    if stored is None:
        return _upload_gone(request)
    data, entry = stored
    header = read_table(data).header
    form = MappingForm(request.GET if "source" in request.GET else None, header=header)
    if form.is_bound and form.is_valid():
        options = form.options()
        if form.source_changed():
            # A different MIS chosen: start again from that system's (or the remembered)
            # mapping rather than keep columns picked for the other one.
            options["mapping"] = None
        report = people_import_preview(school=run.school, data=data, **options)
        if options["mapping"] is None:
            form = _form_for(report, header, options)
    else:
        options = {"source": entry["source"], "default_type": entry["default_type"]}
        report = people_import_preview(
            school=run.school,
            data=data,
            source=options["source"],
            default_type=options["default_type"],
        )
        form = _form_for(report, header, options)
    return _render_preview(request, run, form, report)


def _form_for(report: ImportReport, header: list[str], options: dict[str, Any]) -> MappingForm:
    initial = MappingForm.initial_for(
        source=report.source, mapping=report.mapping, default_type=options["default_type"]
    )
    return MappingForm(header=header, initial=initial)


def _render_preview(
    request: HttpRequest,
    run: ImportRun,
    form: MappingForm,
    report: ImportReport | None,
    status: int = 200,
) -> HttpResponse:
    htmx = getattr(request, "htmx", False)
    template = "people/import/preview.html#preview" if htmx else "people/import/preview.html"
    return render(request, template, {"run": run, "form": form, "report": report}, status=status)


@login_required
@require_POST
def run_import(request: HttpRequest, run_pk: int) -> HttpResponse:
    run = import_run_for_user(request.user, run_pk)
    stored = _stored_upload(request, run)
    if stored is None:
        return _upload_gone(request)
    data, _ = stored
    form = MappingForm(request.POST, header=read_table(data).header)
    if not form.is_valid():
        return _render_preview(request, run, form, None, status=400)
    try:
        report = people_import(
            actor=request_user(request),
            school=run.school,
            data=data,
            filename=run.filename,
            dry_run=False,
            skip_bad_rows=request.POST.get("skip_bad_rows") == "1",
            **form.options(),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("people_import:preview", run_pk=run.pk)
    assert report.run is not None
    if report.rejected:
        messages.error(
            request,
            f"Nothing was imported: {len(report.errors)} errors. Correct them in the MIS and "
            "upload the file again, change the mapping, or import skipping the bad rows.",
        )
        options = form.options()
        again = people_import_preview(school=run.school, data=data, **options)
        return _render_preview(request, run, form, again, status=422)
    _forget_upload(request, run)
    pulled = FeedFile.objects.filter(run=run).first()
    if pulled is not None:
        feed_review_done(pulled=pulled)
    messages.success(
        request,
        f"Imported {run.filename}: {report.created} new, {report.updated} changed, "
        f"{report.unchanged} unchanged"
        + (f", {report.skipped} rows skipped" if report.skipped else "")
        + (f", {report.marked_leaving} marked as leaving" if report.marked_leaving else "")
        + ".",
    )
    return redirect("people_import:detail", run_pk=report.run.pk)


@login_required
@require_GET
def detail(request: HttpRequest, run_pk: int) -> HttpResponse:
    run = import_run_for_user(request.user, run_pk)
    pending = str(run.pk) in request.session.get(SESSION_KEY, {})
    return render(request, "people/import/detail.html", {"run": run, "pending": pending})


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.PEOPLE_IMPORT, school)
    runs = ImportRun.objects.filter(school=school).select_related("started_by")
    page = Paginator(runs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/import/history.html", {"page": page, "school": school})


# --- the scheduled feed ----------------------------------------------------------------------

FEED_FILES_SHOWN = 10


@login_required
@require_http_methods(["GET", "POST"])
def feed(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.PEOPLE_IMPORT, school)
    current = feed_for_school(school)
    form = FeedForm(request.POST or None, initial=FeedForm.initial_for(current))
    if request.method == "POST" and form.is_valid():
        try:
            feed_save(actor=request_user(request), school=school, values=form.values())
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "The MIS feed is saved.")
            return redirect("people_import:feed")
    files = list(FeedFile.objects.filter(school=school).select_related("run")[:FEED_FILES_SHOWN])
    waiting = next(
        (
            pulled
            for pulled in files
            if pulled.run is not None
            and pulled.run.outcome == ImportRun.Outcome.DRY_RUN
            and review_data(pulled) is not None
        ),
        None,
    )
    return render(
        request,
        "people/import/feed.html",
        {"form": form, "school": school, "feed": current, "files": files, "waiting": waiting},
    )


@login_required
@require_POST
def feed_pull_now(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.PEOPLE_IMPORT, school)
    current = feed_for_school(school)
    if current is None:
        messages.error(request, "Set up the feed first: say where the exports are.")
        return redirect("people_import:feed")
    # Pulled while the page waits: one export of a school is a few hundred kilobytes, and
    # the connection gives up after CONNECT_TIMEOUT rather than hold the page.
    try:
        result = feed_pull(feed=current, actor=request_user(request))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if result.outcome == "rejected":
            messages.error(request, result.message)
        else:
            messages.success(request, result.message)
    return redirect("people_import:feed")


@login_required
@require_POST
def feed_review(request: HttpRequest, run_pk: int) -> HttpResponse:
    """Open a pulled file on the import's preview, as if the reviewer had uploaded it."""
    run = import_run_for_user(request.user, run_pk)
    pulled = FeedFile.objects.filter(run=run).select_related("feed").first()
    data = review_data(pulled) if pulled is not None else None
    if pulled is None or data is None or run.outcome != ImportRun.Outcome.DRY_RUN:
        messages.error(
            request,
            "That file is no longer waiting for review: a newer export replaced it, or it "
            "has been imported. Pull the feed again.",
        )
        return redirect("people_import:feed")
    _keep_upload(
        request, run, data, source=run.source, default_type=pulled.feed.default_type or None
    )
    return redirect("people_import:preview", run_pk=run.pk)
