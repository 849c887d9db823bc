"""The breach log's pages: the list with each clock, opening a breach, and the breach page
where the SIRO answers the risk questions, decides, records who was told, the actions, and
closes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.accounts.models import Account, AccountState
from warden.core.access import request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.roles import PrivacyPerm
from warden.privacy import selectors
from warden.privacy.access import breach_action_for_user, breach_for_user
from warden.privacy.forms import (
    ActionForm,
    AssessForm,
    AwareForm,
    BreachOpenForm,
    CloseForm,
    DecisionForm,
    InformForm,
    NoteForm,
)
from warden.privacy.models import Breach, BreachState
from warden.privacy.services import breaches as services

PAGE_SIZE = 25


@login_required
@require_GET
def breach_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, PrivacyPerm.BREACHES, school)
    rows = Breach.objects.filter(school=school).order_by("state", "-aware_at", "-pk")
    q = " ".join(request.GET.get("q", "").split())[:100]
    state = request.GET.get("state", "")
    if q:
        rows = rows.filter(Q(title__icontains=q) | Q(description__icontains=q))
    if state in BreachState.values:
        rows = rows.filter(state=state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "privacy/breach_list.html",
        {
            "page": page,
            "rows": [(b, selectors.breach_clock(b, now)) for b in page],
            "q": q,
            "state": state,
            "states": BreachState.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def breach_open(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, PrivacyPerm.BREACHES, school)
    form = BreachOpenForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        account = None
        try:
            if data.get("system"):
                account = (
                    Account.objects.filter(
                        school=school,
                        system=data["system"],
                        username__iexact=data["username"].strip(),
                    )
                    .exclude(state=AccountState.DELETED)
                    .first()
                )
                if account is None:
                    raise ServiceError(
                        f"No account {data['username'].strip()} on {data['system']}; check the "
                        "username on the account's page.",
                        field_errors={"username": ["No such account on that system."]},
                    )
            breach = services.breach_open(
                actor=request_user(request),
                school=school,
                title=data["title"],
                description=data["description"],
                aware_at=data.get("aware_at"),
                account=account,
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{breach.reference} opened; the ICO's 72 hours are running.")
            return redirect("privacy:breach_detail", data_breach_pk=breach.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "privacy/breach_open.html", {"form": form}, status=status)


def _initial(breach: Breach) -> dict[str, forms.Form]:
    school = breach.school
    return {
        "aware_form": AwareForm(
            initial={"aware_at": timezone.localtime(breach.aware_at).replace(tzinfo=None)}
        ),
        "assess_form": AssessForm(
            initial={
                "data_description": breach.data_description,
                "categories": breach.categories,
                "people_affected": breach.people_affected,
                "likelihood": breach.likelihood,
                "harm": breach.harm,
                "containment": breach.containment,
            }
        ),
        "decision_form": DecisionForm(
            initial={
                "decision": breach.decision,
                "decision_reasons": breach.decision_reasons,
                "ico_reference": breach.ico_reference,
                "ico_reported_on": breach.ico_reported_on,
            }
        ),
        "inform_form": InformForm(initial={"informed_on": timezone.localdate()}),
        "action_form": ActionForm(school=school),
        "note_form": NoteForm(),
        "close_form": CloseForm(),
    }


def _render(request: HttpRequest, breach: Breach, status: int = 200, **bound: Any) -> HttpResponse:
    context: dict[str, Any] = _initial(breach) | bound
    context |= {
        "breach": breach,
        "clock": selectors.breach_clock(breach),
        "dpo": selectors.dpo_for(breach.school),
        "chronology": breach.chronology.select_related("by").order_by("at", "pk"),
        "notices": breach.notices.all(),
        "actions": breach.actions.select_related("owner", "done_by"),
    }
    return render(request, "privacy/breach_detail.html", context, status=status)


@login_required
@require_GET
def breach_detail(request: HttpRequest, data_breach_pk: int) -> HttpResponse:
    breach = breach_for_user(request.user, data_breach_pk)
    services.breach_read(actor=request_user(request), breach=breach)
    return _render(request, breach)


def _post(
    request: HttpRequest,
    data_breach_pk: int,
    form_class: Callable[..., forms.Form],
    name: str,
    call: Callable[[Breach, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Bind ``form_class`` to the POST, call the service; on refusal show the breach page
    again with what was typed and the service's words beside the fields."""
    breach = breach_for_user(request.user, data_breach_pk)
    kwargs = {"school": breach.school} if form_class is ActionForm else {}
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        try:
            call(breach, form.cleaned_data)
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("privacy:breach_detail", data_breach_pk=breach.pk)
    return _render(request, breach, 400, **{name: form})


@login_required
@require_POST
def breach_aware(request: HttpRequest, data_breach_pk: int) -> HttpResponse:
    return _post(
        request,
        data_breach_pk,
        AwareForm,
        "aware_form",
        lambda b, d: services.breach_set_aware(
            actor=request_user(request), breach=b, aware_at=d["aware_at"], reason=d["aware_reason"]
        ),
        "When the school became aware was changed; the clock runs from the new time.",
    )


@login_required
@require_POST
def breach_assess(request: HttpRequest, data_breach_pk: int) -> HttpResponse:
    return _post(
        request,
        data_breach_pk,
        AssessForm,
        "assess_form",
        lambda b, d: services.breach_assess(actor=request_user(request), breach=b, **d),
        "Risk assessment saved.",
    )


@login_required
@require_POST
def breach_decide(request: HttpRequest, data_breach_pk: int) -> HttpResponse:
    return _post(
        request,
        data_breach_pk,
        DecisionForm,
        "decision_form",
        lambda b, d: services.breach_decide(
            actor=request_user(request),
            breach=b,
            decision=d["decision"],
            reasons=d["decision_reasons"],
            ico_reference=d["ico_reference"],
            ico_reported_on=d["ico_reported_on"],
        ),
        "Decision recorded.",
    )


@login_required
@require_POST
def breach_inform(request: HttpRequest, data_breach_pk: int) -> HttpResponse:
    return _post(
        request,
        data_breach_pk,
        InformForm,
        "inform_form",
        lambda b, d: services.breach_inform(actor=request_user(request), breach=b, **d),
        "Recorded who was informed.",
    )


@login_required
@require_POST
def breach_action_add(request: HttpRequest, data_breach_pk: int) -> HttpResponse:
    return _post(
        request,
        data_breach_pk,
        ActionForm,
        "action_form",
        lambda b, d: services.breach_action_add(actor=request_user(request), breach=b, **d),
        "Action added.",
    )


@login_required
@require_POST
def breach_note(request: HttpRequest, data_breach_pk: int) -> HttpResponse:
    return _post(
        request,
        data_breach_pk,
        NoteForm,
        "note_form",
        lambda b, d: services.breach_note_add(
            actor=request_user(request), breach=b, text=d["text"]
        ),
        "Note added to the chronology.",
    )


@login_required
@require_POST
def breach_close(request: HttpRequest, data_breach_pk: int) -> HttpResponse:
    return _post(
        request,
        data_breach_pk,
        CloseForm,
        "close_form",
        lambda b, d: services.breach_close(
            actor=request_user(request), breach=b, lessons=d["lessons"]
        ),
        "Breach closed.",
    )


@login_required
@require_POST
def breach_action_done(request: HttpRequest, data_breach_action_pk: int) -> HttpResponse:
    action = breach_action_for_user(request.user, data_breach_action_pk)
    try:
        services.breach_action_done(actor=request_user(request), action=action)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Action marked done.")
    return redirect("privacy:breach_detail", data_breach_pk=action.breach_id)
