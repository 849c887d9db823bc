"""May this user see or change this person? Views go through these helpers only."""

from __future__ import annotations

from warden.core.access import AnyUser, object_for_user
from warden.core.roles import Perm
from warden.people.models import Guardianship, ImportRun, Person


def person_for_user(user: AnyUser, pk: int, *, write: bool = False) -> Person:
    perm = Perm.PEOPLE_EDIT if write else Perm.PEOPLE_VIEW
    return object_for_user(Person.objects.select_related("school"), user, perm, pk=pk)


def guardianship_for_user(user: AnyUser, pk: int) -> Guardianship:
    return object_for_user(
        Guardianship.objects.select_related("school", "pupil", "parent"),
        user,
        Perm.PEOPLE_EDIT,
        pk=pk,
    )


def import_run_for_user(user: AnyUser, pk: int) -> ImportRun:
    return object_for_user(
        ImportRun.objects.select_related("school", "started_by"), user, Perm.PEOPLE_IMPORT, pk=pk
    )
