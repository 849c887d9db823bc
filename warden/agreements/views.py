"""Pages for agreements, versions, signing and the signed-or-not lists."""

from __future__ import annotations

import mimetypes

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.agreements import services
from warden.agreements.access import (
    agreement_for_user,
    signature_for_user,
    signer_for_user,
    version_for_user,
)
from warden.agreements.draft_views import publish_posted, saved
from warden.agreements.forms import (
    AgreementCreateForm,
    CounterSignForm,
    DeskSignForm,
    PaperForm,
    PublishForm,
    SendLinksForm,
    SettingsForm,
    SheetForm,
    SignerFilterForm,
    SignForm,
    VersionForm,
)
from warden.agreements.link_pages import public_link_page, refused
from warden.agreements.models import Agreement, AgreementVersion, Audience, Method, VersionStatus
from warden.agreements.rules import State, audience_for, school_settings
from warden.agreements.sections import sections
from warden.agreements.selectors import (
    SignerFilter,
    agreements_overview,
    audience_people,
    audience_standings,
    missing_audiences,
)
from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.middleware import client_ip
from warden.core.roles import Perm
from warden.core.uploads import apply_upload_refusals, read_scan
from warden.people.models import YEAR_GROUP_CHOICES, Person

PAGE_SIZE = 50


def _root(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _posted(request: HttpRequest) -> QueryDict | None:
    # An empty POST (every box left blank) is still a submission.
    return request.POST if request.method == "POST" else None


def _user_agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:400]


# --- agreements and versions -------------------------------------------------------------


@login_required
@require_GET
def agreement_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.AGREEMENTS_VIEW, school)
    can_manage = has_perm(request.user, Perm.AGREEMENTS_MANAGE, school)
    return render(
        request,
        "agreements/agreement_list.html",
        {
            "school": school,
            "agreements": agreements_overview(school),
            "missing": missing_audiences(school),
            "can_manage": can_manage,
            "form": AgreementCreateForm() if can_manage else None,
            "settings": school_settings(school),
        },
    )


