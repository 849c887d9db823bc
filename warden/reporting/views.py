"""The governors' report (page and PDF), the trust's report and the term dates page.

The report is figures only (``REPORTS_VIEW``: governors, the headteacher, the DSL and
deputy, the SIRO, the trust administrator); reading it is audited like the termly report.
The trust's report is for a trust-wide administrator: one row per school of their trust.
The term dates are kept by the headteacher and the office (``ReportingPerm.TERMS_MANAGE``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from warden.core.access import request_school, request_user, require_perm
from warden.core.dashboard import trust_schools
from warden.core.errors import ServiceError
from warden.core.models import School
from warden.core.roles import Perm, ReportingPerm
from warden.incidents import reports as incident_reports
from warden.reporting import pdf, report, services
from warden.reporting.forms import TermCalendarForm
from warden.reporting.report import GovernorsReport, TrustReport
from warden.reporting.terms import (
    SchoolCalendar,
    school_year_label,
    school_year_of,
    school_year_terms,
)

RECENT_TERMS = 9
RECENT_YEARS = 3


def _choices(school: School) -> dict[str, Any]:
    """The terms and school years a reader may choose, newest first."""
    today = report.school_today(school, timezone.now())
    calendar = incident_reports.school_calendar(school)
    terms = incident_reports.recent_terms(today, RECENT_TERMS, calendar)
    newest = school_year_of(terms[0].term, terms[0].first.year)
    years = [school_year_label(newest - n) for n in range(RECENT_YEARS)]
    return {"terms": terms, "years": years}


def _period_params(request: HttpRequest) -> tuple[str, str]:
    return request.GET.get("term", "").strip(), request.GET.get("year", "").strip()


def _viewed(request: HttpRequest, action: str, school: School, title: str, kind: str) -> None:
    services.report_viewed(
        actor=request_user(request), action=action, school=school, title=title, kind=kind
    )


def _governors(request: HttpRequest) -> tuple[School, GovernorsReport | None, str]:
    school = request_school(request)
    require_perm(request.user, Perm.REPORTS_VIEW, school)
    term, year = _period_params(request)
    try:
        return school, report.report_for(school, term=term, year=year, now=timezone.now()), ""
    except ServiceError as exc:
        return school, None, exc.message


@login_required
@require_GET
def governors_report(request: HttpRequest) -> HttpResponse:
    school, found, error = _governors(request)
    if found is not None:
        _viewed(request, "reports.governors_viewed", school, found.title, "page")
    return _report_page(request, "reporting/governors.html", school, found, error)


def _report_page(
    request: HttpRequest,
    template: str,
    school: School,
    found: GovernorsReport | TrustReport | None,
    error: str,
    **extra: object,
) -> HttpResponse:
    """A report page with the period chooser; 400 with the error when the period is wrong."""
    context = {
        "school": school,
        "report": found,
        "error": error,
        "query": request.GET.urlencode(),
        **_choices(school),
        "chosen": _period_params(request),
        **extra,
    }
    return render(request, template, context, status=400 if error else 200)


@login_required
@require_GET
def governors_report_pdf(request: HttpRequest) -> HttpResponse:
    school, found, error = _governors(request)
    if found is None:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    _viewed(request, "reports.governors_viewed", school, found.title, "pdf")
    return _pdf_response(
        pdf.pdf_bytes("reporting/governors_pdf.html", {"school": school, "report": found}),
        f"governors-report-{school.slug}-{found.key}.pdf",
    )


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _trust(request: HttpRequest) -> tuple[School, list[School], TrustReport | None, str]:
    school = request_school(request)
    require_perm(request.user, ReportingPerm.TRUST_REPORT, school)
    schools = trust_schools(request)
    if not schools:
        raise PermissionDenied(
            "The trust's report is for a trust administrator: it shows every school of the "
            "trust. A school's own report is under Governors' report."
        )
    term, year = _period_params(request)
    try:
        found = report.trust_report(schools, term=term, year=year, now=timezone.now())
    except ServiceError as exc:
        return school, schools, None, exc.message
    return school, schools, found, ""


@login_required
@require_GET
def trust_report_page(request: HttpRequest) -> HttpResponse:
    school, schools, found, error = _trust(request)
    if found is not None:
        _viewed(request, "reports.trust_viewed", school, found.title, "page")
    trust_name = ", ".join(sorted({s.trust.name for s in schools}))
    return _report_page(
        request, "reporting/trust.html", school, found, error, trust_name=trust_name
    )


@login_required
@require_GET
def trust_report_pdf(request: HttpRequest) -> HttpResponse:
    school, schools, found, error = _trust(request)
    if found is None:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    _viewed(request, "reports.trust_viewed", school, found.title, "pdf")
    trust_name = ", ".join(sorted({s.trust.name for s in schools}))
    return _pdf_response(
        pdf.pdf_bytes("reporting/trust_pdf.html", {"trust_name": trust_name, "report": found}),
        f"trust-report-{found.title.lower().replace(' ', '-')}.pdf",
    )


@login_required
@require_http_methods(["GET", "POST"])
def term_calendar(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, ReportingPerm.TERMS_MANAGE, school)
    current = report.current_school_year(school, timezone.now())
    years = [current - 1, current, current + 1]
    asked = report.parse_school_year(request.GET.get("year", "") or request.POST.get("year", ""))
    start = asked if asked in years else current
    calendar = SchoolCalendar(school)
    terms = [calendar.dates(key, year) for key, year in school_year_terms(start)]
    form = TermCalendarForm(request.POST if request.method == "POST" else None, terms=terms)
    if request.method == "POST" and form.is_valid():
        try:
            services.term_calendar_set(
                actor=request_user(request), school=school, start_year=start, terms=form.dates()
            )
        except ServiceError as exc:
            for name, errors in exc.field_errors.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Term dates for {school_year_label(start)} saved.")
            return redirect(f"{reverse('reporting:terms')}?year={school_year_label(start)}")
    return render(
        request,
        "reporting/terms.html",
        {
            "school": school,
            "form": form,
            "year": school_year_label(start),
            "years": [school_year_label(y) for y in years],
            "recorded": any(t.recorded for t in terms),
        },
        status=400 if form.errors else 200,
    )
