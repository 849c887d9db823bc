"""Pages of the monitoring half: violations, the keyword library, exclusions, IP leases."""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.models import School
from warden.core.reuse import reused
from warden.core.roles import Perm
from warden.core.uploads import apply_upload_refusals
from warden.monitoring.access.monitoring import (
    exclusion_for_user,
    keyword_for_user,
    lease_for_user,
    violation_for_user,
)
from warden.monitoring.forms.monitoring import (
    ExclusionForm,
    KeywordFilterForm,
    KeywordForm,
    KeywordImportForm,
    LeaseImportForm,
    ViolationFilterForm,
    installed_phraselists,
)
from warden.monitoring.selectors import monitoring as selectors
from warden.monitoring.services import monitoring as services
from warden.monitoring.violation_context import MINUTES as context_minutes
from warden.monitoring.violation_context import violation_context as violation_context_of

PAGE_SIZE = 50
T = "monitoring/monitoring/"


def _template(request: HttpRequest, name: str) -> str:
    return f"{T}{name}#results" if getattr(request, "htmx", False) else f"{T}{name}"


# -- violations --------------------------------------------------------------------------


@login_required
@require_GET
def violation_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.VIOLATIONS_VIEW, school)
    form, filters = violation_filters(request, school)
    rows = selectors.violations_list(school, filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        _template(request, "violation_list.html"),
        {"form": form, "page": page, "school": school},
    )


def violation_filters(
    request: HttpRequest, school: School
) -> tuple[ViolationFilterForm, selectors.ViolationFilter]:
    """The violations list's filters from the query string (its export reads them too)."""
    form = ViolationFilterForm(
        request.GET or None,
        # Every category met at the school: a scan of all its violations, asked again only
        # once something may have changed.
        categories=reused(
            request,
            f"violation-categories:{school.pk}",
            partial(selectors.violation_categories, school),
        ),
        school=school,
        user=request.user,
    )
    filters = selectors.ViolationFilter()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.ViolationFilter(
            min_severity=data["min_severity"],
            category=data["category"] or "",
            person=data["person"].pk if data.get("person") else None,
            date_from=data["date_from"],
            date_to=data["date_to"],
            q=data["q"] or "",
            sort=data["sort"] or "-ts",
        )
    return form, filters


@login_required
@require_GET
def violation_detail(request: HttpRequest, violation_pk: int) -> HttpResponse:
    violation = violation_for_user(request.user, violation_pk)
    # Reading a safeguarding record about a child is itself recorded.
    services.violation_viewed(actor=request_user(request), violation=violation)
    others = []
    if violation.person_id is not None and violation.person is not None:
        others = [
            v for v in selectors.violations_for_person(violation.person) if v.pk != violation.pk
        ]
    return render(
        request,
        f"{T}violation_detail.html",
        {
            "violation": violation,
            "others": others,
            "can_see_person": has_perm(request.user, Perm.PEOPLE_VIEW, violation.school),
            "context_minutes": context_minutes,
        },
    )


@login_required
@require_GET
def violation_context(request: HttpRequest, violation_pk: int) -> HttpResponse:
    """What else the device did in the minutes around a violation: for those who may see
    the violation; a member of staff's only for the investigator of an authorisation in
    force (the page says why otherwise)."""
    violation = violation_for_user(request.user, violation_pk)
    context = violation_context_of(actor=request_user(request), violation=violation)
    return render(
        request,
        f"{T}violation_context.html",
        {"violation": violation, "context": context, "minutes": context_minutes},
        status=403 if context.refusal else 200,
    )


# -- keyword library ---------------------------------------------------------------------


