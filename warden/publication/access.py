"""May this user see or change this publication record? Views go through these helpers only.

Each returns the object, or raises 404 (another school's record does not exist for you) or
403 (your role lacks the right), through ``core.access.object_for_user``.
"""

from __future__ import annotations

from warden.core.access import AnyUser, object_for_user
from warden.core.roles import Perm
from warden.publication.models import MediaSet, Post, PostImage, RecordingPermission, Removal


def media_set_for_user(user: AnyUser, pk: int) -> MediaSet:
    return object_for_user(
        MediaSet.objects.select_related("school", "purpose", "recorded_by", "removed_by"),
        user,
        Perm.MEDIA_RECORD,
        pk=pk,
    )


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
