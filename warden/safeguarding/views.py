"""Pages of the welfare concerns: thin views over the access helpers and services.

Every page and export of a concern is audited (``services.concern_read``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.confidential import views as confidential_views
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.models import School
from warden.core.roles import Perm
from warden.core.selectors import operators_at
from warden.monitoring.models import Violation
from warden.safeguarding import export, rules, selectors, services
from warden.safeguarding.access import (
    access_entry_for_user,
    can_manage,
    concern_for_user,
    concerns_for_user,
    step_for_user,
)
from warden.safeguarding.forms import (
    AccessForm,
    ActionsForm,
    AssessForm,
    CloseForm,
    LinkForm,
    NoteForm,
    RaiseForm,
    ReferralForm,
    SettingsForm,
    StepForm,
)
from warden.safeguarding.models import ConcernStatus, WelfareConcern
from warden.safeguarding.playbooks import PLAYBOOKS

# --- the list and raising a concern --------------------------------------------------------


@login_required
@require_GET
def concern_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    status = request.GET.get("status", ConcernStatus.OPEN)
    concerns = selectors.concern_list(concerns_for_user(request.user, school), status)
    page = Paginator(concerns, 50).get_page(request.GET.get("page"))
    services.concerns_listed(actor=request_user(request), school=school, status=status)
    return render(
        request,
        "safeguarding/concern_list.html",
        {
            "school": school,
            "page": page,
            "status": status,
            "statuses": [("open", "Open"), ("closed", "Closed"), ("all", "All")],
            "can_raise": has_perm(request.user, Perm.WELFARE_MANAGE, school),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern_new(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.WELFARE_MANAGE, school)

    def recorded(concern: WelfareConcern) -> HttpResponse:
        messages.success(request, f"{concern.reference} recorded.")
        return redirect("safeguarding:detail", concern_pk=concern.pk)

    return _worry_page(
        request, school, services.concern_raise, recorded, "safeguarding/concern_new.html"
    )


@login_required
@require_http_methods(["GET", "POST"])
def concern_report(request: HttpRequest) -> HttpResponse:
    """Any member of staff tells the DSL of a worry about a child (``rules.may_report``)."""
    school = request_school(request)
    if not rules.may_report(request.user, school):
        raise PermissionDenied(rules.REPORT_REFUSAL)

    def reported(concern: WelfareConcern) -> HttpResponse:
        messages.success(
            request, f"Thank you: {concern.reference} is recorded. {rules.REPORTED_WORDS}"
        )
        return redirect("safeguarding:report")

    return _worry_page(
        request, school, services.concern_report, reported, "safeguarding/concern_report.html"
    )


def _worry_page(
    request: HttpRequest,
    school: School,
    record: Callable[..., WelfareConcern],
    done: Callable[[WelfareConcern], HttpResponse],
    template: str,
) -> HttpResponse:
    """The form of a worry about a child, for ``record`` (a service), then ``done``."""
    now = timezone.localtime().replace(second=0, microsecond=0)
    data = request.POST if request.method == "POST" else None
    form = RaiseForm(data, school=school, user=request.user, initial={"seen_at": now})
    if form.is_valid():
        values = form.cleaned_data
        try:
            concern = record(
                actor=request_user(request),
                school=school,
                person=values["person"],
                category=values["category"],
                summary=values["summary"],
                seen_at=values["seen_at"],
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            return done(concern)
    return render(request, template, {"form": form, "school": school})


@login_required
@require_POST
def concern_from_triage(request: HttpRequest) -> HttpResponse:
    """The welfare route out of the triage queue (the queue's and a violation's page)."""
    school = request_school(request)
    require_perm(request.user, Perm.WELFARE_MANAGE, school)
    ids = [int(v) for v in request.POST.getlist("violation") if v.isdigit()]
    violations = list(
        Violation.objects.filter(school=school, pk__in=ids).select_related("school", "person")
    )
    try:
        concern = services.concern_from_violations(
            actor=request_user(request), violations=violations
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        back = reverse("incidents:triage")
        if len(ids) == 1:
            back = reverse("incidents:triage_detail", kwargs={"violation_pk": ids[0]})
        return redirect(back)
    messages.success(
        request,
        f"{concern.reference} recorded as a welfare concern. Nothing was suspended and no "
        "sanction was recorded.",
    )
    return redirect("safeguarding:detail", concern_pk=concern.pk)


# --- one concern --------------------------------------------------------------------------


@login_required
@require_GET
def concern_detail(request: HttpRequest, concern_pk: int) -> HttpResponse:
    concern = concern_for_user(request.user, concern_pk)
    services.concern_read(actor=request_user(request), concern=concern)
    steps = list(concern.steps.select_related("done_by").order_by("playbook", "position"))
    context: dict[str, object] = {
        "concern": concern,
        "chronology": selectors.chronology_lines(concern),
        "step_groups": [
            (PLAYBOOKS[key].title if key in PLAYBOOKS else key, list(group))
            for key, group in groupby(steps, key=lambda s: s.playbook)
        ],
        "open_mandatory": [s for s in steps if s.mandatory and not s.is_done],
        "referrals": concern.referrals.select_related("recorded_by"),
        "violations": concern.violations.order_by("ts"),
        "access_list": concern.access_list.select_related("user", "added_by"),
        "can_manage": can_manage(request.user, concern),
        "note_form": NoteForm(),
    }
    if context["can_manage"] and not concern.is_closed:
        context |= {
            "assess_form": AssessForm(
                initial={
                    "category": concern.category,
                    "assessment": concern.assessment,
                    "review_on": concern.review_on,
                }
            ),
            "actions_form": ActionsForm(
                initial={
                    "spoke_to_pupil_on": concern.spoke_to_pupil_on,
                    "spoke_to_pupil_note": concern.spoke_to_pupil_note,
                    "parents": concern.parents,
                    "parents_on": concern.parents_on,
                    "parents_not_informed_reason": concern.parents_not_informed_reason,
                }
            ),
            "referral_form": ReferralForm(initial={"made_on": timezone.localdate()}),
            "step_form": StepForm(),
            "link_form": LinkForm(
                incidents=selectors.linkable_incidents(concern),
                initial={"incident": concern.incident_id},
            ),
            "access_form": AccessForm(users=operators_at(concern.school)),
            "close_form": CloseForm(),
        }
    return render(request, "safeguarding/concern_detail.html", context)


def _page(concern: WelfareConcern) -> str:
    return reverse("safeguarding:detail", kwargs={"concern_pk": concern.pk})


def _act(request: HttpRequest, concern: WelfareConcern, action: Callable[[], str]) -> HttpResponse:
    """Run one service for the concern page; show its refusal in the page's message area."""
    return confidential_views.act(request, _page(concern), action)


