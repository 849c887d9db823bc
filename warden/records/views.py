"""Pages of the records area: the DPO, subject access requests, the retention schedule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.models import User
from warden.core.roles import RecordsPerm
from warden.records import retention_runs, services
from warden.records.access import run_for_user, sar_for_user
from warden.records.export import bundle_filename
from warden.records.forms import (
    DpoForm,
    ExtendForm,
    IdentityForm,
    ReleaseForm,
    RetentionSettingForm,
    SarFilterForm,
    SarLogForm,
)
from warden.records.models import (
    OPEN_SAR_STATUSES,
    DpoContact,
    RetentionRun,
    RunStatus,
    SarStatus,
    SubjectAccessRequest,
)
from warden.records.retention import record_types
from warden.records.selectors import dpo_for


def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


# --- the DPO -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def dpo(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, RecordsPerm.DPO, school)
    current = dpo_for(school)
    initial: dict[str, Any] = {}
    if current is not None:
        initial = {
            "name": current.name,
            "email": current.email,
            "phone": current.phone,
            "organisation": current.organisation,
            "trust_wide": current.school_id is None,
        }
    form = DpoForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.dpo_set(actor=request_user(request), school=school, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "The data protection officer is saved.")
            return redirect("records:dpo")
    trust_contact = DpoContact.everywhere.filter(trust=school.trust, school=None).first()
    return render(
        request,
        "records/dpo.html",
        {"form": form, "school": school, "current": current, "trust_contact": trust_contact},
    )


# --- subject access requests --------------------------------------------------------------


@login_required
@require_GET
def sar_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, RecordsPerm.SAR, school)
    form = SarFilterForm(request.GET or None)
    sars = SubjectAccessRequest.objects.filter(school=school).select_related("person")
    if form.is_valid():
        words = form.cleaned_data["q"].strip()
        number = words.upper().removeprefix("SAR-")
        if number.isdigit():
            sars = sars.filter(pk=int(number))
        else:
            for word in words.split():
                sars = sars.filter(
                    Q(person__first_name__icontains=word)
                    | Q(person__last_name__icontains=word)
                    | Q(requester__icontains=word)
                )
        status = form.cleaned_data["status"]
        if status == "open":
            sars = sars.filter(status__in=OPEN_SAR_STATUSES)
        elif status:
            sars = sars.filter(status=status)
    page = Paginator(sars.order_by("-received_on", "-pk"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "records/sar_list.html",
        {
            "school": school,
            "form": form,
            "page": page,
            "dpo": dpo_for(school),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sar_new(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, RecordsPerm.SAR, school)
    form = SarLogForm(
        _posted(request),
        school=school,
        user=request.user,
        initial={"received_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            sar = services.sar_log(actor=request_user(request), school=school, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{sar.reference} logged: due on {sar.due_on:%d/%m/%Y}.")
            return redirect("records:sar_detail", sar_pk=sar.pk)
    return render(request, "records/sar_new.html", {"form": form, "school": school})


def _items(sar: SubjectAccessRequest) -> list[dict[str, Any]]:
    """The generated sections with each item's key and whether it is left out."""
    found = []
    for data in sar.sections:
        rows = []
        for index, row in enumerate(data["rows"]):
            key = f"{data['key']}/{index}"
            rows.append({"key": key, "cells": row, "excluded": sar.excluded.get(key)})
        found.append({**data, "items": rows})
    return found


@login_required
@require_GET
def sar_detail(request: HttpRequest, sar_pk: int) -> HttpResponse:
    sar = sar_for_user(request.user, sar_pk)
    return render(
        request,
        "records/sar_detail.html",
        {
            "sar": sar,
            "school": sar.school,
            "dpo": dpo_for(sar.school),
            "sections": _items(sar),
            "today": timezone.localdate(),
            "identity_form": IdentityForm(),
            "extend_form": ExtendForm(),
            "release_form": ReleaseForm(),
            "statuses": SarStatus,
        },
    )


def _attempt(request: HttpRequest, act: Callable[[], object], done: str) -> None:
    """Run one service call and tell the user what happened: ``done``, or its refusal."""
    try:
        act()
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)


def _field(request: HttpRequest, name: str) -> str:
    return str(request.POST.get(name, ""))


Step = Callable[[SubjectAccessRequest, User, HttpRequest], object]

