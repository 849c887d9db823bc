"""The report pages: the termly report for governors and the weekly safeguarding digest.

The termly report (``REPORTS_VIEW``: governors, the headteacher, the DSL and deputy, the
SIRO) shows counts only, so governors can monitor the incident and filtering change-control
logs without seeing who was involved (policy duty "Governors see counts, not names",
docs/policy-map.md). The weekly digest (``INCIDENTS_VIEW``) shows the figures the weekly
e-mail sends, from the same ``selectors.weekly_report``, with links into the incident log
and the triage queue.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.audit import audit_log
from warden.core.roles import Perm
from warden.incidents import reports, rules, selectors
from warden.incidents.models import IncidentKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    term = forms.ChoiceField(label="Term", required=False)
    first = forms.DateField(label="Or from", required=False, widget=DATE)
    last = forms.DateField(label="To", required=False, widget=DATE)

    def __init__(self, *args: Any, terms: list[reports.Period], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["term"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(p.key, p.label) for p in terms]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first"), data.get("last")
        if (first is None) != (last is None):
            raise forms.ValidationError("Give both days of a date range, or choose a term.")
        if first and last:
            if last < first:
                self.add_error("last", "The range must end on or after the day it starts.")
            elif (last - first).days >= reports.MAX_CUSTOM_DAYS:
                self.add_error(
                    "last", f"Choose a range of under {reports.MAX_CUSTOM_DAYS} days, or a term."
                )
        return data

    def period(self, default: reports.Period) -> reports.Period:
        data = self.cleaned_data
        if data.get("first") and data.get("last"):
            return reports.custom_period(data["first"], data["last"])
        return reports.term_from_key(data.get("term") or "", default.calendar) or default


@login_required
@require_GET
def termly_report(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.REPORTS_VIEW, school)
    now = timezone.now()
    today = timezone.localtime(now, ZoneInfo(school.timezone)).date()
    terms = reports.recent_terms(today, calendar=reports.school_calendar(school))
    form = PeriodForm(request.GET or None, terms=terms)
    period = terms[0]
    if form.is_bound and form.is_valid():
        period = form.period(default=terms[0])
    report = reports.termly_report(school, period, now=now)
    audit_log(
        actor=request_user(request),
        action="reports.termly_viewed",
        school=school,
        changes={"period": [None, f"{period.first:%Y-%m-%d}/{period.last:%Y-%m-%d}"]},
    )
    return render(
        request,
        "incidents/reports/termly.html",
        {
            "school": school,
            "form": form,
            "report": report,
            "printed_at": now,
            "can_read_log": has_perm(request.user, Perm.INCIDENTS_VIEW, school),
        },
    )


class WeekForm(forms.Form):
    week = forms.DateField(label="Week beginning", required=False, widget=DATE)


def _url(name: str, **params: object) -> str:
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


@login_required
@require_GET
def weekly_digest(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.INCIDENTS_VIEW, school)
    zone = ZoneInfo(school.timezone)
    now = timezone.now()
    form = WeekForm(request.GET or None)
    monday: dt.date | None = None
    if form.is_bound and form.is_valid() and form.cleaned_data["week"]:
        day = form.cleaned_data["week"]
        monday = day - dt.timedelta(days=day.weekday())
        form = WeekForm(initial={"week": monday})
    # Without a week: the seven days to now, exactly what the e-mail sends.
    end = (
        now
        if monday is None
        else dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(0), tzinfo=zone)
    )
    report = selectors.weekly_report(school, end=end)
    this_monday = timezone.localtime(now, zone).date()
    this_monday -= dt.timedelta(days=this_monday.weekday())
    shown = monday or this_monday
    kinds = {label: value for value, label in IncidentKind.choices}
    audit_log(
        actor=request_user(request),
        action="reports.weekly_viewed",
        school=school,
        changes={"week_ending": [None, f"{end:%Y-%m-%d %H:%M}"]},
    )
    can_triage_view = has_perm(request.user, Perm.VIOLATIONS_VIEW, school)
    return render(
        request,
        "incidents/reports/weekly.html",
        {
            "school": school,
            "form": form,
            "report": report,
            "weekly_words": rules.WEEKLY_WORDS,
            "last_seven_days": monday is None,
            # The week runs to midnight at its end: its last day is the Sunday.
            "last_day": (end - dt.timedelta(microseconds=1)).astimezone(zone).date(),
            "previous_week": (shown - dt.timedelta(days=7)).isoformat(),
            "next_week": (shown + dt.timedelta(days=7)).isoformat() if shown < this_monday else "",
            "can_triage_view": can_triage_view,
            "incidents_by_kind": [
                (label, n, _url("incidents:list", kind=kinds.get(label, ""), status=""))
                for label, n in report.incidents_opened
            ],
            "categories": [
                (category, n, _url("incidents:triage", state="", category=category))
                for category, n in report.by_category
            ],
            "links": {
                "all_violations": _url("incidents:triage", state=""),
                "unviewed": _url("incidents:triage", state="unviewed"),
                "overdue": _url("incidents:triage", state="unviewed", overdue="on"),
                "open": reverse("incidents:list"),
                "severe": _url("incidents:list", severity="severe"),
                "closed": _url("incidents:list", status="closed"),
            },
        },
    )