@login_required
@require_POST
def agreement_create(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.AGREEMENTS_MANAGE, school)
    form = AgreementCreateForm(request.POST)
    if form.is_valid():
        try:
            agreement = services.agreement_create(
                actor=request_user(request),
                school=school,
                audience=form.cleaned_data["audience"],
                title=form.cleaned_data["title"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{agreement} started with a draft to edit and publish.")
            return redirect("agreements:agreement_detail", agreement_pk=agreement.pk)
    else:
        messages.error(request, "Choose an audience for the new agreement.")
    return redirect("agreements:list")


@login_required
@require_POST
def starters_install(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.AGREEMENTS_MANAGE, school)
    added = services.starter_agreements_install(actor=request_user(request), school=school)
    messages.success(
        request, f"{added} starter agreement(s) added as drafts: read, adapt and publish them."
    )
    return redirect("agreements:list")


@login_required
@require_GET
def agreement_detail(request: HttpRequest, agreement_pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, agreement_pk)
    school = agreement.school
    return render(
        request,
        "agreements/agreement_detail.html",
        {
            "agreement": agreement,
            "versions": agreement.versions.select_related("published_by").order_by("-number"),
            "has_draft": agreement.versions.filter(status=VersionStatus.DRAFT).exists(),
            "can_manage": has_perm(request.user, Perm.AGREEMENTS_MANAGE, school),
            "can_record": has_perm(request.user, Perm.SIGNATURES_RECORD, school),
            "sections": sections(services.latest_published(agreement), request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def version_create(request: HttpRequest, agreement_pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, agreement_pk, perm=Perm.AGREEMENTS_MANAGE)
    latest = agreement.versions.order_by("-number").first()
    initial = {"label": "", "text": latest.text if latest else ""}
    form = VersionForm(_posted(request), initial=initial)
    version = saved(
        request,
        form,
        lambda data: services.version_create(
            actor=request_user(request), agreement=agreement, **data
        ),
    )
    if version is not None:
        messages.success(request, f"Draft {version} saved. Publish it when it is ready.")
        return redirect("agreements:version_detail", version_pk=version.pk)
    return render(request, "agreements/version_form.html", {"form": form, "agreement": agreement})


@login_required
@require_GET
def version_detail(request: HttpRequest, version_pk: int) -> HttpResponse:
    version = version_for_user(request.user, version_pk)
    can_manage = has_perm(request.user, Perm.AGREEMENTS_MANAGE, version.school)
    return render(
        request,
        "agreements/version_detail.html",
        {
            "version": version,
            "agreement": version.agreement,
            "can_manage": can_manage,
            "publish_form": PublishForm() if can_manage and not version.is_published else None,
            "signature_count": version.signatures.filter(counter_signs=None).count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def version_edit(request: HttpRequest, version_pk: int) -> HttpResponse:
    version = version_for_user(request.user, version_pk, perm=Perm.AGREEMENTS_MANAGE)
    if version.is_published:
        raise PermissionDenied(
            f"{version} is published, so its text cannot change. Write a new version instead."
        )
    initial = {"label": version.label, "text": version.text, "change_note": version.change_note}
    form = VersionForm(_posted(request), initial=initial)
    changed = saved(
        request,
        form,
        lambda data: services.version_update(actor=request_user(request), version=version, **data),
    )
    if changed is not None:
        messages.success(request, f"Draft {version} saved.")
        return redirect("agreements:version_detail", version_pk=version.pk)
    return render(
        request,
        "agreements/version_form.html",
        {"form": form, "agreement": version.agreement, "version": version},
    )


@login_required
@require_POST
def version_publish(request: HttpRequest, version_pk: int) -> HttpResponse:
    version = version_for_user(request.user, version_pk, perm=Perm.AGREEMENTS_MANAGE)
    form = PublishForm(request.POST)
    form.is_valid()
    publish_posted(
        request,
        version,
        lambda: services.version_publish(
            actor=request_user(request),
            version=version,
            requires_resign=bool(form.cleaned_data.get("requires_resign")),
        ),
    )
    return redirect("agreements:version_detail", version_pk=version.pk)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_settings(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.AGREEMENTS_MANAGE, school)
    current = school_settings(school)
    initial = {
        name: getattr(current, name)
        for name in (
            "renewal_enabled",
            "renewal_day",
            "renewal_month",
            "grace_days",
            "link_days",
            "reminder_days",
        )
    }
    form = SettingsForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_settings_update(
                actor=request_user(request), school=school, fields=form.cleaned_data
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Agreement settings saved.")
            return redirect("agreements:list")
    return render(request, "agreements/settings.html", {"form": form, "school": school})


# --- who has signed ----------------------------------------------------------------------


@login_required
@require_GET
def signers(request: HttpRequest, agreement_pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, agreement_pk)
    form, filters = signer_filters(request)
    rows = audience_standings(agreement, filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "agreement": agreement,
        "form": form,
        "page": page,
        "sort": filters.sort,
        "can_record": has_perm(request.user, Perm.SIGNATURES_RECORD, agreement.school),
    }
    htmx = getattr(request, "htmx", False)
    template = "agreements/signers.html#results" if htmx else "agreements/signers.html"
    return render(request, template, context)


def signer_filters(request: HttpRequest) -> tuple[SignerFilterForm, SignerFilter]:
    """The signer list's filters from the query string (its export reads them too)."""
    form = SignerFilterForm(request.GET or None)
    filters = SignerFilter()
    if form.is_valid():
        data = form.cleaned_data
        filters = SignerFilter(
            status=data["status"] or "",
            year_group=data["year_group"],
            form=data["form"] or "",
            q=data["q"] or "",
            sort=data["sort"] or "name",
        )
    return form, filters


def _group_words(agreement: Agreement, year_group: int | None, form: str) -> str:
    """How a page names the group links went to: "parents and carers of pupils in Year 7"."""
    parts = []
    if year_group is not None:
        parts.append(dict(YEAR_GROUP_CHOICES)[year_group])
    if form:
        parts.append(f"form {form}")
    where = f" in {' '.join(parts)}" if parts else ""
    if agreement.audience == Audience.PARENT and where:
        return f"parents and carers of pupils{where}"
    return f"{Audience(agreement.audience).label.lower()}{where}"


def _latest_or_refuse(agreement: Agreement) -> AgreementVersion:
    version = services.latest_published(agreement)
    if version is None:
        raise PermissionDenied(f"{agreement} has no published version yet; publish one first.")
    return version


@login_required
@require_http_methods(["GET", "POST"])
def send_links(request: HttpRequest, agreement_pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, agreement_pk, perm=Perm.SIGNATURES_RECORD)
    version = _latest_or_refuse(agreement)
    form = SendLinksForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        people = list(
            audience_people(agreement, year_group=data["year_group"], form=data["form"] or "")
        )
        group = _group_words(agreement, data["year_group"], data["form"] or "")
        if not people:
            messages.warning(
                request,
                f"No links sent: there are no {group} at {agreement.school.name}. "
                "Check the year group and form, or leave them empty to send to everyone.",
            )
            return redirect("agreements:send_links", agreement_pk=agreement.pk)
        result = services.signing_links_send(
            actor=request_user(request),
            version=version,
            people=people,
            root=_root(request),
            include_current=data["include_current"],
        )
        messages.success(
            request,
            f"{result.sent} signing link(s) e-mailed to {group}. {result.without_email} without "
            f"an e-mail address (print a QR sheet or sign at a desk); {result.already_current} "
            "already current.",
        )
        return redirect("agreements:signers", agreement_pk=agreement.pk)
    return render(
        request,
        "agreements/send_links.html",
        {"agreement": agreement, "version": version, "form": form},
    )


@login_required
@require_POST
def countersign_links(request: HttpRequest, agreement_pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, agreement_pk, perm=Perm.SIGNATURES_RECORD)
    if not agreement.is_pupil:
        raise PermissionDenied("Only pupils' agreements are counter-signed by parents.")
    result = services.countersign_links_send(
        actor=request_user(request), agreement=agreement, root=_root(request)
    )
    messages.success(
        request,
        f"{result.sent} counter-signing link(s) e-mailed to parents and carers; "
        f"{result.without_email} have no e-mail address.",
    )
    return redirect("agreements:signers", agreement_pk=agreement.pk)


@login_required
@require_http_methods(["GET", "POST"])
def qr_sheet(request: HttpRequest, agreement_pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, agreement_pk, perm=Perm.SIGNATURES_RECORD)
    version = _latest_or_refuse(agreement)
    form = SheetForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        people = list(
            audience_people(agreement, year_group=data["year_group"], form=data["form"] or "")
        )
        if not data["include_current"]:
            found = audience_standings(agreement, SignerFilter(status=State.CURRENT))
            current = set(found.values_list("person_id", flat=True))
            people = [p for p in people if p.pk not in current]
        created = services.sheet_links_create(
            actor=request_user(request), version=version, people=people
        )
        root = _root(request)
        cards = []
        for person, token in created:
            url = services.link_url(token, root=root)
            qr = segno.make(url, error="m").svg_inline(scale=3, title=f"Signing link for {person}")
            cards.append({"person": person, "url": url, "qr": qr})
        return render(
            request,
            "agreements/qr_sheet.html",
            {
                "agreement": agreement,
                "version": version,
                "cards": cards,
                "expires": school_settings(agreement.school).link_days,
            },
        )
    return render(
        request,
        "agreements/qr_sheet_form.html",
        {"agreement": agreement, "version": version, "form": form},
    )


# --- recording signatures ----------------------------------------------------------------


def _signable_version(request: HttpRequest, person: Person) -> AgreementVersion:
    """The version ``person`` signs now: their audience's, or the device loan one if asked."""
    audience = (
        Audience.DEVICE_LOAN
        if request.GET.get("for") == Audience.DEVICE_LOAN
        else audience_for(person)
    )
    agreement = (
        Agreement.objects.filter(school=person.school, audience=audience).first()
        if audience
        else None
    )
    if agreement is None:
        raise PermissionDenied(
            f"There is no agreement for {person} to sign at {person.school.name} yet."
        )
    return _latest_or_refuse(agreement)


@login_required
@require_http_methods(["GET", "POST"])
def desk_sign(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = signer_for_user(request.user, person_pk)
    version = _signable_version(request, person)
    form = DeskSignForm(_posted(request), initial={"typed_name": ""})
    if request.method == "POST" and form.is_valid():
        try:
            signature = services.signature_record(
                actor=request_user(request),
                person=person,
                version=version,
                typed_name=form.cleaned_data["typed_name"],
                confirmed=form.cleaned_data["confirmed"],
                method=Method.DESK,
                ip=client_ip(request),
                user_agent=_user_agent(request),
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{person}'s signature of {version} is recorded.")
            return redirect("agreements:signature_detail", signature_pk=signature.pk)
    return render(
        request,
        "agreements/desk_sign.html",
        {"person": person, "version": version, "form": form, "mode": "desk"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def paper_record(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = signer_for_user(request.user, person_pk)
    version = _signable_version(request, person)
    form = PaperForm(_posted(request), request.FILES if request.method == "POST" else None)
    apply_upload_refusals(request, form)
    if request.method == "POST" and form.is_valid():
        try:
            scan = read_scan(form.cleaned_data["scan"], field="scan", what="the scan")
            signature = services.signature_record(
                actor=request_user(request),
                person=person,
                version=version,
                typed_name=form.cleaned_data["typed_name"],
                confirmed=form.cleaned_data["confirmed"],
                method=Method.PAPER,
                ip=client_ip(request),
                user_agent=_user_agent(request),
                scan=scan,
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{person}'s paper form is recorded with its scan.")
            return redirect("agreements:signature_detail", signature_pk=signature.pk)
    return render(
        request,
        "agreements/desk_sign.html",
        {"person": person, "version": version, "form": form, "mode": "paper"},
    )


@login_required
@require_POST
def person_link(request: HttpRequest, person_pk: int) -> HttpResponse:
    person = signer_for_user(request.user, person_pk)
    version = _signable_version(request, person)
    if not person.email:
        messages.error(
            request, f"{person} has no e-mail address; sign at a desk or print a QR sheet."
        )
        return redirect("people:detail", person_pk=person.pk)
    try:
        services.signing_links_send(
            actor=request_user(request),
            version=version,
            people=[person],
            root=_root(request),
            include_current=True,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"A signing link for {version} is e-mailed to {person.email}.")
    return redirect("people:detail", person_pk=person.pk)


@login_required
@require_http_methods(["GET", "POST"])
def countersign_desk(request: HttpRequest, signature_pk: int) -> HttpResponse:
    signature = signature_for_user(request.user, signature_pk, perm=Perm.SIGNATURES_RECORD)
    if signature.is_counter_signature or not signature.agreement.is_pupil:
        raise PermissionDenied("Only a pupil's own signature is counter-signed.")
    parents = services.responsible_parents(signature.person)
    form = CounterSignForm(_posted(request), parents=parents)
    if request.method == "POST" and form.is_valid():
        try:
            counter = services.countersignature_record(
                actor=request_user(request),
                signature=signature,
                parent=form.cleaned_data["parent"],
                typed_name=form.cleaned_data["typed_name"],
                confirmed=form.cleaned_data["confirmed"],
                method=Method.DESK,
                ip=client_ip(request),
                user_agent=_user_agent(request),
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{counter.person}'s counter-signature is recorded.")
            return redirect("agreements:signature_detail", signature_pk=signature.pk)
    return render(
        request,
        "agreements/countersign_desk.html",
        {"signature": signature, "version": signature.version, "form": form, "parents": parents},
    )


@login_required
@require_POST
def countersign_link(request: HttpRequest, signature_pk: int) -> HttpResponse:
    signature = signature_for_user(request.user, signature_pk, perm=Perm.SIGNATURES_RECORD)
    if signature.is_counter_signature or not signature.agreement.is_pupil:
        raise PermissionDenied("Only a pupil's own signature is counter-signed.")
    try:
        sent = services.countersign_links_for(
            actor=request_user(request), signature=signature, root=_root(request)
        ).sent
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("agreements:signature_detail", signature_pk=signature.pk)
    if sent:
        messages.success(request, f"{sent} counter-signing link(s) e-mailed.")
    else:
        messages.error(
            request,
            "No parent or carer with parental responsibility and an e-mail address is linked; "
            "counter-sign at a desk instead.",
        )
    return redirect("agreements:signature_detail", signature_pk=signature.pk)


@login_required
@require_GET
def signature_detail(request: HttpRequest, signature_pk: int) -> HttpResponse:
    signature = signature_for_user(request.user, signature_pk)
    can_record = has_perm(request.user, Perm.SIGNATURES_RECORD, signature.school)
    counters = signature.counter_signatures.select_related("person", "recorded_by")
    return render(
        request,
        "agreements/signature_detail.html",
        {
            "signature": signature,
            "version": signature.version,
            "counters": counters,
            "can_record": can_record,
            "text_matches": signature.text_sha256 == signature.version.sha256,
        },
    )


@login_required
@require_GET
def signature_scan(request: HttpRequest, signature_pk: int) -> FileResponse:
    signature = signature_for_user(request.user, signature_pk)
    if not signature.scan:
        raise Http404("This signature has no scan.")
    content_type = mimetypes.guess_type(signature.scan_name)[0] or "application/octet-stream"
    return FileResponse(
        signature.scan.open("rb"),
        content_type=content_type,
        filename=signature.scan_name,
        as_attachment=False,
    )


# --- the public signing page -------------------------------------------------------------


@public_link_page(services.link_for_token)
def public_sign(request: HttpRequest, token: str) -> HttpResponse:
    """The page a signing link opens: the exact text, the typed name and a tick."""
    try:
        link = services.link_for_token(token)
    except services.LinkRefused as exc:
        return refused(request, exc, "agreements/public_refused.html")
    form = SignForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            signature = services.signing_link_use(
                token=token,
                typed_name=form.cleaned_data["typed_name"],
                confirmed=form.cleaned_data["confirmed"],
                ip=client_ip(request),
                user_agent=_user_agent(request),
            )
        except services.LinkRefused as exc:
            return refused(request, exc, "agreements/public_refused.html")
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            return render(
                request,
                "agreements/public_done.html",
                {"signature": signature, "school": link.school},
            )
    pupil = link.counter_signs.person if link.counter_signs_id and link.counter_signs else None
    return render(
        request,
        "agreements/public_sign.html",
        {
            "link": link,
            "version": link.version,
            "form": form,
            "pupil": pupil,
            "school": link.school,
            "sections": sections(link.version, None),
        },
    )
