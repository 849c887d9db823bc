"""Posts for the school's website and social-media accounts: submitted by staff, checked
and approved or refused by the social-media team, then published or withdrawn (ICT policy
§13g–h, e-safety policy §10). Every step is kept as a ``PostDecision``."""

from __future__ import annotations

import hashlib
import os

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from warden.core.audit import audit_log, diff, snapshot
from warden.core.errors import ServiceError
from warden.core.models import School, User
from warden.core.uploads import Scan
from warden.people.models import Person, PersonType
from warden.publication.models import (
    Channel,
    Post,
    PostDecision,
    PostImage,
    PostState,
    SocialAccount,
)
from warden.publication.rules import post_checks
from warden.publication.services.media import _words

MAX_IMAGES = 10
# What each image format's file begins with: a renamed document is not an image.
_SIGNATURES = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}

# Which steps may follow which.
_NEXT: dict[str, tuple[str, ...]] = {
    PostState.SUBMITTED: (PostState.APPROVED, PostState.REFUSED, PostState.WITHDRAWN),
    PostState.APPROVED: (PostState.PUBLISHED, PostState.WITHDRAWN),
    PostState.PUBLISHED: (PostState.WITHDRAWN,),
}


@transaction.atomic
def social_account_add(*, actor: User, school: School, name: str) -> SocialAccount:
    """Name one of the school's social-media accounts posts may go to."""
    if not _words(name):
        raise ServiceError(
            "Name the account, e.g. Facebook page or Instagram @ourschool.",
            field_errors={"name": ["Name the account."]},
        )
    try:
        with transaction.atomic():
            account = SocialAccount.objects.create(school=school, name=_words(name)[:120])
    except IntegrityError:
        raise ServiceError(
            f"{school.name} already has an account named {_words(name)}.",
            field_errors={"name": ["This account is listed already."]},
        ) from None
    audit_log(
        actor=actor,
        action="social_account.added",
        obj=account,
        changes=diff({}, snapshot(account, ["name"])),
    )
    return account


def _check_images(images: list[Scan]) -> None:
    if len(images) > MAX_IMAGES:
        raise ServiceError(
            f"Attach at most {MAX_IMAGES} images to one post.",
            field_errors={"images": [f"Choose {MAX_IMAGES} images or fewer."]},
        )
    for image in images:
        kinds = _SIGNATURES.get(os.path.splitext(image.name)[1].lower())
        if kinds is None or not image.content.startswith(kinds):
            message = (
                f"{image.name} is not a PNG or JPEG image; save it as one and attach it again."
            )
            raise ServiceError(message, field_errors={"images": [message]})


def _record(post: Post, state: str, actor: User, note: str = "") -> None:
    PostDecision.objects.create(
        school_id=post.school_id,
        post=post,
        state=state,
        note=note[:500],
        by=actor,
        at=timezone.now(),
    )


@transaction.atomic
def post_submit(
    *,
    actor: User,
    school: School,
    channel: str,
    text: str,
    pupils: list[Person],
    images: list[Scan],
    account: SocialAccount | None = None,
) -> Post:
    """Submit a post for the social-media team to check. Refused at once when its text gives
    the full name of a pupil it shows (ICT policy §13e); the consent check on the pupils
    shown runs here and again when it is approved, which it cannot be while one lacks
    consent."""
    if channel not in Channel.values:
        raise ServiceError("Choose where the post goes.", field_errors={"channel": ["Choose."]})
    if channel == Channel.SOCIAL:
        if account is None:
            message = "Choose which social-media account the post goes to."
            raise ServiceError(message, field_errors={"account": [message]})
    else:
        account = None
    if account is not None and account.school_id != school.pk:
        raise ServiceError("Choose one of this school's accounts.")
    if len(_words(text)) < 3:
        raise ServiceError(
            "Write the text of the post.", field_errors={"text": ["Write the text."]}
        )
    shown = list(dict.fromkeys(pupils))
    for pupil in shown:
        if pupil.school_id != school.pk or pupil.person_type != PersonType.PUPIL:
            raise ServiceError(f"{pupil} is not a pupil at {school.name}.")
    if shown and not images:
        raise ServiceError(
            "Attach the images that show these pupils, or take the pupils off the post.",
            field_errors={"images": ["Attach the images."]},
        )
    _check_images(images)
    checks = post_checks(school, channel, text, shown)
    if checks.names:
        raise ServiceError(checks.name_message(), field_errors={"text": [checks.name_message()]})
    post = Post.objects.create(
        school=school,
        channel=channel,
        account=account,
        text=text.strip(),
        state=PostState.SUBMITTED,
        submitted_by=actor,
        submitted_at=timezone.now(),
    )
    post.pupils.set(shown)
    for image in images:
        digest = hashlib.sha256(image.content).hexdigest()
        stored = PostImage(school=school, post=post, name=image.name[:200], sha256=digest)
        stored.file.save(
            f"{school.pk}-{digest[:12]}-{image.name}", ContentFile(image.content), save=False
        )
        stored.save()
    _record(post, PostState.SUBMITTED, actor)
    audit_log(
        actor=actor,
        action="post.submitted",
        obj=post,
        changes={
            **diff({}, snapshot(post, ["channel", "account", "text"])),
            "pupils": [None, len(shown)],
            "images": [None, len(images)],
        },
    )
    return post


@transaction.atomic
def post_decide(*, actor: User, post: Post, state: str, note: str = "") -> Post:
    """The next step of a post: approved (only when every check passes), refused (saying
    why), published, or withdrawn (saying why)."""
    post = Post.objects.select_for_update().get(pk=post.pk)
    if state not in _NEXT.get(post.state, ()):
        raise ServiceError(
            f"This post is {post.get_state_display().lower()}; it cannot be "
            f"{PostState(state).label.lower()} now."
        )
    note = _words(note)
    if state in (PostState.REFUSED, PostState.WITHDRAWN) and len(note) < 3:
        raise ServiceError(
            "Say why, so whoever wrote the post knows what to change.",
            field_errors={"note": ["Give the reason."]},
        )
    if state in (PostState.APPROVED, PostState.PUBLISHED):
        checks = post_checks(post.school, post.channel, post.text, list(post.pupils.all()))
        if checks.consent:
            who = "; ".join(f"{p.full_name}: {why}" for p, why in checks.consent)
            raise ServiceError(
                f"This post cannot go out: not every pupil shown has consent for "
                f"{post.get_channel_display().lower()} ({who}). Ask for images without them."
            )
        if checks.names:
            raise ServiceError(checks.name_message())
    old = post.state
    post.state = state
    post.save(update_fields=["state"])
    _record(post, state, actor, note)
    audit_log(
        actor=actor,
        action=(
            "post.approved"
            if state == PostState.APPROVED
            else "post.refused"
            if state == PostState.REFUSED
            else "post.published"
            if state == PostState.PUBLISHED
            else "post.withdrawn"
        ),
        obj=post,
        changes={"state": [old, state], "note": [None, note]},
    )
    return post
