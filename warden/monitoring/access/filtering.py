"""May this user see or change this filtering object? Views go through these helpers only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from warden.core.access import AnyUser, has_perm, object_for_user, require_perm
from warden.core.roles import Perm
from warden.monitoring.models.filtering import (
    FilterEntry,
    FilterException,
    FilterGroup,
    FilterGroupAssignment,
    GroupNetwork,
    GroupSchedule,
    ListFeed,
    ListImport,
    ListSource,
    UnblockRequest,
)
from warden.people.models import Person


def filter_group_for_user(user: AnyUser, pk: int, *, write: bool = False) -> FilterGroup:
    perm = Perm.FILTERING_MANAGE if write else Perm.FILTERING_VIEW
    return object_for_user(FilterGroup.objects.select_related("school__trust"), user, perm, pk=pk)


def _via_group(
    queryset: models.QuerySet[GroupSchedule] | models.QuerySet[GroupNetwork],
    user: AnyUser,
    pk: int,
) -> GroupSchedule | GroupNetwork:
    obj = queryset.select_related("group__school__trust").filter(pk=pk).first()
    if obj is None:
        raise Http404("Not found.")
    require_perm(user, Perm.FILTERING_MANAGE, obj.group.school)
    return obj


def filter_schedule_for_user(user: AnyUser, pk: int) -> GroupSchedule:
    found = _via_group(GroupSchedule.objects.all(), user, pk)
    assert isinstance(found, GroupSchedule)
    return found


def filter_network_for_user(user: AnyUser, pk: int) -> GroupNetwork:
    found = _via_group(GroupNetwork.objects.all(), user, pk)
    assert isinstance(found, GroupNetwork)
    return found


def list_source_for_user(user: AnyUser, pk: int, *, write: bool = False) -> ListSource:
    perm = Perm.FILTERING_MANAGE if write else Perm.FILTERING_VIEW
    return object_for_user(ListSource.objects.select_related("school__trust"), user, perm, pk=pk)


def list_feed_for_user(user: AnyUser, pk: int, *, write: bool = False) -> ListFeed:
    perm = Perm.FILTERING_MANAGE if write else Perm.FILTERING_VIEW
    return object_for_user(
        ListFeed.objects.select_related("school__trust", "source"), user, perm, pk=pk
    )


def list_import_for_user(user: AnyUser, pk: int) -> ListImport:
    """An import asked for on the lists page: whoever may see the school's lists sees it."""
    return object_for_user(
        ListImport.objects.select_related("school__trust", "source", "requested_by"),
        user,
        Perm.FILTERING_VIEW,
        pk=pk,
    )


def filter_entry_for_user(user: AnyUser, pk: int, *, write: bool = False) -> FilterEntry:
    perm = Perm.FILTERING_MANAGE if write else Perm.FILTERING_VIEW
    return object_for_user(FilterEntry.objects.select_related("school__trust"), user, perm, pk=pk)


def filter_exception_for_user(user: AnyUser, pk: int, *, write: bool = False) -> FilterException:
    perm = Perm.FILTERING_APPROVE if write else Perm.FILTERING_VIEW
    return object_for_user(
        FilterException.objects.select_related("school__trust", "group", "approved_by"),
        user,
        perm,
        pk=pk,
    )


def can_see_all_requests(user: AnyUser, school_id: int) -> bool:
    return has_perm(user, Perm.FILTERING_APPROVE, school_id) or has_perm(
        user, Perm.FILTERING_VIEW, school_id
    )


def filter_request_for_user(user: AnyUser, pk: int, *, decide: bool = False) -> UnblockRequest:
    """An unblock request: approvers and filtering viewers see every one at their school;
    someone who may only ask sees their own."""
    request = (
        UnblockRequest.objects.select_related("school__trust", "group", "requested_by")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404("Not found.")
    if decide:
        require_perm(user, Perm.FILTERING_APPROVE, request.school)
        return request
    if can_see_all_requests(user, request.school_id):
        return request
    require_perm(user, Perm.FILTERING_REQUEST, request.school)
    if request.requested_by_id != getattr(user, "pk", None):
        raise PermissionDenied("You can see the requests you made yourself.")
    return request


def filter_assignment_for_user(user: AnyUser, pk: int) -> FilterGroupAssignment:
    """An assignment by name, to remove (``FILTERING_MANAGE``)."""
    return object_for_user(
        FilterGroupAssignment.objects.select_related("school__trust", "group", "person"),
        user,
        Perm.FILTERING_MANAGE,
        pk=pk,
    )


def assignable_person_for_user(user: AnyUser, pk: int) -> Person:
    """A person of the register to put in a filter group by name (``FILTERING_MANAGE``)."""
    return object_for_user(
        Person.objects.select_related("school__trust"), user, Perm.FILTERING_MANAGE, pk=pk
    )
