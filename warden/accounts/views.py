"""Pages for systems, accounts, leavers, suspensions, access reviews and the password check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.accounts import services
from warden.accounts.access import (
    account_for_user,
    hand_suspension_for_user,
    leaver_for_user,
    review_for_user,
    sync_for_user,
    system_for_user,
    token_for_user,
)
from warden.accounts.forms import (
    AccountFilterForm,
    AccountRequestForm,
    BulkForm,
    ExpiryForm,
    PasswordCheckForm,
    ReasonForm,
    RemotePeopleForm,
    ReviewForm,
    SecondFactorForm,
    SettingsForm,
    SupplyPasswordForm,
    SystemForm,
    expiry_from,
)
from warden.accounts.list_forms import NameSearchForm
from warden.accounts.models import (
    LIVE_STATES,
    AccessReview,
    Account,
    AccountState,
    ApiToken,
    HandStep,
    System,
    SystemKind,
)
from warden.accounts.passwords import candidate_problems
from warden.accounts.selectors import (
    SYSTEM_EXPORT_COLUMNS,
    AccountFilter,
    accounts_list,
    hand_suspensions_pending,
    leavers_for,
    leavers_queryset,
    name_search,
    past_grace_list,
    review_summary,
    reviews_overview,
    system_export_accounts,
    systems_at,
)
from warden.accounts.token_forms import ApiTokenForm
from warden.core import services as core_services
from warden.core.access import (
    has_perm,
    request_school,
    request_user,
    require_perm,
)
from warden.core.errors import ServiceError
from warden.core.exports import export_response
from warden.core.forms import apply_service_errors
from warden.core.models import School
from warden.core.passwords import school_policy
from warden.core.redirects import safe_next
from warden.core.roles import TWO_FACTOR_ROLES, Perm, Role
from warden.core.selectors import audit_history
from warden.people.models import Person, PersonType

PAGE_SIZE = 50


def _initial_system(system: System) -> dict[str, Any]:
    return {name: getattr(system, name) for name in services.SYSTEM_FIELDS}


# --- Systems --------------------------------------------------------------------------------


@login_required
@require_GET
def system_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.ACCOUNTS_VIEW, school)
    return render(
        request,
        "accounts/system_list.html",
        {
            "school": school,
            "systems": systems_at(school),
            "can_manage": has_perm(request.user, Perm.SYSTEMS_MANAGE, school),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def system_create(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.SYSTEMS_MANAGE, school)
    form = SystemForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            system = services.system_create(
                actor=request_user(request), school=school, fields=form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{system} added to the catalogue.")
            return redirect("accounts:system_detail", system_pk=system.pk)
    return render(request, "accounts/system_form.html", {"form": form, "school": school})


@login_required
@require_http_methods(["GET", "POST"])
def system_edit(request: HttpRequest, system_pk: int) -> HttpResponse:
    system = system_for_user(request.user, system_pk, perm=Perm.SYSTEMS_MANAGE)
    form = SystemForm(request.POST or None, school=system.school, initial=_initial_system(system))
    if request.method == "POST" and form.is_valid():
        try:
            services.system_update(
                actor=request_user(request), system=system, fields=form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{system} saved.")
            return redirect("accounts:system_detail", system_pk=system.pk)
    return render(request, "accounts/system_form.html", {"form": form, "system": system})


@login_required
@require_GET
def system_detail(request: HttpRequest, system_pk: int) -> HttpResponse:
    system = system_for_user(request.user, system_pk)
    school = system.school
    accounts = (
        Account.objects.filter(system=system)
        .exclude(state=AccountState.DELETED)
        .select_related("person")
        .order_by("person__last_name", "person__first_name")
    )
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/system_detail.html",
        {
            "system": system,
            "page": page,
            "remote_people": system.remote_people.order_by("last_name", "first_name"),
            "remote_form": RemotePeopleForm(
                school=school,
                user=request.user,
                initial={"people": list(system.remote_people.all())},
            ),
            "password_changes": system.password_changes.select_related("changed_by")[:20],
            "supply_form": SupplyPasswordForm(),
            "syncs": system.syncs.select_related("planned_by", "applied_by")[:10],
            "is_supply": system.kind == SystemKind.SUPPLY,
            "can_manage": has_perm(request.user, Perm.SYSTEMS_MANAGE, school),
            "can_provision": has_perm(request.user, Perm.ACCOUNTS_PROVISION, school),
            "can_sync": has_perm(request.user, Perm.DIRECTORY_SYNC, school),
        },
    )


@login_required
@require_POST
def system_remote_people(request: HttpRequest, system_pk: int) -> HttpResponse:
    system = system_for_user(request.user, system_pk, perm=Perm.SYSTEMS_MANAGE)
    form = RemotePeopleForm(request.POST, school=system.school, user=request.user)
    if form.is_valid():
        try:
            services.system_set_remote_people(
                actor=request_user(request), system=system, people=form.cleaned_data["people"]
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Named staff for remote access saved.")
    else:
        errors = form.errors.get("people") or ["Choose staff from the list."]
        messages.error(request, " ".join(str(error) for error in errors))
    return redirect("accounts:system_detail", system_pk=system.pk)


@login_required
@require_GET
def system_export(request: HttpRequest, system_pk: int) -> HttpResponseBase:
    system = system_for_user(request.user, system_pk, perm=Perm.ACCOUNTS_PROVISION)
    # A file to set a system up by hand from: the header comes first, nothing above it.
    return export_response(
        request,
        fmt="csv",
        school=system.school,
        name=f"{system.pk}-accounts",
        title=f"Accounts on {system.name}",
        rows=system_export_accounts(system),
        columns=SYSTEM_EXPORT_COLUMNS,
        described=False,
    )


@login_required
@require_POST
def supply_password_record(request: HttpRequest, system_pk: int) -> HttpResponse:
    system = system_for_user(request.user, system_pk, perm=Perm.ACCOUNTS_PROVISION)
    _run_posted(
        request,
        SupplyPasswordForm(request.POST),
        lambda data: services.supply_password_change_record(
            actor=request_user(request), system=system, reason=data["reason"]
        ),
        done="Password change recorded.",
        invalid="Say why the password was changed.",
    )
    return redirect("accounts:system_detail", system_pk=system.pk)


def _run_posted(
    request: HttpRequest,
    form: forms.Form,
    action: Callable[[dict[str, Any]], object],
    *,
    done: str,
    invalid: str,
) -> None:
    """Call ``action`` with a valid posted form's data and tell the user how it went: the
    service's refusal, ``done``, or ``invalid`` when the form itself was not filled in."""
    if not form.is_valid():
        messages.error(request, invalid)
        return
    try:
        action(form.cleaned_data)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)


