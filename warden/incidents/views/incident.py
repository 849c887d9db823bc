"""One incident: its page and every action on it (notes, people, severity, status, close,
reopen, sanctions, playbook steps, evidence and the access list)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from warden.core.access import request_user
from warden.core.confidential import views as confidential_views
from warden.core.confidential.forms import AccessForm, StepForm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.selectors import operators_at
from warden.core.uploads import apply_upload_refusals
from warden.incidents import rules, selectors
from warden.incidents.access import (
    access_entry_for_user,
    can_manage,
    evidence_for_user,
    incident_for_user,
    involvement_for_user,
    sanction_for_user,
    step_for_user,
)
from warden.incidents.forms.incidents import (
    CloseForm,
    EvidenceForm,
    InvolvementForm,
    NoteForm,
    PlaybookForm,
    ReasonForm,
    RemoveInvolvementForm,
    SanctionForm,
    SeverityForm,
    StatusForm,
)
from warden.incidents.models import (
    Evidence,
    Incident,
    Part,
)
from warden.incidents.playbooks import PLAYBOOKS
from warden.incidents.services import evidence as evidence_services
from warden.incidents.services import incidents as incident_services
from warden.incidents.services import sanctions as sanction_services
from warden.incidents.services import steps as step_services
from warden.incidents.views.helpers import school_people
from warden.people.models import Person


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
            "person_form": InvolvementForm(school=school, user=request.user, auto_id="person-%s"),
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
    form = InvolvementForm(request.POST, school=incident.school, user=request.user)
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
    form = SanctionForm(request.POST, people=school_people(incident.school))
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
