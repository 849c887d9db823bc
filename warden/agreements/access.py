"""May this user see or change this agreement, version, signature or person's signing?"""

from __future__ import annotations

from warden.agreements.models import Agreement, AgreementVersion, Signature
from warden.core.access import AnyUser, object_for_user
from warden.core.roles import Perm
from warden.people.models import Person


def agreement_for_user(user: AnyUser, pk: int, *, perm: str = Perm.AGREEMENTS_VIEW) -> Agreement:
    return object_for_user(Agreement.objects.select_related("school"), user, perm, pk=pk)


def version_for_user(
    user: AnyUser, pk: int, *, perm: str = Perm.AGREEMENTS_VIEW
) -> AgreementVersion:
    return object_for_user(
        AgreementVersion.objects.select_related("school", "agreement", "published_by"),
        user,
        perm,
        pk=pk,
    )


def signature_for_user(user: AnyUser, pk: int, *, perm: str = Perm.AGREEMENTS_VIEW) -> Signature:
    return object_for_user(
        Signature.objects.select_related(
            "school", "person", "version", "agreement", "recorded_by", "counter_signs__person"
        ),
        user,
        perm,
        pk=pk,
    )


def signer_for_user(user: AnyUser, pk: int) -> Person:
    """A person someone records a signature for (desk, paper, link): needs the record right."""
    return object_for_user(
        Person.objects.select_related("school"), user, Perm.SIGNATURES_RECORD, pk=pk
    )
