"""The people register's pages: list, record, add, edit, leaving, parents."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.audit import audit_log
from warden.core.dashboard import Panel
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.models import School
from warden.core.registry import collect
from warden.core.roles import Perm
from warden.core.selectors import audit_history
from warden.people import services
from warden.people.access import (
    DETAIL_FIELDS,
    KINDS,
    Detail,
    details_for,
    guardianship_for_user,
    kind_of,
    person_details,
    person_for_user,
    sees_contacts_of_everyone,
    visible_fields,
)
from warden.people.choosers import listbox_label, scope_named, search
from warden.people.forms import GuardianForm, LeavingForm, PeopleFilterForm, PersonForm
from warden.people.models import Person, PersonType
from warden.people.selectors import PeopleFilter, forms_at, people_list

PAGE_SIZE = 50
# The id a chooser's list is built under, as its widget sent it.
CHOOSER_ID = re.compile(r"[A-Za-z][\w-]{0,80}")


@login_required
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.PEOPLE_VIEW, school)
    form, filters, people = people_filtered(request, school)
    by_kind = {kind: details_for(request.user, school, kind) for kind in KINDS}
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": [(p, by_kind[kind_of(p)]) for p in page],
        "school": school,
        "sort": filters.sort,
        "can_edit": has_perm(request.user, Perm.PEOPLE_EDIT, school),
    }
    htmx = getattr(request, "htmx", False)
    template = "people/person_list.html#results" if htmx else "people/person_list.html"
    return render(request, template, context)


def people_filtered(
    request: HttpRequest, school: School
) -> tuple[PeopleFilterForm, PeopleFilter, QuerySet[Person]]:
    """The register as the list page filters it from the query string (its export too)."""
    form = PeopleFilterForm(request.GET or None, forms_available=forms_at(school))
    filters = PeopleFilter()
    if form.is_valid():
        data = form.cleaned_data
        filters = PeopleFilter(
            q=data["q"] or "",
            person_type=data["person_type"] or "",
            year_group=data["year_group"],
            status=data["status"] or "",
            form=data["form"] or "",
            sort=data["sort"] or "name",
        )
    people = people_list(
        school,
        filters,
        # Search only what the reader may see: no finding a parent by an e-mail address.
        by_email=sees_contacts_of_everyone(request.user, school),
        by_mis_id=all(Detail.MIS_ID in details_for(request.user, school, k) for k in KINDS),
    )
    return form, filters, people


@login_required
@require_GET
def person_detail(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = person_for_user(request.user, person_pk)
    # Reading a personal record is itself recorded (UK GDPR accountability).
    audit_log(actor=request_user(request), action="person.viewed", obj=person)
    if person.person_type == PersonType.PUPIL:
        links = person.guardianships.select_related("parent")
    else:
        links = person.children_links.select_related("pupil")
    shown = person_details(request.user, person)
    hidden = visible_fields(frozenset(DETAIL_FIELDS)) - visible_fields(shown)
    history = None
    if has_perm(request.user, Perm.AUDIT_VIEW, person.school):
        # Only the entries and changed fields the reader may see; reads of this page are
        # left out, or the history would be mostly "viewed".
        history = audit_history(
            "people.person",
            person.pk,
            limit=20,
            reader=request.user,
            school=person.school,
            hidden=hidden,
            leave_out=("person.viewed",),
        )
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "shown": shown,
            "withheld": _has_withheld(person, hidden),
            "links": links,
            "history": history,
            "sections": person_sections(request, person),
            "can_edit": has_perm(request.user, Perm.PEOPLE_EDIT, person.school),
        },
    )


def _has_withheld(person: Person, hidden: frozenset[str]) -> bool:
    return any(getattr(person, name) not in (None, "") for name in hidden)


def person_sections(request: HttpRequest, person: Person) -> list[Panel]:
    """Sections other areas add to a person's page (accounts, agreements, equipment...).

    Each area lists ``(permission, provider)`` pairs as ``SECTIONS`` in its
    ``person_page.py``; a provider takes the request and the person and returns panels.
    """
    sections: list[Panel] = []
    for perm, provider in collect("person_page", "SECTIONS"):
        if has_perm(request.user, perm, person.school):
            sections.extend(provider(request, person))
    return sorted(sections, key=lambda p: (p.order, p.title))


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.PEOPLE_EDIT, school)
    initial = {"person_type": request.GET.get("type", PersonType.PUPIL)}
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(
                actor=request_user(request), school=school, fields=form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{person} added to the register.")
            return redirect("people:detail", person_pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "school": school})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = person_for_user(request.user, person_pk, write=True)
    form = PersonForm(request.POST or None, instance=None, initial=_initial(person))
    # An editor changes only what they may see; the other fields stay as they are.
    shown = visible_fields(person_details(request.user, person))
    for name in [name for name in form.fields if name not in shown]:
        del form.fields[name]
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(
                actor=request_user(request), person=person, fields=form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{person}'s record is saved.")
            return redirect("people:detail", person_pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": person})


def _initial(person: Person) -> dict[str, object]:
    return {name: getattr(person, name) for name in PersonForm.Meta.fields}


@login_required
@require_http_methods(["GET", "POST"])
def person_leaving(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = person_for_user(request.user, person_pk, write=True)
    form = LeavingForm(
        request.POST or None,
        initial={"leaving_date": person.leaving_date, "leaving_reason": person.leaving_reason},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.person_set_leaving(
                actor=request_user(request),
                person=person,
                leaving_date=form.cleaned_data["leaving_date"],
                reason=form.cleaned_data["leaving_reason"],
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{person} is recorded as leaving.")
            return redirect("people:detail", person_pk=person.pk)
    return render(request, "people/person_leaving.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def guardian_add(request: HttpRequest, person_pk: int) -> HttpResponse:
    pupil = person_for_user(request.user, person_pk, write=True)
    if pupil.person_type != PersonType.PUPIL:
        raise PermissionDenied("Parents and carers are linked from the pupil's record.")
    form = GuardianForm(request.POST or None, school=pupil.school, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.guardian_link(actor=request_user(request), pupil=pupil, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['parent']} linked to {pupil}.")
            return redirect("people:detail", person_pk=pupil.pk)
    return render(request, "people/guardian_form.html", {"form": form, "pupil": pupil})


@login_required
@require_POST
def guardian_remove(request: HttpRequest, link_pk: int) -> HttpResponse:
    link = guardianship_for_user(request.user, link_pk)
    pupil_pk = link.pupil_id
    services.guardian_unlink(actor=request_user(request), link=link)
    messages.success(request, "Link removed.")
    return redirect("people:detail", person_pk=pupil_pk)


@login_required
@require_GET
def person_choose(request: HttpRequest) -> HttpResponse:
    """The people a person chooser offers for the words typed (htmx fills its list).

    The browser names a scope and nothing else about whom to search: the scope says who is
    offered and which rights the user needs at their acting school.
    """
    school = request_school(request)
    scope = scope_named(request.GET.get("scope", ""))
    if scope is None:
        raise Http404("No such list of people.")
    for perm in sorted(scope.perms):
        require_perm(request.user, perm, school)
    found = search(scope, school, request.GET.get("q", ""), user=request.user)
    prefix = request.GET.get("for", "")
    return render(
        request,
        "people/chooser/_results.html",
        {
            "prefix": prefix if CHOOSER_ID.fullmatch(prefix) else "chooser",
            "listbox_label": listbox_label(scope),
            "options": found.options,
            "message": found.message,
        },
    )