# --- Directory sync -------------------------------------------------------------------------


@login_required
@require_POST
def sync_preview(request: HttpRequest, system_pk: int) -> HttpResponse:
    system = system_for_user(request.user, system_pk, perm=Perm.DIRECTORY_SYNC)
    try:
        sync = services.directory_sync_plan(actor=request_user(request), system=system)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:system_detail", system_pk=system.pk)
    return redirect("accounts:sync_detail", sync_pk=sync.pk)


@login_required
@require_GET
def sync_detail(request: HttpRequest, sync_pk: int) -> HttpResponse:
    sync = sync_for_user(request.user, sync_pk)
    return render(request, "accounts/sync_detail.html", {"sync": sync, "system": sync.system})


@login_required
@require_POST
def sync_apply(request: HttpRequest, sync_pk: int) -> HttpResponse:
    sync = sync_for_user(request.user, sync_pk)
    try:
        sync = services.directory_sync_apply(actor=request_user(request), sync=sync)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if sync.error:
            messages.error(request, f"Stopped after {sync.applied_count} changes: {sync.error}")
        else:
            messages.success(request, f"{sync.applied_count} changes applied to the directory.")
    return redirect("accounts:sync_detail", sync_pk=sync.pk)


# --- Accounts -------------------------------------------------------------------------------


