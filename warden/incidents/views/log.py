"""The log: the incident list, the anti-bullying log, reporting an incident and a
reporter's own reports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.audit import audit_log
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.roles import Perm
from warden.incidents import rules, selectors
from warden.incidents.access import (
    incidents_for_user,
    reported_incident_for_user,
)
from warden.incidents.forms.incidents import IncidentFilterForm, ReportForm
from warden.incidents.models import (
    Incident,
    Part,
)
from warden.incidents.services import incidents as incident_services
from warden.incidents.views.helpers import PAGE_SIZE


@login_required
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    incidents = incidents_for_user(request.user, school)
    form, filters = incident_filters(request)
    page = Paginator(selectors.incident_list(incidents, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    audit_log(
        actor=request_user(request),
        action="incident_log.viewed",
        school=school,
        changes={"filters": [None, {k: v for k, v in request.GET.items() if v}]},
    )
    context = {
        "form": form,
        "page": page,
        "school": school,
        "can_report": has_perm(request.user, Perm.INCIDENTS_REPORT, school),
    }
    htmx = getattr(request, "htmx", False)
    template = "incidents/incident_list.html#results" if htmx else "incidents/incident_list.html"
    return render(request, template, context)


def incident_filters(request: HttpRequest) -> tuple[IncidentFilterForm, selectors.IncidentFilter]:
    """The incident log's filters from the query string (its export reads them too)."""
    params = request.GET.copy()
    # Open work first: closed incidents show when someone asks for them.
    params.setdefault("status", "not_closed")
    form = IncidentFilterForm(params)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.IncidentFilter(
        kind=data.get("kind") or "",
        status=data.get("status") or "",
        severity=data.get("severity") or "",
        person=data.get("person") or "",
        q=data.get("q") or "",
        sort=request.GET.get("sort", "reported"),
    )
    return form, filters


@login_required
@require_GET
def bullying_log(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.INCIDENTS_VIEW, school)
    page = Paginator(selectors.bullying_log(school), PAGE_SIZE).get_page(request.GET.get("page"))
    audit_log(actor=request_user(request), action="anti_bullying_log.viewed", school=school)
    return render(request, "incidents/bullying_log.html", {"page": page, "school": school})


@login_required
@require_http_methods(["GET", "POST"])
def incident_report(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.INCIDENTS_REPORT, school)
    form = ReportForm(
        request.POST or None,
        school=school,
        user=request.user,
        initial={"occurred_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        people = [(data[p], p) for p in ("subject", "victim") if data.get(p)]
        try:
            incident = incident_services.incident_report(
                actor=request_user(request),
                school=school,
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                occurred_at=data["occurred_at"],
                people=[(person, Part(part)) for person, part in people],
                asset_tag=data["asset_tag"],
                loss_kind=data["loss_kind"],
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Thank you. {incident.reference} is recorded and the safeguarding team has "
                "been told.",
            )
            loss = incident_services.loss_of(incident)
            if loss is not None:
                messages.info(
                    request,
                    f"The loss of {loss.asset.asset_tag} is recorded"
                    + (
                        " as a possible personal data breach; the SIRO has been told."
                        if hasattr(loss, "possible_breach")
                        else "."
                    ),
                )
            if has_perm(request.user, Perm.INCIDENTS_VIEW, school):
                return redirect("incidents:detail", incident_pk=incident.pk)
            return redirect("incidents:my_reports")
    return render(
        request,
        "incidents/incident_report.html",
        {"form": form, "school": school, "report_words": rules.REPORT_WORDS},
    )


@login_required
@require_GET
def my_reports(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.INCIDENTS_REPORT, school)
    reports = Incident.objects.filter(school=school, reported_by=request_user(request)).order_by(
        "-reported_at", "-pk"
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "incidents/my_reports.html", {"page": page, "school": school})


@login_required
@require_GET
def my_report_detail(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = reported_incident_for_user(request.user, incident_pk)
    incident_services.incident_read(
        actor=request_user(request), incident=incident, what="incident.report_viewed"
    )
    return render(request, "incidents/my_report_detail.html", {"incident": incident})
