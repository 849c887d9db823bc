"""The web filtering pages: groups, lists, entries, exceptions, requests, change log, and
the public block page the proxy sends blocked browsers to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.middleware import client_ip
from warden.core.models import School
from warden.core.registry import collect
from warden.core.roles import Perm
from warden.core.tenancy import reached_by_secret
from warden.core.uploads import apply_upload_refusals, upload_limit
from warden.engine.categories import BY_SLUG, ILLEGAL_SLUGS, shows_help_on_block
from warden.engine.lists import split_url
from warden.engine.policy import NO_POLICY_REASON
from warden.monitoring import conf
from warden.monitoring.access.filtering import (
    assignable_person_for_user,
    can_see_all_requests,
    filter_assignment_for_user,
    filter_entry_for_user,
    filter_exception_for_user,
    filter_group_for_user,
    filter_network_for_user,
    filter_request_for_user,
    filter_schedule_for_user,
    list_import_for_user,
    list_source_for_user,
)
from warden.monitoring.changelog import rows_naming_no_one
from warden.monitoring.filtering_rules import category_label
from warden.monitoring.forms.filtering import (
    ApproveForm,
    AssignForm,
    BlockReportForm,
    CategoryActionsForm,
    EntryForm,
    ExceptionForm,
    GroupForm,
    ListImportForm,
    NetworkForm,
    ReasonForm,
    RefuseForm,
    RequestForm,
    ScheduleForm,
    in_hours,
)
from warden.monitoring.models.filtering import FilterGroup, ListFormat, RequestStatus
from warden.monitoring.selectors.filtering import (
    assignments_in_force,
    category_table,
    changelog_at,
    entries_at,
    exceptions_at,
    groups_at,
    list_imports_at,
    lists_at,
    own_filter_group,
    requests_at,
    snapshot_status,
)
from warden.monitoring.selectors.filtering_check import site_check
from warden.monitoring.services import filtering as services
from warden.monitoring.tasks.filtering import import_filter_list
from warden.people.access import Detail, Kind, details_for

PAGE_SIZE = 50


def _group_fields(form: GroupForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("reason", None)
    return data


# --- groups --------------------------------------------------------------------------------


@login_required
@require_GET
def filter_group_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.FILTERING_VIEW, school)
    return render(
        request,
        "monitoring/filtering/group_list.html",
        {
            "school": school,
            "groups": groups_at(school),
            "status": snapshot_status(school),
            "can_manage": has_perm(request.user, Perm.FILTERING_MANAGE, school),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def filter_group_create(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.FILTERING_MANAGE, school)
    form = GroupForm(request.POST or None, initial={"safe_search": True, "position": 100})
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(
                actor=request_user(request), school=school, fields=_group_fields(form)
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Group {group.name} added. Now choose what it blocks.")
            return redirect("monitoring:filter_group_detail", filter_group_pk=group.pk)
    return render(request, "monitoring/filtering/group_form.html", {"form": form})


@login_required
@require_GET
def filter_group_detail(request: HttpRequest, filter_group_pk: int) -> HttpResponse:
    group = filter_group_for_user(request.user, filter_group_pk)
    can_manage = has_perm(request.user, Perm.FILTERING_MANAGE, group.school)
    current = {a.category: a.action for a in group.actions.all()}
    rows = [
        (category, "block" if category.illegal else current.get(category.slug, ""))
        for category in BY_SLUG.values()
    ]
    return render(
        request,
        "monitoring/filtering/group_detail.html",
        {
            "group": group,
            "rows": rows,
            "schedules": group.schedules.all(),
            "networks": group.networks.all(),
            "assignments": assignments_in_force(group=group),
            "can_manage": can_manage,
            "categories_form": CategoryActionsForm(current=current) if can_manage else None,
            "schedule_form": ScheduleForm() if can_manage else None,
            "network_form": NetworkForm() if can_manage else None,
            "delete_form": ReasonForm() if can_manage else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def filter_group_edit(request: HttpRequest, filter_group_pk: int) -> HttpResponse:
    group = filter_group_for_user(request.user, filter_group_pk, write=True)
    form = GroupForm(request.POST or None, initial=GroupForm.initial_for(group))
    if request.method == "POST" and form.is_valid():
        try:
            services.group_update(
                actor=request_user(request),
                group=group,
                fields=_group_fields(form),
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Group {group.name} saved.")
            return redirect("monitoring:filter_group_detail", filter_group_pk=group.pk)
    return render(request, "monitoring/filtering/group_form.html", {"form": form, "group": group})


@login_required
@require_POST
def filter_group_categories(request: HttpRequest, filter_group_pk: int) -> HttpResponse:
    group = filter_group_for_user(request.user, filter_group_pk, write=True)
    current = {a.category: a.action for a in group.actions.all()}
    form = CategoryActionsForm(request.POST, current=current)
    if form.is_valid():
        try:
            changes = services.group_set_categories(
                actor=request_user(request),
                group=group,
                actions=form.actions(),
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, "Categories saved." if changes else "Nothing changed in the categories."
            )
    else:
        messages.error(request, "Choose allow, block or report for each category.")
    return redirect("monitoring:filter_group_detail", filter_group_pk=group.pk)


@login_required
@require_POST
def filter_group_delete(request: HttpRequest, filter_group_pk: int) -> HttpResponse:
    group = filter_group_for_user(request.user, filter_group_pk, write=True)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for deleting the group.")
        return redirect("monitoring:filter_group_detail", filter_group_pk=group.pk)
    services.group_delete(
        actor=request_user(request), group=group, reason=form.cleaned_data["reason"]
    )
    messages.success(request, f"Group {group.name} deleted.")
    return redirect("monitoring:filter_group_list")


@login_required
@require_POST
def filter_schedule_add(request: HttpRequest, filter_group_pk: int) -> HttpResponse:
    return _add_to_group(
        request, filter_group_pk, ScheduleForm, services.schedule_add, "Time rule added."
    )


@login_required
@require_POST
def filter_schedule_remove(request: HttpRequest, filter_schedule_pk: int) -> HttpResponse:
    rule = filter_schedule_for_user(request.user, filter_schedule_pk)
    group_pk = rule.group_id
    services.schedule_remove(actor=request_user(request), rule=rule)
    messages.success(request, "Time rule removed.")
    return redirect("monitoring:filter_group_detail", filter_group_pk=group_pk)


@login_required
@require_POST
def filter_network_add(request: HttpRequest, filter_group_pk: int) -> HttpResponse:
    return _add_to_group(
        request, filter_group_pk, NetworkForm, services.network_add, "Address range added."
    )


def _add_to_group(
    request: HttpRequest,
    group_pk: int,
    form_class: type[forms.Form],
    service: Callable[..., object],
    done: str,
) -> HttpResponse:
    """A small form on the group's page (a time rule, an address range): on to the service,
    then back to the group with what happened."""
    group = filter_group_for_user(request.user, group_pk, write=True)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(actor=request_user(request), group=group, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done)
    else:
        messages.error(request, _form_problem(form))
    return redirect("monitoring:filter_group_detail", filter_group_pk=group.pk)


@login_required
@require_POST
def filter_network_remove(request: HttpRequest, filter_network_pk: int) -> HttpResponse:
    network = filter_network_for_user(request.user, filter_network_pk)
    group_pk = network.group_id
    services.network_remove(actor=request_user(request), network=network)
    messages.success(request, "Address range removed.")
    return redirect("monitoring:filter_group_detail", filter_group_pk=group_pk)


@login_required
@require_POST
def filter_assignment_add(request: HttpRequest, person_pk: int) -> HttpResponse:
    """Put a person in a filter group by name (from the filtering section of their page)."""
    person = assignable_person_for_user(request.user, person_pk)
    form = AssignForm(request.POST, school=person.school)
    if not form.is_valid():
        messages.error(request, f"The person was not moved: {_form_problem(form)}")
    else:
        try:
            assignment = services.filter_group_assign(
                actor=request_user(request),
                person=person,
                group=form.cleaned_data["group"],
                reason=form.cleaned_data["reason"],
                ends=form.cleaned_data["ends"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{person} is now in {assignment.group.name}.")
    return redirect("people:detail", person_pk=person.pk)


@login_required
@require_POST
def filter_assignment_remove(request: HttpRequest, filter_assignment_pk: int) -> HttpResponse:
    assignment = filter_assignment_for_user(request.user, filter_assignment_pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for taking the person out of the group.")
    else:
        try:
            services.filter_group_unassign(
                actor=request_user(request),
                assignment=assignment,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"{assignment.person} is back in the group their rules give them.",
            )
    if request.POST.get("next") == "person":
        return redirect("people:detail", person_pk=assignment.person_id)
    return redirect("monitoring:filter_group_detail", filter_group_pk=assignment.group_id)


def _form_problem(form: Any) -> str:
    for name, errors in form.errors.items():
        label = form.fields[name].label or name.replace("_", " ") if name in form.fields else ""
        return f"{label}: {errors[0]}" if label else str(errors[0])
    return "Check the form."


# --- categories and lists ------------------------------------------------------------------


@login_required
@require_GET
def filter_category_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.FILTERING_VIEW, school)
    rows = category_table(school)
    groups = [g for g, _ in rows[0].actions] if rows else []
    return render(
        request,
        "monitoring/filtering/category_list.html",
        {"school": school, "rows": rows, "groups": groups},
    )


@login_required
@require_GET
def filter_list_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.FILTERING_VIEW, school)
    return _lists_page(request, school, ListImportForm())


def _lists_page(
    request: HttpRequest, school: School, form: ListImportForm, status: int = 200
) -> HttpResponse:
    can_manage = has_perm(request.user, Perm.FILTERING_MANAGE, school)
    return render(
        request,
        "monitoring/filtering/list_list.html",
        {
            "school": school,
            "sources": lists_at(school),
            "imports": list_imports_at(school),
            "upload_limit": upload_limit(),
            "form": form if can_manage else None,
            "can_manage": can_manage,
        },
        status=status,
    )


@login_required
@require_POST
def filter_list_import(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.FILTERING_MANAGE, school)
    form = ListImportForm(request.POST, request.FILES)
    # A file over WARDEN_UPLOAD_MAX_MB was refused as it arrived; say so beside the field.
    apply_upload_refusals(request, form)
    if not form.is_valid():
        return _lists_page(request, school, form, status=400)
    data = form.cleaned_data
    try:
        job = services.list_import_queue(
            actor=request_user(request),
            school=school,
            fmt=data["format"],
            name=data["name"],
            category=data["category"],
            upload=data["file"] if data["format"] != ListFormat.UT1 else None,
            server_path=data["path"] if data["format"] == ListFormat.UT1 else "",
        )
    except ServiceError as exc:
        apply_service_errors(form, exc)
        return _lists_page(request, school, form, status=400)
    import_filter_list.enqueue(list_import_id=job.pk)
    return redirect("monitoring:filter_list_import_detail", list_import_pk=job.pk)


@login_required
@require_GET
def filter_list_import_detail(request: HttpRequest, list_import_pk: int) -> HttpResponse:
    """How far an import has got; htmx polls the progress part until it has finished."""
    job = list_import_for_user(request.user, list_import_pk)
    htmx = getattr(request, "htmx", False)
    template = "monitoring/filtering/list_import.html"
    return render(
        request, f"{template}#progress" if htmx else template, {"job": job, "school": job.school}
    )


@login_required
@require_POST
def filter_list_remove(request: HttpRequest, list_source_pk: int) -> HttpResponse:
    source = list_source_for_user(request.user, list_source_pk, write=True)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for removing the list.")
    else:
        services.list_remove(
            actor=request_user(request), source=source, reason=form.cleaned_data["reason"]
        )
        messages.success(request, f"List {source.name} is no longer used.")
    return redirect("monitoring:filter_list_list")


# --- the school's own entries --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def filter_entry_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.FILTERING_VIEW, school)
    can_manage = has_perm(request.user, Perm.FILTERING_MANAGE, school)
    form = EntryForm(request.POST or None, initial={"action": "block"})
    if request.method == "POST":
        require_perm(request.user, Perm.FILTERING_MANAGE, school)
        if form.is_valid():
            try:
                entry = services.entry_add(
                    actor=request_user(request), school=school, **form.cleaned_data
                )
            except ServiceError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"{entry} saved.")
                return redirect("monitoring:filter_entry_list")
    q = request.GET.get("q", "").strip()
    page = Paginator(entries_at(school, q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/filtering/entry_list.html",
        {
            "school": school,
            "page": page,
            "q": q,
            "form": form if can_manage else None,
            "remove_form": ReasonForm(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def filter_entry_remove(request: HttpRequest, filter_entry_pk: int) -> HttpResponse:
    entry = filter_entry_for_user(request.user, filter_entry_pk, write=True)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for removing the entry.")
    else:
        services.entry_remove(
            actor=request_user(request), entry=entry, reason=form.cleaned_data["reason"]
        )
        messages.success(request, f"{entry.value} removed from the school's list.")
    return redirect("monitoring:filter_entry_list")


# --- exceptions ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def filter_exception_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.FILTERING_VIEW, school)
    can_approve = has_perm(request.user, Perm.FILTERING_APPROVE, school)
    form = ExceptionForm(request.POST or None, school=school)
    if request.method == "POST":
        require_perm(request.user, Perm.FILTERING_APPROVE, school)
        if form.is_valid():
            try:
                exception = services.exception_create(
                    actor=request_user(request), school=school, **form.cleaned_data
                )
            except ServiceError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"{exception} is unblocked; it lapses by itself.")
                return redirect("monitoring:filter_exception_list")
    page = Paginator(exceptions_at(school), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/filtering/exception_list.html",
        {
            "school": school,
            "page": page,
            "now": timezone.now(),
            "form": form if can_approve else None,
            "revoke_form": ReasonForm(),
            "can_approve": can_approve,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def filter_exception_revoke(request: HttpRequest, filter_exception_pk: int) -> HttpResponse:
    exception = filter_exception_for_user(request.user, filter_exception_pk, write=True)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for ending the exception early.")
    else:
        try:
            services.exception_revoke(
                actor=request_user(request), exception=exception, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"The exception for {exception.site} has ended.")
    return redirect("monitoring:filter_exception_list")


# --- unblock requests ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def filter_request_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    user = request_user(request)
    sees_all = can_see_all_requests(user, school.pk)
    if not sees_all:
        require_perm(user, Perm.FILTERING_REQUEST, school)
    can_request = has_perm(user, Perm.FILTERING_REQUEST, school)
    # "Ask to unblock" on the check-a-site page arrives with the site and group filled in.
    prefill = {key: request.GET[key] for key in ("site", "group") if request.GET.get(key)}
    form = RequestForm(
        request.POST or None,
        school=school,
        own_group=own_filter_group(user, school),
        initial=prefill,
    )
    if request.method == "POST":
        require_perm(user, Perm.FILTERING_REQUEST, school)
        if form.is_valid():
            try:
                made = services.request_create(actor=user, school=school, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"Your request to unblock {made.site} is sent.")
                return redirect("monitoring:filter_request_detail", filter_request_pk=made.pk)
    requests = requests_at(school, mine_only_for=None if sees_all else user)
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/filtering/request_list.html",
        {
            "school": school,
            "page": page,
            "form": form if can_request else None,
            "sees_all": sees_all,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def filter_request_detail(request: HttpRequest, filter_request_pk: int) -> HttpResponse:
    unblock = filter_request_for_user(request.user, filter_request_pk)
    can_decide = (
        has_perm(request.user, Perm.FILTERING_APPROVE, unblock.school)
        and unblock.status == RequestStatus.PENDING
    )
    approve_form = None
    if can_decide:
        approve_form = ApproveForm(
            school=unblock.school,
            initial={
                "site": unblock.site,
                "group": unblock.group,
                "expires_at": timezone.localtime(unblock.wanted_until).replace(tzinfo=None),
            },
        )
    # The approver sees why the site is blocked, as "check a site" explains it.
    check = None
    for group in (unblock.group.slug if unblock.group else "", ""):
        try:  # the request's group, or every group if the policy in force lacks it
            check = site_check(unblock.school, unblock.url or unblock.site, group=group)
            break
        except ServiceError:
            continue
    return render(
        request,
        "monitoring/filtering/request_detail.html",
        {
            "unblock": unblock,
            "check": check,
            "can_view": has_perm(request.user, Perm.FILTERING_VIEW, unblock.school),
            "category_label": category_label(unblock.category) if unblock.category else "",
            "approve_form": approve_form,
            "refuse_form": RefuseForm() if can_decide else None,
        },
    )


@login_required
@require_POST
def filter_request_approve(request: HttpRequest, filter_request_pk: int) -> HttpResponse:
    unblock = filter_request_for_user(request.user, filter_request_pk, decide=True)
    form = ApproveForm(request.POST, school=unblock.school)
    if not form.is_valid():
        messages.error(request, _form_problem(form))
        return redirect("monitoring:filter_request_detail", filter_request_pk=unblock.pk)
    data = form.cleaned_data
    try:
        exception = services.request_approve(
            actor=request_user(request),
            request=unblock,
            expires_at=data["expires_at"],
            group=data["group"],
            all_groups=data["group"] is None,
            site=data["site"],
            note=data["note"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("monitoring:filter_request_detail", filter_request_pk=unblock.pk)
    messages.success(
        request,
        f"Approved: {exception} until {timezone.localtime(exception.expires_at):%d/%m/%Y %H:%M}.",
    )
    return redirect("monitoring:filter_request_list")


@login_required
@require_POST
def filter_request_refuse(request: HttpRequest, filter_request_pk: int) -> HttpResponse:
    unblock = filter_request_for_user(request.user, filter_request_pk, decide=True)
    form = RefuseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the request is refused.")
        return redirect("monitoring:filter_request_detail", filter_request_pk=unblock.pk)
    try:
        services.request_refuse(
            actor=request_user(request), request=unblock, note=form.cleaned_data["note"]
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Request refused.")
    return redirect("monitoring:filter_request_list")


# --- change log and snapshot ---------------------------------------------------------------


@login_required
@require_GET
def filter_changelog(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.FILTERING_CHANGELOG, school)
    entries = changelog_at(school)
    # Governors see figures only: no names of who changed what, or for whom.
    names = Detail.NAME in details_for(request.user, school, Kind.PUPIL)
    q = request.GET.get("q", "").strip()
    if q:
        found = Q(action__icontains=q)
        if names:
            found |= Q(actor_label__icontains=q) | Q(object_repr__icontains=q)
        entries = entries.filter(found)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page) if names else rows_naming_no_one(page, school)
    template = "monitoring/filtering/changelog.html"
    if getattr(request, "htmx", False):
        template += "#results"
    return render(request, template, {"school": school, "page": page, "rows": rows, "q": q})


@login_required
@require_http_methods(["GET", "POST"])
def filter_snapshot(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.FILTERING_VIEW, school)
    if request.method == "POST":
        require_perm(request.user, Perm.FILTERING_MANAGE, school)
        try:
            result = services.snapshot_publish(
                school=school, reason=f"published by {request_user(request).get_username()}"
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Policy published to {result.path}.")
        return redirect("monitoring:filter_snapshot")
    return render(
        request,
        "monitoring/filtering/snapshot.html",
        {
            "school": school,
            "status": snapshot_status(school),
            "can_manage": has_perm(request.user, Perm.FILTERING_MANAGE, school),
            "fail_open": conf.fail_open(),
        },
    )


# --- the block page (public) ---------------------------------------------------------------


def _blocked_site(url: str) -> str:
    authority, _ = split_url(url) if url else ("", "")
    if not authority:
        return ""
    try:
        return services.normalise_site(authority)[0]
    except ServiceError:
        return ""


@require_http_methods(["GET", "POST"])
@reached_by_secret(
    lambda request, school_slug: (
        School.objects.filter(slug=school_slug).values_list("pk", flat=True).first()
    )
)
def filter_blocked(request: HttpRequest, school_slug: str) -> HttpResponse:
    """Where the proxy sends a blocked browser. No sign-in: the pupil is not a Warden user.

    Names the site and the category in plain words, and lets the person report
    over-blocking, which becomes an unblock request for the school's approvers.
    """
    school = School.objects.select_related("trust").filter(slug=school_slug).first()
    if school is None:
        raise Http404("No such school.")
    params = request.POST if request.method == "POST" else request.GET
    url = params.get("url", "")[:2000]
    category = params.get("category", "")[:40]
    group_slug = params.get("group", "")[:40]
    # On the report form "reason" is the pupil's own words; the block reason rides along.
    reason = params.get("reason_code" if request.method == "POST" else "reason", "")[:300]
    site = _blocked_site(url)
    group = FilterGroup.objects.filter(school=school, slug=group_slug).first()
    no_policy = reason.startswith(NO_POLICY_REASON)
    # Illegal content is never unblocked; a page about self-harm, suicide, abuse or
    # radicalisation offers help instead of an unblock request (shows_help_on_block).
    welfare = shows_help_on_block(category)
    can_report = bool(site) and category not in ILLEGAL_SLUGS and not no_policy and not welfare
    form = BlockReportForm(request.POST or None)
    sent = None
    if request.method == "POST" and can_report and form.is_valid():
        try:
            sent = services.request_create(
                actor=None,
                school=school,
                site=site,
                url=url,
                reason=form.cleaned_data["reason"],
                wanted_until=in_hours(form.cleaned_data["hours"]),
                group=group,
                category=category if category in BY_SLUG else "",
                requester_name=form.cleaned_data["requester_name"],
                client_ip=client_ip(request),
                via_block_page=True,
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
    known = BY_SLUG.get(category)
    return render(
        request,
        "monitoring/filtering/blocked.html",
        {
            "school": school,
            "site": site,
            "url": url,
            "category": category,
            "category_label": known.label if known else "",
            "category_description": known.description if known else "",
            "illegal": category in ILLEGAL_SLUGS,
            "welfare": welfare,
            "help_sections": [
                section
                for provide in collect("block_page", "HELP")
                if (section := provide(school=school, category=category)) is not None
            ],
            "group": group,
            "group_slug": group_slug,
            "reason": reason,
            "no_policy": no_policy,
            "can_report": can_report,
            "form": form,
            "sent": sent,
        },
        status=400 if form.errors else 200,
    )
