"""Filtering pages for looking after the filter: lists that update themselves, filtering
health, "check a site", and the DfE standards evidence for the annual review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.roles import Perm
from warden.monitoring.access.filtering import list_feed_for_user
from warden.monitoring.forms.filtering import CheckForm, FeedForm
from warden.monitoring.models.filtering import ListFeed
from warden.monitoring.selectors.filtering_check import site_check
from warden.monitoring.selectors.filtering_evidence import dfe_evidence
from warden.monitoring.selectors.filtering_health import filtering_health
from warden.monitoring.services.list_feeds import list_feed_create
from warden.monitoring.tasks.filtering import update_filter_list

# --- lists that update themselves ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def filter_feed_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.FILTERING_VIEW, school)
    can_manage = has_perm(request.user, Perm.FILTERING_MANAGE, school)
    form = FeedForm(request.POST or None)
    if request.method == "POST":
        require_perm(request.user, Perm.FILTERING_MANAGE, school)
        if form.is_valid():
            data = form.cleaned_data
            try:
                feed = list_feed_create(
                    actor=request_user(request),
                    school=school,
                    name=data["name"],
                    url=data["url"],
                    fmt=data["format"],
                    checksum_url=data["checksum_url"],
                    expected_checksum=data["expected_checksum"],
                    category=data["category"],
                )
            except ServiceError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, f"{feed.name} is added; it is downloaded at the next daily update."
                )
                return redirect("monitoring:filter_feed_list")
    return render(
        request,
        "monitoring/filtering/feed_list.html",
        {
            "school": school,
            "feeds": ListFeed.objects.filter(school=school).select_related("source"),
            "form": form if can_manage else None,
            "can_manage": can_manage,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def filter_feed_update(request: HttpRequest, list_feed_pk: int) -> HttpResponse:
    feed = list_feed_for_user(request.user, list_feed_pk, write=True)
    update_filter_list.enqueue(feed_id=feed.pk)
    messages.success(
        request,
        f"{feed.name} is being updated; this page shows the result once it has finished.",
    )
    return redirect("monitoring:filter_feed_list")


# --- health --------------------------------------------------------------------------------


@login_required
@require_GET
def filter_health(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.FILTERING_VIEW, school)
    return render(
        request,
        "monitoring/filtering/health.html",
        {
            "school": school,
            "health": filtering_health(school),
            "can_manage": has_perm(request.user, Perm.FILTERING_MANAGE, school),
        },
    )


# --- check a site --------------------------------------------------------------------------


@login_required
@require_GET
def filter_check(request: HttpRequest) -> HttpResponse:
    """What the filter does with a site for each group, and why; a teacher can ask for it
    to be unblocked from here with the request already filled in."""
    school = request_school(request)
    can_view = has_perm(request.user, Perm.FILTERING_VIEW, school)
    can_request = has_perm(request.user, Perm.FILTERING_REQUEST, school)
    if not (can_view or can_request):
        raise PermissionDenied("Checking sites is for staff who see or request filtering.")
    form = CheckForm(request.GET if "site" in request.GET else None, school=school)
    result = None
    if form.is_valid():
        try:
            result = site_check(school, form.cleaned_data["site"], group=form.cleaned_data["group"])
        except ServiceError as exc:
            form.add_error("site", exc.message)
    return render(
        request,
        "monitoring/filtering/check.html",
        {
            "school": school,
            "form": form,
            "result": result,
            "can_view": can_view,
            "can_request": can_request,
        },
        status=400 if form.errors else 200,
    )


# --- DfE standards evidence ------------------------------------------------------------------


@login_required
@require_GET
def filter_evidence(request: HttpRequest) -> HttpResponse:
    """The annual review's answers, in figures (governors read it)."""
    school = request_school(request)
    require_perm(request.user, Perm.FILTERING_CHANGELOG, school)
    return render(
        request,
        "monitoring/filtering/evidence.html",
        {"school": school, "evidence": dfe_evidence(school)},
    )
