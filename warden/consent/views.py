"""Pages for consent purposes, pupils' consent, the check before publishing, class lists,
coverage, and the page a parent's link opens."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.agreements.draft_views import publish_posted, saved
from warden.agreements.link_pages import public_link_page, refused
from warden.agreements.links import LinkRefused
from warden.agreements.models import Method, VersionStatus
from warden.consent import services
from warden.consent.access import pupil_for_user, purpose_for_user, version_for_user
from warden.consent.forms import (
    AnswerForm,
    CheckForm,
    ClassListForm,
    NewPurposeForm,
    PublishForm,
    PurposeForm,
    RecordForm,
    SendForm,
    VersionForm,
    answers_from,
)
from warden.consent.lines import csv_lines, resolve_pupils
from warden.consent.models import ConsentDecision, Purpose
from warden.consent.rules import consent_states
from warden.consent.selectors import (
    coverage,
    pupils_on_roll,
    purposes_of,
    refused_rows,
    school_forms,
)
from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.middleware import client_ip
from warden.core.roles import ConsentPerm
from warden.core.uploads import apply_upload_refusals, read_scan
from warden.people.models import Guardianship, Person


def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def _root(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


# --- purposes and their texts ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def purpose_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, ConsentPerm.VIEW, school)
    can_manage = has_perm(request.user, ConsentPerm.MANAGE, school)
    form = NewPurposeForm(_posted(request), initial={"pupil_from_age": 13})
    if request.method == "POST":
        require_perm(request.user, ConsentPerm.MANAGE, school)
        if form.is_valid():
            try:
                purpose = services.purpose_create(
                    actor=request_user(request), school=school, **form.cleaned_data
                )
            except ServiceError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"{purpose} added with a draft to read and publish.")
                return redirect("consent:purpose_detail", purpose_pk=purpose.pk)
    purposes = Purpose.objects.filter(school=school).prefetch_related("versions")
    return render(
        request,
        "consent/purpose_list.html",
        {"school": school, "purposes": purposes, "can_manage": can_manage, "form": form},
    )


@login_required
@require_POST
def starters_install(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, ConsentPerm.MANAGE, school)
    added = services.starter_purposes_install(actor=request_user(request), school=school)
    messages.success(request, f"{added} starter purpose(s) added as drafts: read and publish them.")
    return redirect("consent:purposes")


@login_required
@require_http_methods(["GET", "POST"])
def purpose_detail(request: HttpRequest, purpose_pk: int) -> HttpResponse:
    purpose = purpose_for_user(request.user, purpose_pk)
    can_manage = has_perm(request.user, ConsentPerm.MANAGE, purpose.school)
    initial = {name: getattr(purpose, name) for name in PurposeForm.base_fields}
    form = PurposeForm(_posted(request), initial=initial)
    if request.method == "POST":
        purpose = purpose_for_user(request.user, purpose_pk, perm=ConsentPerm.MANAGE)
        if form.is_valid():
            try:
                services.purpose_update(
                    actor=request_user(request), purpose=purpose, fields=form.cleaned_data
                )
            except ServiceError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"{purpose} saved.")
                return redirect("consent:purpose_detail", purpose_pk=purpose.pk)
    versions = purpose.versions.select_related("published_by").order_by("-number")
    return render(
        request,
        "consent/purpose_detail.html",
        {
            "purpose": purpose,
            "versions": versions,
            "latest": services.latest_published(purpose),
            "draft": versions.filter(status=VersionStatus.DRAFT).first(),
            "can_manage": can_manage,
            "form": form if can_manage else None,
            "publish_form": PublishForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def version_create(request: HttpRequest, purpose_pk: int) -> HttpResponse:
    purpose = purpose_for_user(request.user, purpose_pk, perm=ConsentPerm.MANAGE)
    latest = purpose.versions.order_by("-number").first()
    form = VersionForm(_posted(request), initial={"text": latest.text if latest else ""})
    draft = saved(
        request,
        form,
        lambda data: services.version_create(actor=request_user(request), purpose=purpose, **data),
    )
    if draft is not None:
        messages.success(request, f"Draft {draft} saved. Publish it when it is ready.")
        return redirect("consent:purpose_detail", purpose_pk=purpose.pk)
    return render(request, "consent/version_form.html", {"form": form, "purpose": purpose})


@login_required
@require_http_methods(["GET", "POST"])
def version_edit(request: HttpRequest, text_pk: int) -> HttpResponse:
    version = version_for_user(request.user, text_pk, perm=ConsentPerm.MANAGE)
    initial = {"label": version.label, "text": version.text, "change_note": version.change_note}
    form = VersionForm(_posted(request), initial=initial)
    changed = saved(
        request,
        form,
        lambda data: services.version_update(actor=request_user(request), version=version, **data),
    )
    if changed is not None:
        messages.success(request, f"Draft {version} saved.")
        return redirect("consent:purpose_detail", purpose_pk=version.purpose_id)
    return render(
        request,
        "consent/version_form.html",
        {"form": form, "purpose": version.purpose, "version": version},
    )


@login_required
@require_POST
def version_publish(request: HttpRequest, text_pk: int) -> HttpResponse:
    version = version_for_user(request.user, text_pk, perm=ConsentPerm.MANAGE)
    form = PublishForm(request.POST)
    form.is_valid()
    publish_posted(
        request,
        version,
        lambda: services.version_publish(
            actor=request_user(request),
            version=version,
            asks_again=bool(form.cleaned_data.get("asks_again")),
        ),
    )
    return redirect("consent:purpose_detail", purpose_pk=version.purpose_id)


# --- one pupil ---------------------------------------------------------------------------


def _pupil_states(pupil: Person) -> list[dict[str, object]]:
    return [
        {"purpose": purpose, "consent": consent_states(pupil.school, purpose, [pupil.pk])[pupil.pk]}
        for purpose in purposes_of(pupil.school)
    ]


@login_required
@require_GET
def pupil_consent(request: HttpRequest, pupil_pk: int) -> HttpResponse:
    pupil = pupil_for_user(request.user, pupil_pk)
    history = (
        ConsentDecision.objects.filter(pupil=pupil)
        .select_related("purpose", "decided_by", "recorded_by", "version")
        .order_by("-decided_at", "-pk")[:100]
    )
    return render(
        request,
        "consent/pupil.html",
        {
            "pupil": pupil,
            "rows": _pupil_states(pupil),
            "history": history,
            "can_record": has_perm(request.user, ConsentPerm.RECORD, pupil.school),
        },
    )


def _answerers(pupil: Person) -> list[Person]:
    links = Guardianship.objects.filter(pupil=pupil, parental_responsibility=True)
    return [link.parent for link in links.select_related("parent")] + [pupil]


@login_required
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest, pupil_pk: int) -> HttpResponse:
    pupil = pupil_for_user(request.user, pupil_pk, perm=ConsentPerm.RECORD)
    purposes = services.answerable_purposes(pupil.school)
    answerers = _answerers(pupil)
    form = RecordForm(
        _posted(request),
        request.FILES if request.method == "POST" else None,
        answerers=answerers,
        purposes=purposes,
    )
    apply_upload_refusals(request, form)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = next(p for p in answerers if p.pk == data["decided_by"])
        try:
            scan = (
                read_scan(data["scan"], field="scan", what="the scan")
                if data["method"] == Method.PAPER and data["scan"]
                else None
            )
            recorded = services.decisions_record(
                pupil=pupil,
                person=person,
                answers=answers_from(form, purposes),
                given=services.Given(
                    data["method"],
                    data["typed_name"],
                    actor=request_user(request),
                    ip=client_ip(request),
                    user_agent=str(request.META.get("HTTP_USER_AGENT", ""))[:400],
                    scan=scan,
                ),
                confirmed=data["confirmed"],
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{len(recorded)} answer(s) from {person} recorded.")
            return redirect("consent:pupil", pupil_pk=pupil.pk)
    return render(
        request,
        "consent/record.html",
        {"pupil": pupil, "form": form, "purposes": purposes},
    )


@login_required
@require_POST
def pupil_send(request: HttpRequest, pupil_pk: int) -> HttpResponse:
    pupil = pupil_for_user(request.user, pupil_pk, perm=ConsentPerm.RECORD)
    result = services.consent_requests_send(
        actor=request_user(request), pupils=[pupil], root=_root(request)
    )
    messages.success(
        request,
        f"{result.sent} consent link(s) e-mailed; {result.without_email} without an e-mail "
        "address (record their answers at the desk or from a paper form).",
    )
    return redirect("consent:pupil", pupil_pk=pupil.pk)


@login_required
@require_http_methods(["GET", "POST"])
def send_requests(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, ConsentPerm.RECORD, school)
    form = SendForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        pupils = pupils_on_roll(school).select_related("school")
        if form.cleaned_data["year_group"] is not None:
            pupils = pupils.filter(year_group=form.cleaned_data["year_group"])
        if form.cleaned_data["form_name"]:
            pupils = pupils.filter(form__iexact=form.cleaned_data["form_name"].strip())
        if "sheet" in request.POST:
            return _qr_slips(request, list(pupils))
        result = services.consent_requests_send(
            actor=request_user(request), pupils=list(pupils), root=_root(request)
        )
        messages.success(
            request,
            f"{result.sent} consent link(s) e-mailed; {result.without_email} parents or carers "
            f"have no e-mail address; {result.nothing_to_ask} pupil(s) had nothing to ask.",
        )
        return redirect("consent:coverage")
    return render(request, "consent/send.html", {"form": form, "school": school})


def _qr_slips(request: HttpRequest, pupils: list[Person]) -> HttpResponse:
    """Printable slips, one per parent or carer who has not answered, each with its own QR
    code: for families without e-mail, sent home in book bags."""
    slips = services.sheet_links_create(actor=request_user(request), pupils=pupils)
    root = _root(request)
    cards = []
    for slip in slips:
        url = services.link_url(slip.token, root=root)
        title = f"Consent link for {slip.person.full_name} about {slip.pupil.full_name}"
        qr = segno.make(url, error="m").svg_inline(scale=3, title=title)
        cards.append({"slip": slip, "url": url, "qr": qr})
    return render(
        request,
        "consent/qr_slips.html",
        {"cards": cards, "days": services.school_settings(request_school(request)).link_days},
    )


# --- the check before publishing, and class lists ----------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, ConsentPerm.CHECK, school)
    purposes = purposes_of(school)
    form = CheckForm(
        _posted(request),
        request.FILES if request.method == "POST" else None,
        purposes=purposes,
        forms_at_school=school_forms(school),
    )
    apply_upload_refusals(request, form)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lines: list[str] = []
        pupils: list[Person] = []
        if data["upload"]:
            lines = csv_lines(data["upload"].read())
        elif data["pasted"].strip():
            lines = data["pasted"].splitlines()
        elif data["form_name"] or data["year_group"] is not None:
            chosen = pupils_on_roll(school)
            if data["form_name"]:
                chosen = chosen.filter(form=data["form_name"])
            if data["year_group"] is not None:
                chosen = chosen.filter(year_group=data["year_group"])
            pupils = list(chosen.order_by("form", "last_name", "first_name"))
        else:
            form.add_error("pasted", "Pick a class or year group, paste a list or upload a CSV.")
        problems: list[tuple[int, str, str]] = []
        if lines:
            pupils, problems = resolve_pupils(school, lines)
        if form.is_valid():
            purpose = next(p for p in purposes if p.slug == data["purpose"])
            result = {
                "purpose": purpose,
                "checked": len(pupils),
                "refused": refused_rows(school, purpose, pupils),
                "problems": problems,
            }
    return render(request, "consent/check.html", {"form": form, "result": result, "school": school})


@login_required
@require_GET
def class_list(request: HttpRequest) -> HttpResponse:
    """The "not to be photographed" list for one class: every purpose, who may not appear
    and why, to print for a trip or an event or to carry on a phone."""
    school = request_school(request)
    require_perm(request.user, ConsentPerm.CHECK, school)
    form = ClassListForm(request.GET or None, forms_at_school=school_forms(school))
    sections = []
    if form.is_valid():
        pupils = list(
            pupils_on_roll(school)
            .filter(form=form.cleaned_data["form_name"])
            .order_by("last_name", "first_name")
        )
        sections = [
            {"purpose": purpose, "rows": refused_rows(school, purpose, pupils)}
            for purpose in purposes_of(school)
            if not purpose.is_never
        ]
    return render(
        request,
        "consent/class_list.html",
        {
            "form": form,
            "sections": sections,
            "school": school,
            "form_name": form.cleaned_data.get("form_name")
            if form.is_bound and form.is_valid()
            else "",
        },
    )


@login_required
@require_GET
def coverage_page(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, ConsentPerm.VIEW, school)
    return render(
        request,
        "consent/coverage.html",
        {
            "school": school,
            "rows": coverage(school),
            "can_send": has_perm(request.user, ConsentPerm.RECORD, school),
        },
    )


# --- the page a parent's link opens ------------------------------------------------------


@public_link_page(services.link_for_token)
def public_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The page a consent link opens: each purpose's words, yes or no to each, a typed
    name and a tick. Phone first."""
    try:
        link = services.link_for_token(token)
    except LinkRefused as exc:
        return refused(request, exc, "consent/public_refused.html")
    purposes = services.answerable_purposes(link.school)
    if link.person_id == link.pupil_id:
        purposes = [(p, v) for p, v in purposes if p.asks_pupil]
    states = {
        p.pk: consent_states(link.school, p, [link.pupil_id])[link.pupil_id] for p, _ in purposes
    }
    mine = {
        p.pk: next(
            (a.answer for a in states[p.pk].answerers if a.person_id == link.person_id), None
        )
        for p, _ in purposes
    }
    shown = {"yes": "yes", "no": "no", "withdrawn": "no"}
    initial = {f"answer_{p.slug}": shown[mine[p.pk] or ""] for p, _ in purposes if mine[p.pk]}
    form = AnswerForm(_posted(request), purposes=purposes, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            recorded = services.consent_link_use(
                token=token,
                answers=answers_from(form, purposes),
                typed_name=form.cleaned_data["typed_name"],
                confirmed=form.cleaned_data["confirmed"],
                ip=client_ip(request),
                user_agent=str(request.META.get("HTTP_USER_AGENT", ""))[:400],
                root=_root(request),
            )
        except LinkRefused as exc:
            return refused(request, exc, "consent/public_refused.html")
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            return render(
                request,
                "consent/public_done.html",
                {"recorded": recorded, "school": link.school, "link": link},
            )
    items = [
        {"purpose": p, "version": v, "field": form[f"answer_{p.slug}"], "mine": mine[p.pk]}
        for p, v in purposes
    ]
    return render(
        request,
        "consent/public_answer.html",
        {"link": link, "form": form, "items": items, "school": link.school},
    )
