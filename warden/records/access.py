"""May this user see or change this subject access request, or this retention run?"""

from __future__ import annotations

from warden.core.access import AnyUser, object_for_user
from warden.core.roles import RecordsPerm
from warden.people.models import Person
from warden.records.models import RetentionRun, SubjectAccessRequest


def sar_for_user(user: AnyUser, pk: int) -> SubjectAccessRequest:
    return object_for_user(
        SubjectAccessRequest.objects.select_related(
            "school__trust", "person", "logged_by", "identity_checked_by", "reviewed_by"
        ),
        user,
        RecordsPerm.SAR,
        pk=pk,
    )


def subject_for_user(user: AnyUser, pk: int) -> Person:
    """A person someone logs a subject access request for: the SAR right at their school."""
    return object_for_user(Person.objects.select_related("school"), user, RecordsPerm.SAR, pk=pk)


def run_for_user(user: AnyUser, pk: int) -> RetentionRun:
    return object_for_user(
        RetentionRun.objects.select_related("school", "found_by", "decided_by"),
        user,
        RecordsPerm.RETENTION,
        pk=pk,
    )
