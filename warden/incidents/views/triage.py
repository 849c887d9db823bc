"""The triage queue of monitoring violations: the queue with its one bulk decision
(archive), and one violation with every decision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.audit import audit_log
from warden.core.errors import ServiceError
from warden.core.models import School
from warden.core.redirects import safe_next
from warden.core.roles import Perm
from warden.incidents import rules, selectors
from warden.incidents.access import (
    incident_for_user,
    violation_for_user,
)
from warden.incidents.forms.triage import TriageActionForm, TriageBulkForm, TriageFilterForm
from warden.incidents.models import (
    Incident,
    TriageState,
)
from warden.incidents.services import triage as triage_services
from warden.incidents.views.helpers import PAGE_SIZE
from warden.monitoring.models import Violation
from warden.monitoring.selectors.monitoring import proposed_routes
from warden.monitoring.services.monitoring import exclusion_create


def _exclusion_url(request: HttpRequest, school: School) -> str:
    """The monitoring area's keyword exclusions page, for those who may change them."""
    if not has_perm(request.user, Perm.KEYWORDS_MANAGE, school):
        return ""
    try:
        return reverse("monitoring:exclusion_list")
    except NoReverseMatch:
        return ""


def _exclude(
    request: HttpRequest, school: School, violations: list[Violation], reason: str
) -> None:
    """Add keyword exclusions for false positives through the monitoring area's service."""
    if not has_perm(request.user, Perm.KEYWORDS_MANAGE, school):
        messages.warning(request, "Your role cannot add keyword exclusions; ask the ICT manager.")
        return
    for text in sorted(
        {v.matched_text or v.phrase for v in violations if v.matched_text or v.phrase}
    ):
        try:
            exclusion_create(
                actor=request_user(request),
                school=school,
                text=text,
                reason=f"False positive in triage: {reason}",
                categories=sorted({v.category for v in violations}),
            )
        except ServiceError as exc:
            messages.warning(request, exc.message)
        else:
            messages.info(request, f"“{text}” will no longer raise alerts.")


@login_required
@require_GET
def triage_queue(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.VIOLATIONS_VIEW, school)
    form = TriageFilterForm(request.GET or None, categories=selectors.triage_categories(school))
    filters = selectors.TriageFilter()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.TriageFilter(
            state=data["state"] if "state" in request.GET else "open",
            min_severity=data["min_severity"],
            category=data["category"] or "",
            overdue=data["overdue"],
            q=data["q"] or "",
        )
    queue = selectors.triage_queue(school, filters, viewer_id=request_user(request).pk)
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    routes = proposed_routes([t.violation for t in page.object_list])
    for t in page.object_list:
        t.violation.proposed_route = routes[t.violation_id]
    audit_log(
        actor=request_user(request),
        action="triage_queue.viewed",
        school=school,
        changes={"filters": [None, {k: v for k, v in request.GET.items() if v}]},
    )
    can_triage = has_perm(request.user, Perm.VIOLATIONS_TRIAGE, school)
    context = {
        "school": school,
        "form": form,
        "page": page,
        "overdue": selectors.triage_overdue(school).count(),
        "triage_words": rules.TRIAGE_WORDS,
        "can_triage": can_triage,
        "exclusion_url": _exclusion_url(request, school),
        "bulk_form": TriageBulkForm(auto_id="bulk-%s") if can_triage else None,
    }
    htmx = getattr(request, "htmx", False)
    template = "incidents/triage_queue.html#results" if htmx else "incidents/triage_queue.html"
    return render(request, template, context)


