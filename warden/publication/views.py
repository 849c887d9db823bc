"""The publication pages: the media register and its purge, recording on personal devices,
and posts for the website and social media."""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from warden.core.access import has_perm, request_school, request_user, require_perm
from warden.core.errors import ServiceError
from warden.core.forms import apply_service_errors
from warden.core.roles import Perm
from warden.core.uploads import apply_upload_refusals, read_scan
from warden.people.models import Person
from warden.publication import selectors
from warden.publication.access import (
    may_approve_posts,
    media_set_for_user,
    post_for_user,
    post_image_for_user,
    recording_for_user,
    removal_for_user,
)
from warden.publication.forms import (
    AccountForm,
    AddPupilsForm,
    DecisionForm,
    MediaSetForm,
    PostForm,
    RecordingForm,
    RetentionForm,
    SearchForm,
    TeamForm,
)
from warden.publication.models import Post, PostState, RecordingPermission, SocialAccount
from warden.publication.rules import is_web_address, post_checks
from warden.publication.services import media, posts, recording

PAGE_SIZE = 50


def _refusal_message(refused: list[tuple[Person, str]], purpose: str) -> str:
    who = "; ".join(f"{p.full_name}: {why}" for p, why in refused)
    return f"Not every pupil in this set may appear for {purpose}. {who}."


# --- the media register ---------------------------------------------------------------------


