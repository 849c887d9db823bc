"""The annual filtering and monitoring review: the list of years, one review, printing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.models import School
from warden.core.roles import GovernancePerm
from warden.governance.access import review_action_for_user, review_for_user
from warden.governance.forms import ActionForm, ReviewForm, ReviewStartForm
from warden.governance.models import FilteringReview
from warden.governance.review_checks import ANSWERS, DEFAULT_TEST_SITES
from warden.governance.services import reviews as services
from warden.governance.views.helpers import shows_names


def _years(school: School) -> list[int]:
    """The school years a review may be started for: this one and the last, if not begun."""
    this = services.school_year(timezone.localdate())
    started = set(FilteringReview.objects.filter(school=school).values_list("year", flat=True))
    return [year for year in (this, this - 1) if year not in started]


@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, GovernancePerm.READ, school)
    can_manage = has_perm(request.user, GovernancePerm.REVIEW_MANAGE, school)
    years = _years(school)
    return render(
        request,
        "governance/review_list.html",
        {
            "school": school,
            "reviews": FilteringReview.objects.filter(school=school),
            "can_manage": can_manage,
            "form": ReviewStartForm(
                years=years, initial={"test_sites": "\n".join(DEFAULT_TEST_SITES)}
            )
            if can_manage and years
            else None,
        },
    )


@login_required
@require_POST
def review_start(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, GovernancePerm.REVIEW_MANAGE, school)
    form = ReviewStartForm(request.POST, years=_years(school))
    if form.is_valid():
        try:
            review = services.review_start(
                actor=request_user(request),
                school=school,
                year=form.cleaned_data["year"],
                test_sites=form.cleaned_data["test_sites"].splitlines(),
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{review} started with today's figures.")
            return redirect("governance:review_detail", filtering_review_pk=review.pk)
    return render(
        request,
        "governance/review_list.html",
        {
            "school": school,
            "reviews": FilteringReview.objects.filter(school=school),
            "can_manage": True,
            "form": form,
        },
        status=400,
    )


def _initial(review: FilteringReview) -> dict[str, str]:
    initial = {"summary": review.summary}
    for p in review.participants:
        initial[f"who_{p['role']}"] = p["name"]
    for key, given in review.answers.items():
        initial[f"answer_{key}"] = given.get("answer", "")
        initial[f"evidence_{key}"] = given.get("evidence", "")
    return initial


def _context(
    request: HttpRequest,
    review: FilteringReview,
    *,
    form: ReviewForm | None = None,
    action_form: ActionForm | None = None,
) -> dict[str, Any]:
    can_edit = review.is_draft and has_perm(
        request.user, GovernancePerm.REVIEW_MANAGE, review.school
    )
    answer_words = dict(ANSWERS)
    checks = [
        {
            **check,
            "answer": answer_words.get(review.answers.get(check["key"], {}).get("answer", ""), ""),
            "evidence": review.answers.get(check["key"], {}).get("evidence", ""),
        }
        for check in review.snapshot.get("checks", [])
    ]
    if can_edit:
        form = form or ReviewForm(initial=_initial(review))
        action_form = action_form or ActionForm()
    return {
        "review": review,
        "school": review.school,
        "checks": checks,
        "participants": [
            (label, services.participants_by_role(review).get(key, []))
            for key, label in services.PARTICIPANT_ROLES
        ],
        "actions": review.actions.all(),
        "names": shows_names(request, review.school),
        "can_edit": can_edit,
        "can_manage": has_perm(request.user, GovernancePerm.REVIEW_MANAGE, review.school),
        "form": form if can_edit else None,
        "action_form": action_form if can_edit else None,
    }


def _render(
    request: HttpRequest,
    review: FilteringReview,
    *,
    form: ReviewForm | None = None,
    action_form: ActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _context(request, review, form=form, action_form=action_form)
    return render(request, "governance/review_detail.html", context, status=status)


@login_required
@require_GET
def review_detail(request: HttpRequest, filtering_review_pk: int) -> HttpResponse:
    return _render(request, review_for_user(request.user, filtering_review_pk))


@login_required
@require_GET
def review_print(request: HttpRequest, filtering_review_pk: int) -> HttpResponse:
    review = review_for_user(request.user, filtering_review_pk)
    return render(request, "governance/review_print.html", _context(request, review))


@login_required
@require_POST
def review_save(request: HttpRequest, filtering_review_pk: int) -> HttpResponse:
    review = review_for_user(request.user, filtering_review_pk, perm=GovernancePerm.REVIEW_MANAGE)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.review_update(
                actor=request_user(request),
                review=review,
                participants=form.participants(),
                answers=form.answers(),
                summary=form.cleaned_data["summary"],
            )
            if "complete" in request.POST:
                services.review_complete(actor=request_user(request), review=review)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, "The review is complete." if "complete" in request.POST else "Saved."
            )
            return redirect("governance:review_detail", filtering_review_pk=review.pk)
    return _render(request, review, form=form, status=400)


@login_required
@require_POST
def review_refresh(request: HttpRequest, filtering_review_pk: int) -> HttpResponse:
    review = review_for_user(request.user, filtering_review_pk, perm=GovernancePerm.REVIEW_MANAGE)
    try:
        services.review_refresh(actor=request_user(request), review=review)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The figures are read again from live data.")
    return redirect("governance:review_detail", filtering_review_pk=review.pk)


@login_required
@require_POST
def review_action_add(request: HttpRequest, filtering_review_pk: int) -> HttpResponse:
    review = review_for_user(request.user, filtering_review_pk, perm=GovernancePerm.REVIEW_MANAGE)
    form = ActionForm(request.POST)
    if form.is_valid():
        try:
            services.review_action_add(
                actor=request_user(request), review=review, **form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Action added.")
            return redirect("governance:review_detail", filtering_review_pk=review.pk)
    return _render(request, review, action_form=form, status=400)


@login_required
@require_POST
def review_action_done(request: HttpRequest, review_action_pk: int) -> HttpResponse:
    action = review_action_for_user(request.user, review_action_pk)
    try:
        services.review_action_done(actor=request_user(request), action=action)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("governance:review_detail", filtering_review_pk=action.review_id)