@login_required
@require_POST
def triage_bulk(request: HttpRequest) -> HttpResponse:
    """Archive the violations ticked on the queue, all with one decision and one reason.

    Only "no action" and "false positive": escalation and welfare concerns are decided one
    child at a time, on the violation's own page.
    """
    school = request_school(request)
    require_perm(request.user, Perm.VIOLATIONS_TRIAGE, school)
    back = safe_next(request.POST.get("next"), reverse("incidents:triage"))
    violations = _chosen(request, school)
    form = TriageBulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    data = form.cleaned_data
    try:
        n = triage_services.triage_decide(
            actor=request_user(request),
            violations=violations,
            state=data["decision"],
            reason=data["reason"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(
        request,
        f"{n} violation{'s' if n != 1 else ''} archived as "
        f"{TriageState(data['decision']).label.lower()}.",
    )
    if data["decision"] == TriageState.FALSE_POSITIVE and data["add_exclusion"]:
        _exclude(request, school, violations, data["reason"])
    return redirect(back)


def _chosen(request: HttpRequest, school: School) -> list[Violation]:
    """The ticked violations of the acting school, in the order they were ticked."""
    ids = [int(v) for v in request.POST.getlist("violation") if v.isdigit()]
    found = Violation.objects.filter(school=school, pk__in=ids).select_related("school", "person")
    by_id = {v.pk: v for v in found}
    return [by_id[pk] for pk in dict.fromkeys(ids) if pk in by_id]


def _joinable(request: HttpRequest, school: School) -> QuerySet[Incident]:
    if not has_perm(request.user, Perm.INCIDENTS_VIEW, school):
        return Incident.objects.none()
    return selectors.open_incidents(school).order_by("-reported_at")


@login_required
@require_GET
def triage_detail(request: HttpRequest, violation_pk: int) -> HttpResponse:
    violation = violation_for_user(request.user, violation_pk)
    triage = triage_services.violation_read(actor=request_user(request), violation=violation)
    school = violation.school
    can_triage = has_perm(request.user, Perm.VIOLATIONS_TRIAGE, school)
    return render(
        request,
        "incidents/triage_detail.html",
        {
            "violation": violation,
            "triage": triage,
            "can_triage": can_triage and triage.state in {TriageState.UNVIEWED, TriageState.VIEWED},
            "can_raise_welfare": has_perm(request.user, Perm.WELFARE_MANAGE, school),
            "proposed_route": proposed_routes([violation])[violation.pk],
            "can_see_incident": triage.incident is not None
            and has_perm(request.user, Perm.INCIDENTS_VIEW, school),
            "exclusion_url": _exclusion_url(request, school),
            "action_form": TriageActionForm(incidents=_joinable(request, school)),
            "due_at": rules.triage_due_at(violation.created_at, school.timezone),
        },
    )


@login_required
@require_POST
def triage_act(request: HttpRequest) -> HttpResponse:
    """One violation's decision from its page (a breach may take several of one person's)."""
    school = request_school(request)
    require_perm(request.user, Perm.VIOLATIONS_TRIAGE, school)
    violations = _chosen(request, school)
    form = TriageActionForm(request.POST, incidents=_joinable(request, school))
    back = safe_next(request.POST.get("next"), reverse("incidents:triage"))
    if not form.is_valid():
        messages.error(request, "Choose an action for the chosen violations.")
        return redirect(back)
    data = form.cleaned_data
    actor = request_user(request)
    try:
        if data["action"] == "viewed":
            n = triage_services.triage_mark_viewed(actor=actor, violations=violations)
            messages.success(request, f"{n} marked as viewed.")
        elif data["action"] in {TriageState.NO_ACTION, TriageState.FALSE_POSITIVE}:
            n = triage_services.triage_decide(
                actor=actor, violations=violations, state=data["action"], reason=data["reason"]
            )
            messages.success(
                request, f"{n} archived as {TriageState(data['action']).label.lower()}."
            )
            if data["action"] == TriageState.FALSE_POSITIVE and data["add_exclusion"]:
                _exclude(request, school, violations, data["reason"])
        elif data["action"] == "escalate_join":
            if data["incident"] is None:
                raise ServiceError("Choose the open incident to join.")
            incident = incident_for_user(request.user, data["incident"].pk)
            triage_services.triage_escalate(actor=actor, violations=violations, incident=incident)
            messages.success(request, f"Joined to {incident.reference}.")
            return redirect("incidents:detail", incident_pk=incident.pk)
        else:
            if not data["kind"]:
                raise ServiceError(
                    "Choose the kind of incident to open (what happened: offensive material, "
                    "cyberbullying, a security breach...)."
                )
            incident = triage_services.triage_escalate(
                actor=actor,
                violations=violations,
                kind=data["kind"],
                title=data["title"],
                reason=data["reason"],
            )
            messages.success(request, f"{incident.reference} opened.")
            if has_perm(request.user, Perm.INCIDENTS_VIEW, school):
                return redirect("incidents:detail", incident_pk=incident.pk)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect(back)