@login_required
@require_GET
def media_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.MEDIA_RECORD, school)
    search = SearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    page = Paginator(selectors.media_sets(school, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "publication/media_list.html",
        {
            "page": page,
            "search": search,
            "can_manage": has_perm(request.user, Perm.MEDIA_MANAGE, school),
            "removals": selectors.open_removals(school).count()
            if has_perm(request.user, Perm.MEDIA_MANAGE, school)
            else 0,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def media_create(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    user = request_user(request)
    require_perm(user, Perm.MEDIA_RECORD, school)
    form = MediaSetForm(request.POST or None, school=school, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            media_set = media.media_set_record(
                actor=user,
                school=school,
                title=data["title"],
                location=data["location"],
                purpose=data["purpose"],
                taken_on=data["taken_on"],
                pupils=data["all_pupils"],
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            refused = selectors.set_refusals(media_set)
            if refused:
                messages.error(request, _refusal_message(refused, media_set.purpose.name))
            else:
                messages.success(request, "Set recorded.")
            return redirect("publication:media_detail", media_pk=media_set.pk)
    return render(request, "publication/media_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def media_detail(request: HttpRequest, media_pk: int) -> HttpResponse:
    media_set = media_set_for_user(request.user, media_pk, change=request.method == "POST")
    user = request_user(request)
    school = media_set.school
    form = AddPupilsForm(request.POST or None, school=school, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            added = media.media_set_add_pupils(
                actor=user, media_set=media_set, pupils=form.cleaned_data["all_pupils"]
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            refused = selectors.set_refusals(media_set)
            if refused:
                messages.error(request, _refusal_message(refused, media_set.purpose.name))
            else:
                messages.success(request, f"{added} pupil{'s' if added != 1 else ''} added.")
            return redirect("publication:media_detail", media_pk=media_set.pk)
    can_manage = has_perm(user, Perm.MEDIA_MANAGE, school)
    return render(
        request,
        "publication/media_detail.html",
        {
            "set": media_set,
            "pupils": list(media_set.pupils.all()),
            "refused": selectors.set_refusals(media_set),
            "removals": list(media_set.removals.select_related("done_by")) if can_manage else [],
            "link": is_web_address(media_set.location),
            "form": form if has_perm(user, Perm.MEDIA_RECORD, school) else None,
        },
    )


@login_required
@require_GET
def purge(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    require_perm(request.user, Perm.MEDIA_MANAGE, school)
    page = Paginator(selectors.open_removals(school), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "publication/purge.html", {"page": page})


@login_required
@require_POST
def removal_done(request: HttpRequest, removal_pk: int) -> HttpResponse:
    removal = removal_for_user(request.user, removal_pk)
    try:
        media.removal_done(actor=request_user(request), removal=removal)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Ticked off: {removal.media_set.title}.")
    return redirect("publication:purge")


@login_required
@require_http_methods(["GET", "POST"])
def settings(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    user = request_user(request)
    require_perm(user, Perm.SCHOOL_CONFIGURE, school)
    current = media.publication_settings(school)
    posted = request.POST if request.method == "POST" else None
    saving_team = posted is not None and "social_media_team_form" in posted
    form = RetentionForm(
        None if saving_team else posted, initial={"retention_years": current.retention_years}
    )
    team = TeamForm(
        posted if saving_team else None,
        school=school,
        initial={"social_media_team": list(current.social_media_team.all()) if current.pk else []},
    )
    bound = team if saving_team else form
    if posted is not None and bound.is_valid():
        try:
            if saving_team:
                media.social_media_team_set(
                    actor=user, school=school, users=team.cleaned_data["social_media_team"]
                )
            else:
                media.publication_settings_update(actor=user, school=school, **form.cleaned_data)
        except ServiceError as exc:
            apply_service_errors(bound, exc)
        else:
            messages.success(request, "Team saved." if saving_team else "Retention saved.")
            return redirect("publication:settings")
    return render(request, "publication/settings.html", {"form": form, "team": team})


# --- recording on personal devices -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def recording_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    user = request_user(request)
    can_approve = has_perm(user, Perm.RECORDING_APPROVE, school)
    if not can_approve:
        require_perm(user, Perm.MEDIA_RECORD, school)
    own = Person.objects.filter(school=school, user=user).first()
    form = RecordingForm(request.POST or None, school=school, user=user) if can_approve else None
    if request.method == "POST":
        require_perm(user, Perm.RECORDING_APPROVE, school)
        assert form is not None
        if form.is_valid():
            try:
                recording.recording_permit(actor=user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "Permission recorded.")
                return redirect("publication:recording_list")
    items = RecordingPermission.objects.filter(school=school).select_related("staff", "agreed_by")
    if not can_approve:
        items = items.filter(staff__user=user)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(p, selectors.recording_state(p)) for p in page]
    return render(
        request,
        "publication/recording_list.html",
        {
            "page": page,
            "rows": rows,
            "form": form,
            "own": selectors.current_recording(school, own),
            "has_record": own is not None,
            "can_approve": can_approve,
        },
    )


@login_required
@require_POST
def recording_end(request: HttpRequest, recording_pk: int) -> HttpResponse:
    permission = recording_for_user(request.user, recording_pk)
    try:
        recording.recording_end(actor=request_user(request), permission=permission)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Permission ended.")
    return redirect("publication:recording_list")


# --- posts -------------------------------------------------------------------------------------


@login_required
@require_GET
def post_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    user = request_user(request)
    can_approve = may_approve_posts(user, school)
    if not can_approve:
        require_perm(user, Perm.POSTS_SUBMIT, school)
    items = Post.objects.filter(school=school).select_related("account", "submitted_by")
    if not can_approve:
        items = items.filter(submitted_by=user)
    state = request.GET.get("state", "")
    if state in PostState.values:
        items = items.filter(state=state)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "publication/post_list.html",
        {
            "page": page,
            "states": PostState.choices,
            "state": state,
            "can_approve": can_approve,
            "can_submit": has_perm(user, Perm.POSTS_SUBMIT, school),
            "waiting": selectors.posts_waiting(school).count() if can_approve else 0,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_create(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    user = request_user(request)
    require_perm(user, Perm.POSTS_SUBMIT, school)
    form = PostForm(request.POST or None, request.FILES or None, school=school, user=user)
    if request.method == "POST" and not apply_upload_refusals(request, form) and form.is_valid():
        data = form.cleaned_data
        try:
            images = [read_scan(f, field="images", what="each image") for f in data["images"]]
            post = posts.post_submit(
                actor=user,
                school=school,
                channel=data["channel"],
                account=data["account"],
                text=data["text"],
                pupils=data["all_pupils"],
                images=images,
            )
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            checks = post_checks(school, post.channel, post.text, list(post.pupils.all()))
            if checks.consent:
                who = "; ".join(f"{p.full_name}: {why}" for p, why in checks.consent)
                messages.error(
                    request,
                    f"Submitted, but it cannot be approved as it is: not every pupil shown has "
                    f"consent ({who}). Replace those images or take the pupils off.",
                )
            else:
                messages.success(request, "Submitted to the social-media team.")
            return redirect("publication:post_detail", post_pk=post.pk)
    return render(request, "publication/post_form.html", {"form": form})


def _readable_post(request: HttpRequest, post_pk: int) -> tuple[Post, bool]:
    post = post_for_user(request.user, post_pk)
    can_approve = may_approve_posts(request.user, post.school)
    if not can_approve and post.submitted_by_id != request.user.pk:
        raise PermissionDenied("Only whoever submitted a post and the social-media team see it.")
    return post, can_approve


@login_required
@require_GET
def post_detail(request: HttpRequest, post_pk: int) -> HttpResponse:
    post, can_approve = _readable_post(request, post_pk)
    pupils = list(post.pupils.all())
    return render(
        request,
        "publication/post_detail.html",
        {
            "post": post,
            "pupils": pupils,
            "images": list(post.images.all()),
            "checks": post_checks(post.school, post.channel, post.text, pupils),
            "decisions": list(post.decisions.select_related("by")),
            "can_approve": can_approve,
            "is_author": post.submitted_by_id == request.user.pk,
            "form": DecisionForm(),
        },
    )


@login_required
@require_POST
def post_decide(request: HttpRequest, post_pk: int) -> HttpResponse:
    post, can_approve = _readable_post(request, post_pk)
    state = request.POST.get("decision", "")
    # The author may withdraw their own post; every other step is the team's.
    if not can_approve and not (state == PostState.WITHDRAWN):
        raise PermissionDenied("Only the social-media team approves, refuses and publishes posts.")
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        posts.post_decide(actor=request_user(request), post=post, state=state, note=note)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Post {PostState(state).label.lower()}.")
    return redirect("publication:post_detail", post_pk=post.pk)


@login_required
@require_GET
def post_image(request: HttpRequest, image_pk: int) -> FileResponse:
    image = post_image_for_user(request.user, image_pk)
    _readable_post(request, image.post_id)
    content_type = mimetypes.guess_type(image.name)[0] or "application/octet-stream"
    return FileResponse(
        image.file.open("rb"), content_type=content_type, filename=image.name, as_attachment=False
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_list(request: HttpRequest) -> HttpResponse:
    school = request_school(request)
    user = request_user(request)
    require_perm(user, Perm.POSTS_APPROVE, school)
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            posts.social_account_add(actor=user, school=school, name=form.cleaned_data["name"])
        except ServiceError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Account added.")
            return redirect("publication:account_list")
    return render(
        request,
        "publication/account_list.html",
        {"accounts": SocialAccount.objects.filter(school=school), "form": form},
    )
