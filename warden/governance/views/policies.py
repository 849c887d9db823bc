"""The policy register: the list, a policy with its versions, adding versions and triggers."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.roles import GovernancePerm
from warden.core.uploads import apply_upload_refusals
from warden.governance import selectors
from warden.governance.access import policy_for_user, policy_version_for_user
from warden.governance.forms import (
    LinkForm,
    PolicyEditForm,
    PolicyForm,
    TriggerForm,
    VersionForm,
)
from warden.governance.services import policies as services
from warden.governance.views.helpers import shows_names


def _register(
    request: HttpRequest, *, form: PolicyForm | None = None, status: int = 200
) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, GovernancePerm.READ, school)
    can_manage = has_perm(request.user, GovernancePerm.POLICIES_MANAGE, school)
    return render(
        request,
        "governance/policy_list.html",
        {
            "school": school,
            "policies": selectors.policies(school),
            "today": timezone.localdate(),
            "can_manage": can_manage,
            "names": shows_names(request, school),
            "form": (form or PolicyForm(school=school)) if can_manage else None,
        },
        status=status,
    )


@login_required
@require_GET
def policy_list(request: HttpRequest) -> HttpResponse:
    return _register(request)


@login_required
@require_POST
def policy_create(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, GovernancePerm.POLICIES_MANAGE, school)
    if "starters" in request.POST:
        added = services.starter_policies_install(actor=request_user(request), school=school)
        messages.success(request, f"{added} starter polic{'y' if added == 1 else 'ies'} added.")
        return redirect("governance:policy_list")
    form = PolicyForm(request.POST, school=school)
    if form.is_valid():
        try:
            policy = services.policy_create(
                actor=request_user(request), school=school, **form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{policy} added: add its approved version next.")
            return redirect("governance:policy_detail", policy_pk=policy.pk)
    return _register(request, form=form, status=400)


def _detail(
    request: HttpRequest,
    policy_pk: int,
    *,
    edit: PolicyEditForm | None = None,
    version: VersionForm | None = None,
    trigger: TriggerForm | None = None,
    status: int = 200,
) -> HttpResponse:
    policy = policy_for_user(request.user, policy_pk)
    school = policy.school
    can_manage = has_perm(request.user, GovernancePerm.POLICIES_MANAGE, school)
    names = shows_names(request, school)
    if can_manage:
        edit = edit or PolicyEditForm(
            school=school,
            initial={
                "owner": policy.owner,
                "approving_body": policy.approving_body,
                "next_review_on": policy.next_review_on,
            },
        )
        version = version or VersionForm(initial={"approving_body": policy.approving_body})
        trigger = trigger or TriggerForm()
    return render(
        request,
        "governance/policy_detail.html",
        {
            "policy": policy,
            "versions": policy.versions.prefetch_related("agreement_versions__agreement"),
            "triggers": policy.triggers.select_related("recorded_by", "resolved_by"),
            "today": timezone.localdate(),
            "can_manage": can_manage,
            "names": names,
            "edit_form": edit,
            "version_form": version,
            "trigger_form": trigger,
        },
        status=status,
    )


@login_required
@require_GET
def policy_detail(request: HttpRequest, policy_pk: int) -> HttpResponse:
    return _detail(request, policy_pk)


def _change(
    request: HttpRequest,
    policy_pk: int,
    form: PolicyEditForm | TriggerForm,
    change: Callable[..., object],
    done: str,
) -> HttpResponse:
    """Post ``form`` to a service that changes the policy: back to its page, or the page
    again with the form's errors in its place."""
    policy = policy_for_user(request.user, policy_pk, perm=GovernancePerm.POLICIES_MANAGE)
    if form.is_valid():
        try:
            change(actor=request_user(request), policy=policy, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, done.format(policy=policy))
            return redirect("governance:policy_detail", policy_pk=policy.pk)
    edit = form if isinstance(form, PolicyEditForm) else None
    trigger = form if isinstance(form, TriggerForm) else None
    return _detail(request, policy_pk, edit=edit, trigger=trigger, status=400)


@login_required
@require_POST
def policy_edit(request: HttpRequest, policy_pk: int) -> HttpResponse:
    school = policy_for_user(request.user, policy_pk).school
    form = PolicyEditForm(request.POST, school=school)
    return _change(request, policy_pk, form, services.policy_update, "{policy} changed.")


@login_required
@require_POST
def trigger_create(request: HttpRequest, policy_pk: int) -> HttpResponse:
    done = "The review of {policy} is brought forward to today."
    form = TriggerForm(request.POST)
    return _change(request, policy_pk, form, services.review_bring_forward, done)


@login_required
@require_POST
def version_create(request: HttpRequest, policy_pk: int) -> HttpResponse:
    policy = policy_for_user(request.user, policy_pk, perm=GovernancePerm.POLICIES_MANAGE)
    form = VersionForm(request.POST, request.FILES)
    if not apply_upload_refusals(request, form) and form.is_valid():
        try:
            upload = form.cleaned_data["document"]
            version = services.version_create(
                actor=request_user(request),
                policy=policy,
                label=form.cleaned_data["label"],
                text=form.cleaned_data["text"],
                document=services.read_document(upload) if upload else None,
                approving_body=form.cleaned_data["approving_body"],
                approved_on=form.cleaned_data["approved_on"],
                minute_reference=form.cleaned_data["minute_reference"],
                next_review_on=form.cleaned_data["next_review_on"],
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{version} added.")
            return redirect("governance:version_detail", policy_version_pk=version.pk)
    return _detail(request, policy_pk, version=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def version_detail(request: HttpRequest, policy_version_pk: int) -> HttpResponse:
    version = policy_version_for_user(request.user, policy_version_pk)
    school = version.school
    can_manage = has_perm(request.user, GovernancePerm.POLICIES_MANAGE, school)
    form = None
    if can_manage:
        initial = {"agreement_versions": list(version.agreement_versions.all())}
        form = LinkForm(
            request.POST if request.method == "POST" else None, school=school, initial=initial
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.version_link_agreements(
                    actor=request_user(request),
                    version=version,
                    agreement_versions=form.cleaned_data["agreement_versions"],
                )
            except ServiceError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "The agreements it is put into practice by are saved.")
                return redirect("governance:version_detail", policy_version_pk=version.pk)
    elif request.method == "POST":
        require_perm(request.user, GovernancePerm.POLICIES_MANAGE, school)
    return render(
        request,
        "governance/version_detail.html",
        {
            "version": version,
            "policy": version.policy,
            "linked": version.agreement_versions.select_related("agreement"),
            "names": shows_names(request, school),
            "form": form,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_GET
def version_document(request: HttpRequest, policy_version_pk: int) -> FileResponse:
    version = policy_version_for_user(request.user, policy_version_pk)
    if not version.document:
        raise Http404("This version has no document.")
    content_type = mimetypes.guess_type(version.document_name)[0] or "application/octet-stream"
    return FileResponse(
        version.document.open("rb"),
        content_type=content_type,
        filename=version.document_name,
        as_attachment=not content_type.startswith(("application/pdf", "text/")),
    )
