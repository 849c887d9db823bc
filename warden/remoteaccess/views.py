"""The remote-access pages: figures, burst alerts with acknowledgement, and the events."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.remoteaccess import access, selectors, services
from warden.remoteaccess.forms import AcknowledgeForm, EventFilterForm, SettingsForm
from warden.remoteaccess.models import AlertState

PAGE_SIZE = 50
ALERTS_PAGE_SIZE = 20


def _overview(
    request: HttpRequest,
    *,
    status: int = 200,
    failed_form: tuple[int, AcknowledgeForm] | None = None,
    settings_form: SettingsForm | None = None,
) -> HttpResponse:
    school = request_school(request)
    rule = selectors.settings_for(school)
    may_configure = has_perm(request.user, access.CONFIGURE, school)
    number = request.GET.get("page")
    if failed_form is not None:
        # The page that lists the alert whose acknowledgement failed, so its error shows.
        number = str(selectors.alert_page_number(school, failed_form[0], ALERTS_PAGE_SIZE))
    page = Paginator(selectors.alerts(school), ALERTS_PAGE_SIZE).get_page(number)
    alerts = list(page)
    forms = {a.pk: AcknowledgeForm(prefix=f"alert{a.pk}") for a in alerts}
    if failed_form is not None:
        forms[failed_form[0]] = failed_form[1]
    return render(
        request,
        "remoteaccess/overview.html",
        {
            "figures": selectors.figures(school),
            "alerts": [(a, forms[a.pk]) for a in alerts],
            "page": page,
            "open_state": AlertState.OPEN,
            "rule": rule,
            "may_configure": may_configure,
            "settings_form": settings_form
            or SettingsForm(
                initial={"burst_failures": rule.burst_failures, "burst_minutes": rule.burst_minutes}
            ),
        },
        status=status,
    )


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, access.VIEW, request_school(request))
    return _overview(request)


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, remote_alert_pk: int) -> HttpResponse:
    alert = access.alert_for_user(request.user, remote_alert_pk)
    form = AcknowledgeForm(request.POST, prefix=f"alert{alert.pk}")
    if form.is_valid():
        try:
            services.alert_acknowledge(
                actor=request_user(request), alert=alert, note=form.cleaned_data["note"]
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Alert for {alert.subject} acknowledged.")
            return redirect("remoteaccess:overview")
    return _overview(request, status=400, failed_form=(alert.pk, form))


@login_required
@require_POST
def settings_update(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, access.CONFIGURE, school)
    require_perm(request.user, access.VIEW, school)
    form = SettingsForm(request.POST)
    if form.is_valid():
        try:
            services.remote_access_settings_update(
                actor=request_user(request), school=school, **form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "The alert rule is saved.")
            return redirect("remoteaccess:overview")
    return _overview(request, status=400, settings_form=form)


@login_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, access.VIEW, school)
    form = EventFilterForm(request.GET or None)
    wanted = selectors.EventFilter()
    if form.is_valid():
        data = form.cleaned_data
        wanted = selectors.EventFilter(
            who=" ".join(data["who"].split()),
            kind=data["kind"],
            address=data["address"].strip(),
            since=data["since"],
            until=data["until"],
        )
    page = Paginator(selectors.events(school, wanted), PAGE_SIZE).get_page(request.GET.get("page"))
    template = (
        "remoteaccess/_event_table.html"
        if request.headers.get("HX-Request")
        else "remoteaccess/event_list.html"
    )
    return render(request, template, {"form": form, "page": page})