@login_required
@require_GET
def keyword_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.KEYWORDS_MANAGE, school)
    form = KeywordFilterForm(request.GET or None, categories=selectors.keyword_categories(school))
    filters = selectors.KeywordFilter()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.KeywordFilter(
            q=data["q"] or "",
            category=data["category"] or "",
            severity=data["severity"],
            source=data["source"] or "",
            active=data["active"],
        )
    page = Paginator(selectors.keyword_list(school, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        _template(request, "keyword_list.html"),
        {"form": form, "page": page, "school": school, "add_form": KeywordForm()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def keyword_create(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.KEYWORDS_MANAGE, school)
    form = KeywordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            keyword = services.keyword_create(
                actor=request_user(request), school=school, **form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"“{keyword.text}” added to the library.")
            return redirect("monitoring:keyword_list")
    return render(request, f"{T}keyword_form.html", {"form": form, "school": school})


@login_required
@require_POST
def keyword_toggle(request: HttpRequest, keyword_pk: int) -> HttpResponse:
    keyword = keyword_for_user(request.user, keyword_pk)
    keyword = services.keyword_update(
        actor=request_user(request), keyword=keyword, active=not keyword.active
    )
    if getattr(request, "htmx", False):
        return render(request, f"{T}keyword_list.html#keyword_row", {"k": keyword})
    state = "on" if keyword.active else "off"
    messages.success(request, f"“{keyword.text}” is now switched {state}.")
    return redirect("monitoring:keyword_list")


@login_required
@require_POST
def keyword_starter(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.KEYWORDS_MANAGE, school)
    added = services.keywords_load_starter(actor=request_user(request), school=school)
    messages.success(
        request,
        f"Starter library: {added['keywords']} phrases and {added['keyword exclusions']} "
        "exclusions added (phrases already here were left as they are).",
    )
    return redirect("monitoring:keyword_list")


def _save_upload(upload: UploadedFile, folder: str) -> Path:
    # The original name matters: an LDNOOBW file's name is its language.
    name = Path(upload.name or "upload").name or "upload"
    path = Path(folder) / name
    with open(path, "wb") as handle:
        for piece in upload.chunks():
            handle.write(piece)
    return path


@login_required
@require_http_methods(["GET", "POST"])
def keyword_import(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.KEYWORDS_MANAGE, school)
    form = KeywordImportForm(request.POST or None, request.FILES or None)
    apply_upload_refusals(request, form)
    report = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        options = {
            "actor": request_user(request),
            "school": school,
            "fmt": data["fmt"],
            "category": data["category"] or None,
            "severity": data["severity"],
            "language": data["language"] or None,
            "skip_bad_lines": data["skip_bad_lines"],
        }
        try:
            if data["upload"]:
                with tempfile.TemporaryDirectory() as folder:
                    path = _save_upload(data["upload"], folder)
                    report = services.keywords_import(
                        path=path, allow_includes=False, label=path.name, **options
                    )
            else:
                installed = Path(data["installed"])
                if installed not in installed_phraselists():
                    raise PermissionDenied("Choose one of the installed lists.")
                report = services.keywords_import(path=installed, **options)
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"{report.source}: {report.added} phrases added, {report.already} already "
                "in the library.",
            )
    return render(
        request, f"{T}keyword_import.html", {"form": form, "school": school, "report": report}
    )


# -- exclusions --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def exclusion_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.KEYWORDS_MANAGE, school)
    form = ExclusionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exclusion = services.exclusion_create(
                actor=request_user(request),
                school=school,
                text=data["text"],
                reason=data["reason"],
                categories=[c for c in data["categories"].split(",") if c.strip()],
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"“{exclusion.text}” will no longer raise alerts.")
            return redirect("monitoring:exclusion_list")
    page = Paginator(selectors.exclusion_list(school), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, f"{T}exclusion_list.html", {"form": form, "page": page, "school": school}
    )


@login_required
@require_POST
def exclusion_remove(request: HttpRequest, exclusion_pk: int) -> HttpResponse:
    exclusion = exclusion_for_user(request.user, exclusion_pk)
    services.exclusion_remove(actor=request_user(request), exclusion=exclusion)
    messages.success(request, f"“{exclusion.text}” can raise alerts again.")
    return redirect("monitoring:exclusion_list")


# -- IP leases and log sources -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lease_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.LOGS_INGEST, school)
    form = LeaseImportForm(request.POST or None, request.FILES or None)
    apply_upload_refusals(request, form)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["upload"]
        try:
            report = services.leases_import(
                actor=request_user(request),
                school=school,
                data=upload.read(),
                filename=Path(upload.name or "leases.csv").name,
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"{report.filename}: {report.created} new leases, {report.updated} changed, "
                f"{report.unchanged} unchanged.",
            )
            return redirect("monitoring:lease_list")
    q = request.GET.get("q", "").strip()
    page = Paginator(selectors.lease_list(school, q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        _template(request, "lease_list.html"),
        {
            "form": form,
            "page": page,
            "q": q,
            "school": school,
            "sources": selectors.ingest_sources(school)[:20],
            "streamed": selectors.streamed_sources(school)[:20],
        },
    )


@login_required
@require_POST
def lease_remove(request: HttpRequest, lease_pk: int) -> HttpResponse:
    lease = lease_for_user(request.user, lease_pk)
    services.lease_remove(actor=request_user(request), lease=lease)
    messages.success(
        request, f"The lease of {lease.ip} from {lease.start:%d/%m/%Y %H:%M} is removed."
    )
    return redirect("monitoring:lease_list")
