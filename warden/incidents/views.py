"""The incident log's pages: list, incident, report, my reports, anti-bullying log, triage.

Every view fetches through ``warden.incidents.access``; every read of an incident or a
violation is written to the audit trail before the page is rendered.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.audit import audit_log
from warden.core.confidential import views as confidential_views
from warden.core.confidential.forms import AccessForm, StepForm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.models import School
from warden.core.redirects import safe_next
from warden.core.roles import Perm
from warden.core.selectors import operators_at
from warden.core.uploads import apply_upload_refusals
from warden.incidents import rules, selectors
from warden.incidents.access import (
    access_entry_for_user,
    can_manage,
    evidence_for_user,
    incident_for_user,
    incidents_for_user,
    involvement_for_user,
    reported_incident_for_user,
    sanction_for_user,
    step_for_user,
    violation_for_user,
)
from warden.incidents.forms import (
    CloseForm,
    EvidenceForm,
    IncidentFilterForm,
    InvolvementForm,
    NoteForm,
    PlaybookForm,
    ReasonForm,
    RemoveInvolvementForm,
    ReportForm,
    SanctionForm,
    SeverityForm,
    StatusForm,
    TriageActionForm,
    TriageFilterForm,
)
from warden.incidents.models import (
    Evidence,
    Incident,
    Part,
    TriageState,
)
from warden.incidents.playbooks import PLAYBOOKS
from warden.incidents.services import evidence as evidence_services
from warden.incidents.services import incidents as incident_services
from warden.incidents.services import sanctions as sanction_services
from warden.incidents.services import steps as step_services
from warden.incidents.services import triage as triage_services
from warden.monitoring.models import Violation
from warden.monitoring.selectors.monitoring import proposed_routes
from warden.monitoring.services.monitoring import exclusion_create
from warden.people.models import Person

PAGE_SIZE = 25


def _people(school: School) -> QuerySet[Person]:
    return Person.objects.filter(school=school).order_by("last_name", "first_name", "pk")


# --- the log ----------------------------------------------------------------------------------


@login_required
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    incidents = incidents_for_user(request.user, school)
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
        people=_people(school) if has_perm(request.user, Perm.PEOPLE_VIEW, school) else None,
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


# --- one incident -------------------------------------------------------------------------


@login_required
@require_GET
def incident_detail(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, incident_pk)
    incident_services.incident_read(actor=request_user(request), incident=incident)
    return _render_detail(request, incident)


# The incident page holds many forms whose fields share names (person, kind, reason, notes):
# each form's ids start with its own word, so no two elements share an id and every label
# names its own field.
CLOSE_IDS = "close-%s"


def _render_detail(
    request: HttpRequest, incident: Incident, *, close_form: CloseForm | None = None
) -> HttpResponse:
    """The incident page; a refused close comes back with what was typed and why."""
    manage = can_manage(request.user, incident)
    involvements = list(incident.involvements.select_related("person"))
    steps = list(incident.steps.select_related("done_by").order_by("playbook", "position"))
    step_groups = [
        (PLAYBOOKS.get(key, key), list(group))
        for key, group in groupby(steps, key=lambda s: s.playbook)
    ]
    evidence = list(
        incident.evidence.select_related("uploaded_by", "supersedes").prefetch_related(
            Prefetch("superseded_by", queryset=Evidence.objects.only("pk", "incident_id"))
        )
    )
    replaced = {e.supersedes_id for e in evidence if e.supersedes_id}
    school = incident.school
    subjects = Person.objects.filter(
        incident_parts__incident=incident, incident_parts__part=Part.SUBJECT
    ).distinct()
    context = {
        "incident": incident,
        "involvements": involvements,
        "chronology": incident.chronology.select_related("by"),
        "step_groups": step_groups,
        "open_mandatory": [s for s in steps if s.mandatory and not s.is_done],
        "evidence": evidence,
        "replaced": replaced,
        "sanctions": incident.sanctions.select_related(
            "person", "created_by", "filter_assignment__group"
        ),
        "proposals": selectors.escalation_proposals(incident),
        "access_list": incident.access_list.select_related("user", "added_by"),
        "violations": incident.violations.select_related("person").order_by("-ts")[:50],
        "can_manage": manage,
        "sanction_words": rules.SANCTION_WORDS,
        "note_form": NoteForm(auto_id="note-%s"),
        "evidence_form": EvidenceForm(auto_id="evidence-%s"),
        "step_form": StepForm(),
    }
    if manage and not incident.is_closed:
        context |= {
            "person_form": InvolvementForm(people=_people(school), auto_id="person-%s"),
            "severity_form": SeverityForm(
                initial={"severity": incident.severity or None}, auto_id="severity-%s"
            ),
            "suspendable": selectors.accounts_a_suspension_would_suspend(incident),
            "status_form": StatusForm(initial={"status": incident.status}, auto_id="status-%s"),
            "close_form": close_form or CloseForm(auto_id=CLOSE_IDS),
            "sanction_form": SanctionForm(
                people=subjects, initial={"starts_on": timezone.localdate()}, auto_id="sanction-%s"
            ),
            "playbook_form": PlaybookForm(auto_id="playbook-%s"),
            "access_form": AccessForm(users=operators_at(school), auto_id="access-%s"),
            "remove_form": RemoveInvolvementForm(),
            "reason_form": ReasonForm(),
        }
    if manage and incident.is_closed:
        context["reason_form"] = ReasonForm()
    status = 400 if close_form is not None and close_form.errors else 200
    return render(request, "incidents/incident_detail.html", context, status=status)


def _page(incident: Incident) -> str:
    return reverse("incidents:detail", kwargs={"incident_pk": incident.pk})


def _act(request: HttpRequest, incident: Incident, action: Callable[[], str]) -> HttpResponse:
    """Run one service for the incident page; show its refusal in the page's message area."""
    return confidential_views.act(request, _page(incident), action)


