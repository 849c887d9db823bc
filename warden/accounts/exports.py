"""The accounts list and the leavers' board as CSV or XLSX: each page's rows, filters and
access."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_GET

from warden.accounts.list_forms import NameSearchForm
from warden.accounts.models import Account
from warden.accounts.selectors import Leaver, accounts_list, leavers_for, leavers_queryset
from warden.accounts.views import account_filters
from warden.core.access import request_school, require_perm
from warden.core.exports import export_response, filtered_list_export, filters_described
from warden.core.roles import Perm
from warden.lib.exports import Column
from warden.people.models import Person

ACCOUNT_COLUMNS: list[Column[Account]] = [
    Column("Surname", lambda a: a.person.last_name),
    Column("First name", lambda a: a.person.first_name),
    Column("Type", lambda a: a.person.get_person_type_display()),
    Column("System", lambda a: a.system.name),
    Column("Username", lambda a: a.username),
    Column("State", lambda a: a.get_state_display()),
    Column("Requested", lambda a: a.requested_at),
    Column("Requested by", lambda a: a.requested_by),
    Column("Approved", lambda a: a.approved_at),
    Column("Approved by", lambda a: a.approved_by),
    Column("Active since", lambda a: a.activated_at),
    Column("Expires", lambda a: a.expires_at),
    Column("Removal deadline", lambda a: a.removal_deadline),
]

LEAVER_COLUMNS: list[Column[Leaver]] = [
    Column("Surname", lambda r: r.person.last_name),
    Column("First name", lambda r: r.person.first_name),
    Column("Type", lambda r: r.person.get_person_type_display()),
    Column("Leaving date", lambda r: r.person.leaving_date),
    Column("Leaving reason", lambda r: r.person.leaving_reason),
    Column("Overdue", lambda r: r.overdue),
    Column("Earliest deadline", lambda r: r.earliest),
    Column("Still to take back", lambda r: "; ".join(i.label for i in r.items if not i.done)),
    Column("Completed", lambda r: r.completion.completed_at if r.completion else None),
]


account_export = filtered_list_export(
    perm=Perm.ACCOUNTS_VIEW,
    name="accounts",
    title="Accounts at {school}",
    filtered=account_filters,
    listed=accounts_list,
    columns=ACCOUNT_COLUMNS,
)


@login_required
@require_GET
def leaver_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    school = request_school(request)
    require_perm(request.user, Perm.LEAVERS_VIEW, school)
    show_done = request.GET.get("done") == "1"
    search = NameSearchForm(request.GET)
    now = timezone.now()
    filters = filters_described(search)
    if show_done:
        filters.append(("Completed leavers", "shown"))

    def board(people: list[Person]) -> list[Leaver]:
        # The board's own read for a page of leavers, a chunk of the file at a time.
        return leavers_for(school, people, now=now)

    return export_response(
        request,
        fmt=fmt,
        school=school,
        name="leavers",
        title=f"Leavers at {school.name}",
        rows=leavers_queryset(school, now=now, include_done=show_done, q=search.query()),
        columns=LEAVER_COLUMNS,
        filters=filters,
        expand=board,
    )