@login_required
@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.ACCOUNTS_VIEW, school)
    form, filters = account_filters(request, school)
    page = Paginator(accounts_list(school, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "school": school,
        "sort": filters.sort,
        "can_request": has_perm(request.user, Perm.ACCOUNTS_REQUEST, school),
        "can_approve": has_perm(request.user, Perm.ACCOUNTS_APPROVE, school),
        "can_provision": has_perm(request.user, Perm.ACCOUNTS_PROVISION, school),
    }
    context["can_choose"] = context["can_approve"] or context["can_provision"]
    # What "All on this page" may take: the page's accounts a button here can move on.
    context["choosable"] = [
        a.pk
        for a in page
        if (a.state == AccountState.REQUESTED and context["can_approve"])
        or (a.state == AccountState.APPROVED and context["can_provision"])
    ]
    htmx = getattr(request, "htmx", False)
    template = "accounts/account_list.html#results" if htmx else "accounts/account_list.html"
    return render(request, template, context)


def account_filters(
    request: HttpRequest, school: School
) -> tuple[AccountFilterForm, AccountFilter]:
    """The accounts list's filters from the query string (its export reads them too)."""
    form = AccountFilterForm(request.GET or None, school=school)
    filters = AccountFilter()
    if form.is_valid():
        data = form.cleaned_data
        filters = AccountFilter(
            q=data["q"] or "",
            state=data["state"] or "",
            system=data["system"],
            person_type=data["person_type"] or "",
            year_group=data["year_group"],
            sort=data["sort"] or "name",
        )
    return form, filters


@login_required
@require_http_methods(["GET", "POST"])
def account_request(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.ACCOUNTS_REQUEST, school)
    initial = {}
    if request.GET.get("person"):
        initial["person"] = request.GET["person"]
    form = AccountRequestForm(request.POST or None, school=school, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.account_request(
                actor=request_user(request),
                person=data["person"],
                system=data["system"],
                username=data["username"],
                reason=data["reason"],
                expires_at=expiry_from(data["expires_on"], school),
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Requested {account}; it now waits for SLT approval.")
            return redirect("accounts:account_detail", account_pk=account.pk)
    return render(request, "accounts/account_request.html", {"form": form, "school": school})


@login_required
@require_GET
def account_detail(request: HttpRequest, account_pk: int) -> HttpResponse:
    account = account_for_user(request.user, account_pk)
    school = account.school
    refusal = None
    if account.state in {AccountState.APPROVED, AccountState.SUSPENDED, AccountState.DISABLED}:
        refusal = services.activation_check(account)
    history = None
    if has_perm(request.user, Perm.AUDIT_VIEW, school):
        history = audit_history(
            "accounts.account", account.pk, limit=30, reader=request.user, school=school
        )
    return render(
        request,
        "accounts/account_detail.html",
        {
            "account": account,
            "refusal": refusal,
            "history": history,
            "expiry_form": ExpiryForm(
                initial={
                    "expires_on": timezone.localtime(account.expires_at).date()
                    if account.expires_at
                    else None
                }
            ),
            "can_approve": has_perm(request.user, Perm.ACCOUNTS_APPROVE, school),
            "can_provision": has_perm(request.user, Perm.ACCOUNTS_PROVISION, school),
            "can_request": has_perm(request.user, Perm.ACCOUNTS_REQUEST, school),
        },
    )


def _account_step(
    request: HttpRequest, account_pk: int, perm: str, step: str, done: str
) -> HttpResponse:
    account = account_for_user(request.user, account_pk, perm=perm)
    actor = request_user(request)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        if step == "approve":
            services.account_approve(actor=actor, account=account)
        elif step == "activate":
            services.account_activate(actor=actor, account=account)
        elif step == "suspend":
            services.account_suspend(actor=actor, account=account, reason=reason)
        elif step == "reenable":
            services.account_reenable(actor=actor, account=account)
        elif step == "disable":
            services.account_disable(actor=actor, account=account, reason=reason)
        else:
            services.account_delete(actor=actor, account=account)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{account} {done}.")
    back = reverse("accounts:account_detail", kwargs={"account_pk": account.pk})
    return redirect(safe_next(request.POST.get("next"), back))


@login_required
@require_POST
def account_approve(request: HttpRequest, account_pk: int) -> HttpResponse:
    return _account_step(request, account_pk, Perm.ACCOUNTS_APPROVE, "approve", "approved")


@login_required
@require_POST
def account_activate(request: HttpRequest, account_pk: int) -> HttpResponse:
    return _account_step(request, account_pk, Perm.ACCOUNTS_PROVISION, "activate", "activated")


@login_required
@require_POST
def account_suspend(request: HttpRequest, account_pk: int) -> HttpResponse:
    return _account_step(request, account_pk, Perm.ACCOUNTS_PROVISION, "suspend", "suspended")


@login_required
@require_POST
def account_reenable(request: HttpRequest, account_pk: int) -> HttpResponse:
    return _account_step(request, account_pk, Perm.ACCOUNTS_PROVISION, "reenable", "re-enabled")


@login_required
@require_POST
def account_disable(request: HttpRequest, account_pk: int) -> HttpResponse:
    return _account_step(request, account_pk, Perm.ACCOUNTS_PROVISION, "disable", "disabled")


@login_required
@require_POST
def account_delete(request: HttpRequest, account_pk: int) -> HttpResponse:
    return _account_step(request, account_pk, Perm.ACCOUNTS_PROVISION, "delete", "deleted")


@login_required
@require_POST
def account_expiry(request: HttpRequest, account_pk: int) -> HttpResponse:
    account = account_for_user(request.user, account_pk, perm=Perm.ACCOUNTS_PROVISION)
    form = ExpiryForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the expiry as a date.")
    else:
        try:
            services.account_set_expiry(
                actor=request_user(request),
                account=account,
                expires_at=expiry_from(form.cleaned_data["expires_on"], account.school),
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Expiry saved.")
    return redirect("accounts:account_detail", account_pk=account.pk)


CHOSEN_ACTIONS = {"approve": "approved", "activate": "activated"}
BULK_PERMS = {
    "request": Perm.ACCOUNTS_REQUEST,
    "approve": Perm.ACCOUNTS_APPROVE,
    "activate": Perm.ACCOUNTS_PROVISION,
}


@login_required
@require_http_methods(["GET", "POST"])
def accounts_bulk(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    allowed = [a for a, p in BULK_PERMS.items() if has_perm(request.user, p, school)]
    if not allowed:
        require_perm(request.user, Perm.ACCOUNTS_REQUEST, school)
    form = BulkForm(
        request.POST or None,
        school=school,
        initial={"person_type": PersonType.PUPIL, "action": allowed[0]},
    )
    report = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        require_perm(request.user, BULK_PERMS[data["action"]], school)
        people = Person.objects.filter(school=school, person_type=data["person_type"])
        if data["year_group"] is not None:
            people = people.filter(year_group=data["year_group"])
        if data["joined_since"]:
            people = people.filter(joining_date__gte=data["joined_since"])
        try:
            report = services.accounts_bulk(
                actor=request_user(request),
                school=school,
                action=data["action"],
                people=people.order_by("last_name", "first_name", "pk"),
                systems=data["systems"],
                reason=data["reason"],
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
    return render(request, "accounts/bulk.html", {"form": form, "report": report, "school": school})


CHOSEN_SERVICES = {"approve": services.accounts_approve, "activate": services.accounts_activate}
# The state a step takes an account from: "all on this page" takes those of the page's
# accounts that are in it.
CHOSEN_FROM = {"approve": AccountState.REQUESTED, "activate": AccountState.APPROVED}


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


@login_required
@require_POST
def accounts_chosen(request: HttpRequest) -> HttpResponse:
    """Approve or activate the accounts ticked on the list (or all of the page's), each on
    its own; each outcome is said per account, a refusal with its next step."""
    school = request_school(request)
    action = request.POST.get("action", "")
    if action not in CHOSEN_ACTIONS:
        raise Http404("No such step for chosen accounts.")
    require_perm(request.user, BULK_PERMS[action], school)
    listed = accounts_list(school, AccountFilter())
    chosen = listed.filter(pk__in=_ids(request.POST.getlist("account")))
    if request.POST.get("all_on_page") == "1":
        page = _ids(request.POST.getlist("page_account"))
        chosen = chosen | listed.filter(pk__in=page, state=CHOSEN_FROM[action])
    back = safe_next(request.POST.get("next"), "accounts:account_list")
    if not chosen.exists():
        messages.error(request, "Tick the accounts to approve or activate first.")
        return redirect(back)
    try:
        report = CHOSEN_SERVICES[action](
            actor=request_user(request), school=school, accounts=chosen
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    _report_chosen(request, report, CHOSEN_ACTIONS[action])
    return redirect(back)


def _next_step_link(row: services.BulkRow) -> tuple[str, str] | None:
    """Where a refusal's next step is taken, and the link's words."""
    step = row.next_step
    if step is None:
        return None
    if step.where == "person":
        return reverse("people:detail", kwargs={"person_pk": row.person.pk}), f"{row.person}'s page"
    if step.where == "account" and row.account is not None:
        url = reverse("accounts:account_detail", kwargs={"account_pk": row.account.pk})
        return url, f"{row.account.username} on {row.system.name}"
    if step.where == "system":
        return reverse("accounts:system_detail", kwargs={"system_pk": row.system.pk}), str(
            row.system
        )
    if step.where == "agreements":
        return reverse("agreements:list"), "Agreements"
    return None


def _report_chosen(request: HttpRequest, report: services.BulkReport, verb: str) -> None:
    """Say what happened to each chosen account: those done, in one message; each refusal
    in the rule's words with its next step (and a link to where it is taken); each one
    skipped, and why."""
    done = [row for row in report.rows if row.outcome == "done"]
    if done:
        messages.success(request, f"{len(done)} account{pluralize(len(done))} {verb}.")
        names = "; ".join(f"{row.person} on {row.system.name}" for row in done)
        messages.info(request, f"{verb.capitalize()}: {names}.")
    for row in report.rows:
        if row.outcome == "refused":
            # A refusal names the person already ("Ada Joiner cannot activate: ...").
            text = f"{row.system.name}: {row.message}"
            if row.next_step is not None:
                text = row.next_step.after(text)
            link = _next_step_link(row)
            if link is None:
                messages.error(request, text)
            else:
                messages.error(request, format_html('{} <a href="{}">{}</a>', text, *link))
        elif row.outcome == "skipped":
            messages.info(request, f"{row.person} on {row.system.name}: {row.message}.")


# --- Leavers and the suspension list --------------------------------------------------------


LEAVERS_PAGE_SIZE = 25


@login_required
@require_GET
def leavers(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.LEAVERS_VIEW, school)
    show_done = request.GET.get("done") == "1"
    search = NameSearchForm(request.GET)
    now = timezone.now()
    page = Paginator(
        leavers_queryset(school, now=now, include_done=show_done, q=search.query()),
        LEAVERS_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    people = list(page.object_list)
    can_sync = has_perm(request.user, Perm.DIRECTORY_SYNC, school)
    return render(
        request,
        "accounts/leavers.html",
        {
            "school": school,
            "page": page,
            "leavers": leavers_for(school, people, now=now),
            "search": search,
            "show_done": show_done,
            "window": services.accounts_settings(school).removal_window_hours,
            "can_provision": has_perm(request.user, Perm.ACCOUNTS_PROVISION, school),
            # The dry run of what the deadline will write to each connected directory for
            # this page's leavers, for the ICT manager to check beforehand (it reads the
            # directory, never writes).
            "directory_previews": services.leaver_directory_preview(school, people=people)
            if can_sync
            else [],
            "now": now,
        },
    )


@login_required
@require_POST
def leaver_complete(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = leaver_for_user(request.user, person_pk)
    try:
        services.leaver_complete(
            actor=request_user(request), person=person, note=request.POST.get("note", "")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{person} is completed as a leaver.")
    return redirect("accounts:leavers")


@login_required
@require_http_methods(["GET", "POST"])
def leaver_disable_all(request: HttpRequest, person_pk: int) -> HttpResponse:
    """Disable every live account of one leaver: a page saying what will happen to each,
    then one action."""
    person = leaver_for_user(request.user, person_pk)
    wanted = request.POST.get("next") if request.method == "POST" else request.GET.get("next")
    back = safe_next(wanted, reverse("accounts:leavers"))
    if request.method == "GET":
        return render(
            request,
            "accounts/leaver_disable_all.html",
            {"person": person, "steps": services.leaver_disable_plan(person), "next": back},
        )
    try:
        report = services.leaver_accounts_disable(actor=request_user(request), person=person)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    count = len(report.disabled)
    if not count:
        messages.info(request, f"{person} has no live account left: nothing was changed.")
        return redirect(back)
    messages.success(request, f"{count} account{pluralize(count)} of {person} disabled.")
    for system in report.directories_written:
        messages.info(request, f"Written to the {system} directory.")
    for error in report.directory_errors:
        messages.error(
            request,
            f"The directory could not be written ({error}). The accounts are disabled in "
            "Warden; preview and apply a sync from the system's page once it can be reached.",
        )
    if report.by_hand:
        systems = ", ".join(a.system.name for a in report.by_hand)
        messages.info(
            request,
            f"Still to disable by hand: {systems}. Press “Done by hand” on the leaver's row "
            "once each is done.",
        )
    return redirect(back)


SUSPENSIONS_PAGE_SIZE = 50
# The tasks by hand shown at once; a search by name finds the others.
BY_HAND_SHOWN = 50


@login_required
@require_GET
def suspensions(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.ACCOUNTS_VIEW, school)
    search = NameSearchForm(request.GET)
    show_all = request.GET.get("all") == "1"
    listing = past_grace_list(school, q=search.query(), everyone=show_all)
    paginator = Paginator(listing.rows, SUSPENSIONS_PAGE_SIZE)
    if listing.count is not None:
        paginator.count = listing.count  # a cached property: known, not counted again
    page = paginator.get_page(request.GET.get("page"))
    by_hand = name_search(hand_suspensions_pending(school), search.query(), via="account__person__")
    return render(
        request,
        "accounts/suspensions.html",
        {
            "school": school,
            "page": page,
            "rows": services.suspension_candidates(school, late=listing.pairs(page.object_list)),
            "search": search,
            "show_all": show_all,
            "with_accounts": listing.with_accounts,
            "without_accounts": listing.without_accounts,
            "auto": services.accounts_settings(school).auto_suspend,
            "can_provision": has_perm(request.user, Perm.ACCOUNTS_PROVISION, school),
            "by_hand": by_hand[:BY_HAND_SHOWN],
            "by_hand_count": by_hand.count(),
        },
    )


@login_required
@require_POST
def suspensions_apply(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.ACCOUNTS_PROVISION, school)
    count = services.agreements_enforce(actor=request_user(request), school=school, force=True)
    messages.success(request, f"{count} accounts suspended.")
    return redirect("accounts:suspensions")


@login_required
@require_POST
def hand_suspension_done(request: HttpRequest, task_pk: int) -> HttpResponse:
    task = hand_suspension_for_user(request.user, task_pk)
    try:
        task = services.hand_suspension_done(actor=request_user(request), task=task)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        done = "disabled" if task.step == HandStep.DISABLE else "suspended"
        messages.success(
            request, f"{task.account.username} is recorded as {done} on {task.account.system}."
        )
    return redirect(safe_next(request.POST.get("next"), "accounts:suspensions"))


# --- Access reviews -------------------------------------------------------------------------


@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.ACCESS_REVIEW, school)
    return render(
        request, "accounts/review_list.html", {"school": school, "rows": reviews_overview(school)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_system(request: HttpRequest, system_pk: int) -> HttpResponse:
    system = system_for_user(request.user, system_pk, perm=Perm.ACCESS_REVIEW)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.access_review_record(
                actor=request_user(request),
                system=system,
                outcome=form.cleaned_data["outcome"],
                notes=form.cleaned_data["notes"],
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Review of {system} recorded.")
            return redirect("accounts:review_detail", review_pk=review.pk)
    holders = (
        Account.objects.filter(system=system, state__in=list(LIVE_STATES))
        .select_related("person")
        .order_by("person__person_type", "person__last_name", "person__first_name")
    )
    return render(
        request,
        "accounts/review_system.html",
        {
            "system": system,
            "summary": review_summary(system),
            "holders": Paginator(holders, 100).get_page(request.GET.get("page")),
            "form": form,
            "history": system.reviews.select_related("reviewed_by")[:10],
        },
    )


@login_required
@require_GET
def review_detail(request: HttpRequest, review_pk: int) -> HttpResponse:
    review: AccessReview = review_for_user(request.user, review_pk)
    return render(request, "accounts/review_detail.html", {"review": review})


# --- Settings and tokens --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def accounts_settings(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.SCHOOL_CONFIGURE, school)
    current = services.accounts_settings(school)
    form = SettingsForm(
        request.POST or None,
        initial={
            "removal_window_hours": current.removal_window_hours,
            "auto_suspend": current.auto_suspend,
            "password_max_age_days": current.password_max_age_days,
            "managed_change_reminder_days": current.managed_change_reminder_days,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.accounts_settings_update(
                actor=request_user(request), school=school, **form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Account settings saved.")
            return redirect("accounts:settings")
    return render(
        request,
        "accounts/settings.html",
        {
            "school": school,
            "form": form,
            "token_form": ApiTokenForm(),
            "tokens": ApiToken.objects.filter(school=school).select_related("created_by"),
            "second_factor_form": SecondFactorForm(
                initial={"exempt_roles": school.second_factor_exempt_roles}
            ),
            "always_second_factor": [Role(r).label for r in Role if r in TWO_FACTOR_ROLES],
        },
    )


@login_required
@require_POST
def second_factor_exemptions(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.SCHOOL_CONFIGURE, school)
    _run_posted(
        request,
        SecondFactorForm(request.POST),
        lambda data: core_services.school_set_second_factor_exemptions(
            actor=request_user(request), school=school, roles=data["exempt_roles"]
        ),
        done="Second-factor exemptions saved.",
        invalid="Choose roles from the list.",
    )
    return redirect("accounts:settings")


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.SCHOOL_CONFIGURE, school)
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        messages.error(request, f"The token was not made: {first}")
        return redirect("accounts:settings")
    try:
        token, raw = services.api_token_create(
            actor=request_user(request),
            school=school,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.expires_at(),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:settings")
    # Shown once, on this response only; Warden keeps only its hash.
    return render(request, "accounts/token_created.html", {"token": token, "raw": raw})


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_pk: int) -> HttpResponse:
    token = token_for_user(request.user, token_pk)
    services.api_token_revoke(actor=request_user(request), token=token)
    messages.success(request, f"Token {token} revoked.")
    return redirect("accounts:settings")


# --- Password check -------------------------------------------------------------------------


@sensitive_post_parameters("password")
@sensitive_variables("form")
@login_required
@require_http_methods(["GET", "POST"])
def password_check_page(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.DASHBOARD_VIEW, school)
    form = PasswordCheckForm(request.POST or None)
    problems: list[str] | None = None
    if request.method == "POST" and form.is_valid():
        problems = candidate_problems(school, form.cleaned_data["password"])
    context = {
        "form": PasswordCheckForm(),
        "problems": problems,
        "policy": school_policy(school).describe(),
        "school": school,
    }
    htmx = getattr(request, "htmx", False)
    template = "accounts/password_check.html#verdict" if htmx else "accounts/password_check.html"
    return render(request, template, context)
