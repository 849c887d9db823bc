"""May this user see or change this system, account, review or sync? Views ask here only."""

from __future__ import annotations

from warden.accounts.models import (
    AccessReview,
    Account,
    ApiToken,
    DirectorySync,
    HandSuspension,
    System,
)
from warden.core.access import AnyUser, object_for_user
from warden.core.roles import Perm
from warden.people.models import Person


def system_for_user(user: AnyUser, pk: int, *, perm: str = Perm.ACCOUNTS_VIEW) -> System:
    return object_for_user(System.objects.select_related("school", "owner"), user, perm, pk=pk)


def leaver_for_user(user: AnyUser, pk: int) -> Person:
    """A leaver to complete: someone whose accounts this user may remove."""
    return object_for_user(
        Person.objects.select_related("school"), user, Perm.ACCOUNTS_PROVISION, pk=pk
    )


def account_for_user(user: AnyUser, pk: int, *, perm: str = Perm.ACCOUNTS_VIEW) -> Account:
    return object_for_user(
        Account.objects.select_related(
            "school", "school__trust", "person", "person__school", "system", "system__school"
        ),
        user,
        perm,
        pk=pk,
    )


def review_for_user(user: AnyUser, pk: int) -> AccessReview:
    return object_for_user(
        AccessReview.objects.select_related("school", "system", "reviewed_by"),
        user,
        Perm.ACCESS_REVIEW,
        pk=pk,
    )


def sync_for_user(user: AnyUser, pk: int) -> DirectorySync:
    return object_for_user(
        DirectorySync.objects.select_related("school", "system", "system__school"),
        user,
        Perm.DIRECTORY_SYNC,
        pk=pk,
    )


def token_for_user(user: AnyUser, pk: int) -> ApiToken:
    return object_for_user(
        ApiToken.objects.select_related("school"), user, Perm.SCHOOL_CONFIGURE, pk=pk
    )


def hand_suspension_for_user(user: AnyUser, pk: int) -> HandSuspension:
    """A task to suspend an account by hand: for those who set up and suspend accounts."""
    return object_for_user(
        HandSuspension.objects.select_related("school", "account", "account__system"),
        user,
        Perm.ACCOUNTS_PROVISION,
        pk=pk,
    )