def _invalid(request: HttpRequest, concern: WelfareConcern, form: object) -> HttpResponse:
    return confidential_views.invalid(request, _page(concern), form)


@login_required
@require_POST
def concern_assess(request: HttpRequest, concern_pk: int) -> HttpResponse:
    concern = concern_for_user(request.user, concern_pk, write=True)
    form = AssessForm(request.POST)
    if not form.is_valid():
        return _invalid(request, concern, form)

    def run() -> str:
        services.concern_assess(actor=request_user(request), concern=concern, **form.cleaned_data)
        return "Assessment recorded."

    return _act(request, concern, run)


@login_required
@require_POST
def concern_actions(request: HttpRequest, concern_pk: int) -> HttpResponse:
    concern = concern_for_user(request.user, concern_pk, write=True)
    form = ActionsForm(request.POST)
    if not form.is_valid():
        return _invalid(request, concern, form)

    def run() -> str:
        services.concern_record_actions(
            actor=request_user(request), concern=concern, **form.cleaned_data
        )
        return "Recorded."

    return _act(request, concern, run)


@login_required
@require_POST
def referral_add(request: HttpRequest, concern_pk: int) -> HttpResponse:
    concern = concern_for_user(request.user, concern_pk, write=True)
    form = ReferralForm(request.POST)
    if not form.is_valid():
        return _invalid(request, concern, form)

    def run() -> str:
        referral = services.referral_add(
            actor=request_user(request), concern=concern, **form.cleaned_data
        )
        return f"Referral to {referral.get_agency_display()} recorded."

    return _act(request, concern, run)


