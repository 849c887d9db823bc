"""Training confirmed by the person: staff e-mail links; the page a link opens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from warden.agreements.link_pages import public_link_page, refused
from warden.agreements.links import LinkRefused
from warden.core.access import request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.roles import GovernancePerm
from warden.governance.forms import ConfirmForm, LinkSendForm
from warden.governance.services import training_links as services
from warden.governance.views.helpers import course_people_form

REFUSED = "governance/training_confirm_refused.html"


@login_required
@require_http_methods(["GET", "POST"])
def send_links(request: HttpRequest) -> HttpResponse:
    """E-mail people who must take a course a link to confirm when they completed it."""
    school = request_school(request)
    require_perm(request.user, GovernancePerm.TRAINING_RECORD, school)
    form = course_people_form(request, LinkSendForm, school)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.training_links_send(
                actor=request_user(request),
                course=form.cleaned_data["course"],
                people=form.cleaned_data["people"],
                root=request.build_absolute_uri("/").rstrip("/"),
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            missing = result.without_email or []
            messages.success(
                request,
                f"{result.sent} link(s) e-mailed"
                + (f"; no e-mail address for {', '.join(missing)}." if missing else "."),
            )
            return redirect("governance:training")
    return render(
        request,
        "governance/training_links_send.html",
        {"school": school, "form": form},
        status=400 if form.errors else 200,
    )


@public_link_page(services.link_for_token)
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The page a training link opens: the course, the day it was completed, a typed name."""
    try:
        link = services.link_for_token(token)
    except LinkRefused as exc:
        return refused(request, exc, REFUSED)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            completion = services.training_link_use(
                token=token,
                typed_name=form.cleaned_data["typed_name"],
                completed_on=form.cleaned_data["completed_on"],
            )
        except LinkRefused as exc:
            return refused(request, exc, REFUSED)
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            return render(
                request,
                "governance/training_confirm_done.html",
                {"completion": completion, "school": link.school},
            )
    return render(
        request,
        "governance/training_confirm.html",
        {"link": link, "form": form, "school": link.school},
        status=400 if form.errors else 200,
    )