# Each step of a request: the service it calls with what was posted, and what the user is
# told when it is done (a refusal shows the service's own words instead).
STEPS: dict[str, tuple[Step, str]] = {
    "identity": (
        lambda sar, user, request: services.sar_identity_check(
            actor=user, sar=sar, method=_field(request, "method")
        ),
        "Identity check recorded.",
    ),
    "extend": (
        lambda sar, user, request: services.sar_extend(
            actor=user, sar=sar, reason=_field(request, "reason")
        ),
        "Deadline extended by two months. Tell the person asking, and why.",
    ),
    "generate": (
        lambda sar, user, request: services.sar_generate(actor=user, sar=sar),
        "Bundle generated: review every item below.",
    ),
    "exclude": (
        lambda sar, user, request: services.sar_exclude(
            actor=user, sar=sar, item=_field(request, "item"), reason=_field(request, "reason")
        ),
        "Item left out of the release.",
    ),
    "include": (
        lambda sar, user, request: services.sar_include(
            actor=user, sar=sar, item=_field(request, "item")
        ),
        "Item put back into the release.",
    ),
    "review": (
        lambda sar, user, request: services.sar_review(actor=user, sar=sar),
        "Bundle marked reviewed: it can be downloaded and released.",
    ),
    "release": (
        lambda sar, user, request: services.sar_release(
            actor=user, sar=sar, via=_field(request, "via")
        ),
        "Release recorded. The request is answered.",
    ),
}


@login_required
@require_POST
def sar_step(request: HttpRequest, sar_pk: int, step: str) -> HttpResponse:
    """Run one step of a request and come back to its page with what happened."""
    act, done = STEPS[step]
    sar = sar_for_user(request.user, sar_pk)
    _attempt(request, lambda: act(sar, request_user(request), request), done)
    return redirect("records:sar_detail", sar_pk=sar.pk)


@login_required
@require_GET
def sar_download(request: HttpRequest, sar_pk: int) -> HttpResponse:
    sar = sar_for_user(request.user, sar_pk)
    try:
        data = services.sar_bundle(actor=request_user(request), sar=sar)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("records:sar_detail", sar_pk=sar.pk)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="{bundle_filename(sar.reference, sar.person)}"'
    )
    return response


# --- retention ------------------------------------------------------------------------------


@login_required
@require_GET
def retention(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, RecordsPerm.RETENTION, school)
    rules = retention_runs.rules_for(school)
    kinds = [
        {
            "key": key,
            "label": kind.label,
            "rule": rules[key],
            "default": kind.default,
            "form": RetentionSettingForm(
                initial={"record_type": key, "months": rules[key].months},
                prefix=key.replace(".", "-"),
            ),
        }
        for key, kind in record_types().items()
    ]
    runs = RetentionRun.objects.filter(school=school).select_related("found_by", "decided_by")
    page = Paginator(runs.order_by("-found_at", "-pk"), 10).get_page(request.GET.get("page"))
    return render(
        request,
        "records/retention.html",
        {
            "school": school,
            "kinds": kinds,
            "page": page,
            "proposed": runs.filter(status=RunStatus.PROPOSED).first(),
        },
    )


@login_required
@require_POST
def retention_setting(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, RecordsPerm.RETENTION, school)
    key = _field(request, "record_type")
    prefix = key.replace(".", "-")
    form = RetentionSettingForm(request.POST, prefix=prefix)
    if not form.is_valid():
        messages.error(request, "Give the period as a whole number of months, from 1 to 1200.")
        return redirect("records:retention")
    _attempt(
        request,
        lambda: retention_runs.retention_setting_update(
            actor=request_user(request),
            school=school,
            record_type=form.cleaned_data["record_type"],
            months=form.cleaned_data["months"],
        ),
        "Retention period saved.",
    )
    return redirect("records:retention")


@login_required
@require_POST
def retention_find(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, RecordsPerm.RETENTION, school)
    run = retention_runs.retention_find(actor=request_user(request), school=school)
    messages.success(request, "Dry run done: nothing is removed until you approve it.")
    return redirect("records:run_detail", run_pk=run.pk)


@login_required
@require_GET
def run_detail(request: HttpRequest, run_pk: int) -> HttpResponse:
    run = run_for_user(request.user, run_pk)
    removed = [
        (run.found.get(key, {}).get("label", key), count) for key, count in run.removed.items()
    ]
    return render(
        request,
        "records/run_detail.html",
        {"run": run, "school": run.school, "removed": removed},
    )


@login_required
@require_POST
def run_approve(request: HttpRequest, run_pk: int) -> HttpResponse:
    run = run_for_user(request.user, run_pk)
    try:
        run = retention_runs.retention_approve(actor=request_user(request), run=run)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Approved: {run.removed_count} record(s) removed.")
    return redirect("records:run_detail", run_pk=run.pk)


@login_required
@require_POST
def run_cancel(request: HttpRequest, run_pk: int) -> HttpResponse:
    run = run_for_user(request.user, run_pk)
    _attempt(
        request,
        lambda: retention_runs.retention_cancel(actor=request_user(request), run=run),
        "Run cancelled: nothing was removed.",
    )
    return redirect("records:retention")