@login_required
@require_POST
def note_add(request: HttpRequest, concern_pk: int) -> HttpResponse:
    concern = concern_for_user(request.user, concern_pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _invalid(request, concern, form)

    def run() -> str:
        services.note_add(
            actor=request_user(request), concern=concern, text=form.cleaned_data["text"]
        )
        return "Added to the chronology."

    return _act(request, concern, run)


@login_required
@require_POST
def step_done(request: HttpRequest, concern_step_pk: int) -> HttpResponse:
    step = step_for_user(request.user, concern_step_pk)
    return confidential_views.step_done(
        request, step, back=_page(step.concern), complete=services.step_complete
    )


@login_required
@require_POST
def concern_link(request: HttpRequest, concern_pk: int) -> HttpResponse:
    concern = concern_for_user(request.user, concern_pk, write=True)
    form = LinkForm(request.POST, incidents=selectors.linkable_incidents(concern))
    if not form.is_valid():
        return _invalid(request, concern, form)

    def run() -> str:
        services.concern_link_incident(
            actor=request_user(request), concern=concern, incident=form.cleaned_data["incident"]
        )
        return "Link saved."

    return _act(request, concern, run)


@login_required
@require_POST
def access_add(request: HttpRequest, concern_pk: int) -> HttpResponse:
    concern = concern_for_user(request.user, concern_pk, write=True)
    return confidential_views.access_add(
        request, concern, back=_page(concern), grant=partial(services.access_grant, concern=concern)
    )


@login_required
@require_POST
def access_remove(request: HttpRequest, concern_access_pk: int) -> HttpResponse:
    entry = access_entry_for_user(request.user, concern_access_pk)
    return confidential_views.access_remove(
        request, entry, back=_page(entry.concern), revoke=services.access_revoke
    )


@login_required
@require_POST
def concern_close(request: HttpRequest, concern_pk: int) -> HttpResponse:
    concern = concern_for_user(request.user, concern_pk, write=True)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _invalid(request, concern, form)

    def run() -> str:
        services.concern_close(actor=request_user(request), concern=concern, **form.cleaned_data)
        return f"{concern.reference} is closed."

    return _act(request, concern, run)


# --- exports ------------------------------------------------------------------------------


@login_required
@require_GET
def concern_pdf(request: HttpRequest, concern_pk: int) -> HttpResponse:
    concern = concern_for_user(request.user, concern_pk, write=True)
    services.concern_read(actor=request_user(request), concern=concern, what="exported_pdf")
    response = HttpResponse(export.concern_pdf(concern), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{concern.reference}.pdf"'
    return response


@login_required
@require_GET
def concern_csv(request: HttpRequest, concern_pk: int) -> HttpResponse:
    concern = concern_for_user(request.user, concern_pk, write=True)
    services.concern_read(actor=request_user(request), concern=concern, what="exported_csv")
    response = HttpResponse(export.concern_csv(concern), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{concern.reference}.csv"'
    return response


# --- the school's words and contacts -------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def safeguarding_settings(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.WELFARE_MANAGE, school)
    current = selectors.settings_for(school)
    form = SettingsForm(
        request.POST or None,
        initial={name: getattr(current, name) for name in services.SETTINGS_FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_save(actor=request_user(request), school=school, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Safeguarding settings saved.")
            return redirect("safeguarding:settings")
    return render(request, "safeguarding/settings.html", {"form": form, "school": school})