def _invalid(request: HttpRequest, incident: Incident, form: object) -> HttpResponse:
    return confidential_views.invalid(request, _page(incident), form)


@login_required
@require_POST
def note_add(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, incident_pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _invalid(request, incident, form)

    def run() -> str:
        incident_services.incident_note_add(
            actor=request_user(request),
            incident=incident,
            text=form.cleaned_data["text"],
            kind=form.cleaned_data["kind"],
        )
        return "Added to the chronology."

    return _act(request, incident, run)


@login_required
@require_POST
def person_add(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, incident_pk, write=True)
    form = InvolvementForm(request.POST, people=_people(incident.school))
    if not form.is_valid():
        return _invalid(request, incident, form)

    def run() -> str:
        incident_services.involvement_add(
            actor=request_user(request),
            incident=incident,
            person=form.cleaned_data["person"],
            part=form.cleaned_data["part"],
        )
        return f"{form.cleaned_data['person']} added."

    return _act(request, incident, run)


@login_required
@require_POST
def person_remove(request: HttpRequest, involvement_pk: int) -> HttpResponse:
    involvement = involvement_for_user(request.user, involvement_pk)
    form = RemoveInvolvementForm(request.POST)
    if not form.is_valid():
        return _invalid(request, involvement.incident, form)

    def run() -> str:
        incident_services.involvement_remove(
            actor=request_user(request),
            involvement=involvement,
            reason=form.cleaned_data["reason"],
        )
        return "Removed from the incident."

    return _act(request, involvement.incident, run)


@login_required
@require_POST
def severity_set(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, incident_pk, write=True)
    form = SeverityForm(request.POST)
    if not form.is_valid():
        return _invalid(request, incident, form)

    def run() -> str:
        incident_services.incident_set_severity(
            actor=request_user(request),
            incident=incident,
            severity=form.cleaned_data["severity"],
            reason=form.cleaned_data["reason"],
            suspend_accounts=form.cleaned_data["suspend_accounts"],
        )
        return "Severity recorded."

    return _act(request, incident, run)


@login_required
@require_POST
def status_set(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, incident_pk, write=True)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _invalid(request, incident, form)

    def run() -> str:
        incident_services.incident_set_status(
            actor=request_user(request), incident=incident, status=form.cleaned_data["status"]
        )
        return "Status changed."

    return _act(request, incident, run)


@login_required
@require_POST
def incident_close(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, incident_pk, write=True)
    form = CloseForm(request.POST, auto_id=CLOSE_IDS)
    if not form.is_valid():
        return _render_detail(request, incident, close_form=form)
    try:
        incident_services.incident_close(
            actor=request_user(request),
            incident=incident,
            outcome=form.cleaned_data["outcome"],
            notes=form.cleaned_data["notes"],
        )
    except ServiceError as exc:
        # The page again, with the summary as typed and the refusal beside the form.
        apply_service_errors(form, exc)
        return _render_detail(request, incident, close_form=form)
    messages.success(request, f"{incident.reference} is closed.")
    return redirect("incidents:detail", incident_pk=incident.pk)


@login_required
@require_POST
def incident_reopen(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, incident_pk, write=True)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _invalid(request, incident, form)

    def run() -> str:
        incident_services.incident_reopen(
            actor=request_user(request), incident=incident, reason=form.cleaned_data["reason"]
        )
        return f"{incident.reference} is reopened."

    return _act(request, incident, run)


@login_required
@require_POST
def sanction_add(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, incident_pk, write=True)
    form = SanctionForm(request.POST, people=_people(incident.school))
    if not form.is_valid():
        return _invalid(request, incident, form)

    def run() -> str:
        sanction_services.sanction_add(
            actor=request_user(request),
            incident=incident,
            person=form.cleaned_data["person"],
            kind=form.cleaned_data["kind"],
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
            notes=form.cleaned_data["notes"],
        )
        return "Sanction recorded."

    return _act(request, incident, run)


@login_required
@require_POST
def sanction_end(request: HttpRequest, sanction_pk: int) -> HttpResponse:
    sanction = sanction_for_user(request.user, sanction_pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _invalid(request, sanction.incident, form)

    def run() -> str:
        sanction_services.sanction_end(
            actor=request_user(request), sanction=sanction, reason=form.cleaned_data["reason"]
        )
        return "Sanction ended; any withdrawn accounts are restored."

    return _act(request, sanction.incident, run)


@login_required
@require_POST
def step_done(request: HttpRequest, step_pk: int) -> HttpResponse:
    step = step_for_user(request.user, step_pk)
    return confidential_views.step_done(
        request, step, back=_page(step.incident), complete=step_services.step_complete
    )


@login_required
@require_POST
def playbook_add(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, incident_pk, write=True)
    form = PlaybookForm(request.POST)
    if not form.is_valid():
        return _invalid(request, incident, form)

    def run() -> str:
        step_services.playbook_apply(
            actor=request_user(request), incident=incident, key=form.cleaned_data["key"]
        )
        return "Playbook added."

    return _act(request, incident, run)


def _upload(request: HttpRequest, incident: Incident, supersedes: Evidence | None) -> HttpResponse:
    form = EvidenceForm(request.POST, request.FILES)
    apply_upload_refusals(request, form)
    if not form.is_valid():
        return _invalid(request, incident, form)
    upload = form.cleaned_data["file"]

    def run() -> str:
        evidence_services.evidence_add(
            actor=request_user(request),
            incident=incident,
            title=form.cleaned_data["title"],
            filename=upload.name or "file",
            chunks=upload.chunks(),
            content_type=upload.content_type or "",
            note=form.cleaned_data["note"],
            supersedes=supersedes,
        )
        return "Evidence kept with its SHA-256."

    return _act(request, incident, run)


@login_required
@require_POST
def evidence_add(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, incident_pk)
    return _upload(request, incident, None)


@login_required
@require_POST
def evidence_supersede(request: HttpRequest, evidence_pk: int) -> HttpResponse:
    evidence = evidence_for_user(request.user, evidence_pk)
    return _upload(request, evidence.incident, evidence)


@login_required
@require_GET
def evidence_download(request: HttpRequest, evidence_pk: int) -> HttpResponseBase:
    evidence = evidence_for_user(request.user, evidence_pk)
    try:
        handle = evidence_services.evidence_open(actor=request_user(request), evidence=evidence)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("incidents:detail", incident_pk=evidence.incident_id)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.filename,
        content_type=evidence.content_type or "application/octet-stream",
    )


@login_required
@require_POST
def access_add(request: HttpRequest, incident_pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, incident_pk, write=True)
    return confidential_views.access_add(
        request,
        incident,
        back=_page(incident),
        grant=partial(incident_services.access_grant, incident=incident),
    )


@login_required
@require_POST
def access_remove(request: HttpRequest, access_pk: int) -> HttpResponse:
    entry = access_entry_for_user(request.user, access_pk)
    return confidential_views.access_remove(
        request, entry, back=_page(entry.incident), revoke=incident_services.access_revoke
    )


# --- triage ---------------------------------------------------------------------------------


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
        )
    queue = selectors.triage_queue(school, filters, viewer_id=request_user(request).pk)
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    routes = proposed_routes(list(page.object_list))
    for v in page.object_list:
        v.proposed_route = routes[v.pk]
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
        "can_raise_welfare": has_perm(request.user, Perm.WELFARE_MANAGE, school),
        "exclusion_url": _exclusion_url(request, school),
        "action_form": TriageActionForm(incidents=_joinable(request, school))
        if can_triage
        else None,
    }
    htmx = getattr(request, "htmx", False)
    template = "incidents/triage_queue.html#results" if htmx else "incidents/triage_queue.html"
    return render(request, template, context)


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
def triage_bulk(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.VIOLATIONS_TRIAGE, school)
    ids = [int(v) for v in request.POST.getlist("violation") if v.isdigit()]
    violations = list(
        Violation.objects.filter(school=school, pk__in=ids).select_related("school", "person")
    )
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
