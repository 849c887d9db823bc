"""May this user see or change this purpose, text or pupil's consent?"""

from __future__ import annotations

from warden.consent.models import Purpose, PurposeVersion
from warden.core.access import AnyUser, object_for_user
from warden.core.roles import ConsentPerm
from warden.people.models import Person, PersonType


def purpose_for_user(user: AnyUser, pk: int, *, perm: str = ConsentPerm.VIEW) -> Purpose:
    return object_for_user(Purpose.objects.select_related("school"), user, perm, pk=pk)


def version_for_user(user: AnyUser, pk: int, *, perm: str = ConsentPerm.VIEW) -> PurposeVersion:
    return object_for_user(
        PurposeVersion.objects.select_related("school", "purpose", "published_by"),
        user,
        perm,
        pk=pk,
    )


def pupil_for_user(user: AnyUser, pk: int, *, perm: str = ConsentPerm.VIEW) -> Person:
    """A pupil whose consent someone reads (or, with ``ConsentPerm.RECORD``, records)."""
    return object_for_user(
        Person.objects.select_related("school").filter(person_type=PersonType.PUPIL),
        user,
        perm,
        pk=pk,
    )
