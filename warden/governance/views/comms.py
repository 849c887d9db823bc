"""The communications matrix: the page (printable) and its settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.roles import GovernancePerm
from warden.governance.forms import CommsForm
from warden.governance.selectors import comms_rows
from warden.governance.services.comms import comms_update


@login_required
@require_GET
def comms_matrix(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, GovernancePerm.COMMS_VIEW, school)
    return render(
        request,
        "governance/comms_matrix.html",
        {
            "school": school,
            "rows": comms_rows(school),
            "can_manage": has_perm(request.user, GovernancePerm.COMMS_MANAGE, school),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def comms_edit(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, GovernancePerm.COMMS_MANAGE, school)
    form = CommsForm(request.POST or None, rows=comms_rows(school))
    if request.method == "POST" and form.is_valid():
        try:
            changed = comms_update(actor=request_user(request), school=school, values=form.values())
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"The matrix is saved ({changed} row(s) changed).")
            return redirect("governance:comms_matrix")
    pairs = [(row, form[f"{row.key}_staff"], form[f"{row.key}_pupils"]) for row in form.rows]
    return render(
        request,
        "governance/comms_edit.html",
        {"school": school, "form": form, "pairs": pairs},
        status=400 if form.errors else 200,
    )
