"""May this user see or change this publication record? Views go through these helpers only.

Each returns the object, or raises 404 (another school's record does not exist for you) or
403 (your role lacks the right), through ``core.access.object_for_user``.
"""

from __future__ import annotations

from warden.core.access import AnyUser, has_perm, object_for_user
from warden.core.models import School
from warden.core.roles import Perm
from warden.publication.models import (
    MediaSet,
    Post,
    PostImage,
    PublicationSettings,
    RecordingPermission,
    Removal,
)


def may_approve_posts(user: AnyUser, school: School) -> bool:
    """The social-media team: whoever holds the right to approve posts (the headteacher, the
    ICT manager), and the members the school names, who may submit posts themselves."""
    if has_perm(user, Perm.POSTS_APPROVE, school):
        return True
    return has_perm(user, Perm.POSTS_SUBMIT, school) and (
        PublicationSettings.objects.filter(school=school, social_media_team=user.pk).exists()
    )


def media_set_for_user(user: AnyUser, pk: int, *, change: bool = False) -> MediaSet:
    """A set of images to read: whoever records images, or whoever purges them (the SIRO
    reaches each set from the purge list). Only those who record may ``change`` a set."""
    sets = MediaSet.objects.select_related("school", "purpose", "recorded_by", "removed_by")
    school_id = MediaSet.objects.filter(pk=pk).values_list("school_id", flat=True).first()
    reading_as_manager = (
        not change and school_id is not None and has_perm(user, Perm.MEDIA_MANAGE, school_id)
    )
    perm = Perm.MEDIA_MANAGE if reading_as_manager else Perm.MEDIA_RECORD
    return object_for_user(sets, user, perm, pk=pk)


def removal_for_user(user: AnyUser, pk: int) -> Removal:
    return object_for_user(
        Removal.objects.select_related("school", "media_set"), user, Perm.MEDIA_MANAGE, pk=pk
    )


def recording_for_user(user: AnyUser, pk: int) -> RecordingPermission:
    return object_for_user(
        RecordingPermission.objects.select_related("school", "staff"),
        user,
        Perm.RECORDING_APPROVE,
        pk=pk,
    )


def post_for_user(user: AnyUser, pk: int, *, perm: str = Perm.POSTS_SUBMIT) -> Post:
    return object_for_user(
        Post.objects.select_related("school", "account", "submitted_by"), user, perm, pk=pk
    )


def post_image_for_user(user: AnyUser, pk: int) -> PostImage:
    return object_for_user(
        PostImage.objects.select_related("school", "post"), user, Perm.POSTS_SUBMIT, pk=pk
    )
