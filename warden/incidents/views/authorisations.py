"""The staff monitoring authorisation pages (policy duty "Staff monitored only with
authorisation", docs/policy-map.md): the list, a request, one authorisation with its
decision, reviews and end, and the search of the subject's archived internet history that
only an authorisation in force opens.

Every view fetches through ``warden.incidents.access_authorisations``; each view of an
authorisation, and each search, is written to the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import request_school, request_user
from warden.core.audit import audit_log
from warden.core.confidential.views import act, invalid
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.selectors import operators_at
from warden.incidents import rules
from warden.incidents.access_authorisations import (
    REQUEST_REFUSAL,
    authorisation_for_user,
    authorisations_for_user,
    may_approve,
    may_request,
)
from warden.incidents.forms.authorisations import (
    AuthorisationForm,
    DecisionForm,
    EndForm,
    HistorySearchForm,
    ReviewForm,
)
from warden.incidents.models import AuthorisationReview, AuthorisationStatus
from warden.incidents.services import authorisations as services
from warden.incidents.views.helpers import PAGE_SIZE


@login_required
@require_GET
def authorisation_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    found = authorisations_for_user(request.user, school)
    status = request.GET.get("status", "")
    if status in AuthorisationStatus.values:
        found = found.filter(status=status)
    found = found.select_related("subject", "investigator", "requested_by").prefetch_related(
        Prefetch(
            "reviews", queryset=AuthorisationReview.objects.only("authorisation", "reviewed_on")
        )
    )
    page = Paginator(found.order_by("-requested_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    today = services.today_at(school)
    rows = [(a, services.state_label(a, today)) for a in page]
    return render(
        request,
        "incidents/authorisations/list.html",
        {
            "school": school,
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": AuthorisationStatus.choices,
            "can_request": may_request(request.user, school),
            "words": rules.STAFF_MONITORING_WORDS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def authorisation_request(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    if not may_request(request.user, school):
        raise PermissionDenied(REQUEST_REFUSAL)
    today = services.today_at(school)
    form = AuthorisationForm(
        request.POST or None,
        school=school,
        user=request.user,
        users=operators_at(school),
        initial={"starts_on": today},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            authorisation = services.authorisation_request(
                actor=request_user(request),
                school=school,
                subject=data["subject"],
                investigator=data["investigator"],
                scope=data["scope"],
                reason=data["reason"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                review_dates=data["review_dates"],
                history_from=data["history_from"],
                history_to=data["history_to"],
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"{authorisation.reference} is waiting for the headteacher or a governor.",
            )
            return redirect("incidents:authorisation_detail", authorisation_pk=authorisation.pk)
    return render(
        request,
        "incidents/authorisations/request.html",
        {"form": form, "words": rules.STAFF_MONITORING_WORDS, "review_words": rules.REVIEW_WORDS},
    )


@login_required
@require_GET
def authorisation_detail(request: HttpRequest, authorisation_pk: int) -> HttpResponse:
    authorisation = authorisation_for_user(request.user, authorisation_pk)
    user = request_user(request)
    audit_log(actor=user, action="staff_monitoring.viewed", obj=authorisation)
    today = services.today_at(authorisation.school)
    approver = may_approve(user, authorisation.school_id)
    pending = authorisation.status == AuthorisationStatus.PENDING
    approved = authorisation.status == AuthorisationStatus.APPROVED
    open_ = pending or approved
    involved = user.pk in (authorisation.requested_by_id, authorisation.investigator_id)
    return render(
        request,
        "incidents/authorisations/detail.html",
        {
            "a": authorisation,
            "state": services.state_label(authorisation, today),
            "reviews": authorisation.reviews.select_related("reviewed_by"),
            "search_refusal": services.search_refusal_for(user, authorisation, today),
            "is_investigator": user.pk == authorisation.investigator_id,
            "decision_form": DecisionForm() if pending and approver else None,
            "review_form": ReviewForm() if approved and approver else None,
            "end_form": EndForm() if open_ and (approver or involved) else None,
            "words": rules.STAFF_MONITORING_WORDS,
            "review_words": rules.REVIEW_WORDS,
        },
    )


def _act(request: HttpRequest, authorisation_pk: int, action: Callable[[], str]) -> HttpResponse:
    return act(request, _page(authorisation_pk), action)


def _page(authorisation_pk: int) -> str:
    return reverse("incidents:authorisation_detail", kwargs={"authorisation_pk": authorisation_pk})


def _decide(request: HttpRequest, authorisation_pk: int, approve: bool) -> HttpResponse:
    authorisation = authorisation_for_user(request.user, authorisation_pk, decide=True)
    form = DecisionForm(request.POST)
    note = form.cleaned_data.get("note", "") if form.is_valid() else ""
    decide = services.authorisation_approve if approve else services.authorisation_refuse

    def run() -> str:
        decide(actor=request_user(request), authorisation=authorisation, note=note)
        return f"{authorisation.reference} {'approved' if approve else 'refused'}."

    return _act(request, authorisation.pk, run)


@login_required
@require_POST
def authorisation_approve(request: HttpRequest, authorisation_pk: int) -> HttpResponse:
    return _decide(request, authorisation_pk, approve=True)


@login_required
@require_POST
def authorisation_refuse(request: HttpRequest, authorisation_pk: int) -> HttpResponse:
    return _decide(request, authorisation_pk, approve=False)


@login_required
@require_POST
def authorisation_review(request: HttpRequest, authorisation_pk: int) -> HttpResponse:
    authorisation = authorisation_for_user(request.user, authorisation_pk, decide=True)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return invalid(request, _page(authorisation.pk), form)

    def run() -> str:
        review = services.authorisation_review(
            actor=request_user(request),
            authorisation=authorisation,
            outcome=form.cleaned_data["outcome"],
            notes=form.cleaned_data["notes"],
        )
        return f"Review recorded: {review.get_outcome_display()}."

    return _act(request, authorisation.pk, run)


@login_required
@require_POST
def authorisation_end(request: HttpRequest, authorisation_pk: int) -> HttpResponse:
    authorisation = authorisation_for_user(request.user, authorisation_pk)
    form = EndForm(request.POST)
    if not form.is_valid():
        return invalid(request, _page(authorisation.pk), form)

    def run() -> str:
        services.authorisation_end(
            actor=request_user(request),
            authorisation=authorisation,
            reason=form.cleaned_data["reason"],
        )
        return f"{authorisation.reference} ended: monitoring stops now."

    return _act(request, authorisation.pk, run)


@login_required
@require_GET
def authorisation_search(request: HttpRequest, authorisation_pk: int) -> HttpResponse:
    """Search the subject's archived internet history; 403 with the reason unless the user
    is the investigator of an authorisation in force."""
    authorisation = authorisation_for_user(request.user, authorisation_pk)
    form = HistorySearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    search = services.HistorySearch(
        start=data.get("start"),
        end=data.get("end"),
        host=(data.get("host") or "").strip(),
        url=(data.get("url") or "").strip(),
        page=data.get("page") or 1,
        order=data.get("order") or "oldest",
    )
    try:
        result = services.authorisation_search(
            actor=request_user(request), authorisation=authorisation, search=search
        )
    except ServiceError as exc:
        if services.search_refusal_for(
            request_user(request), authorisation, services.today_at(authorisation.school)
        ):
            raise PermissionDenied(exc.message) from exc
        form.add_error(None, exc.message)
        result = None
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "incidents/authorisations/search.html",
        {"a": authorisation, "form": form, "result": result, "query": params.urlencode()},
    )
