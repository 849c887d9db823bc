"""Helpers for tests in any area that need people with (or without) a current signature.

``sign_current(person)`` publishes the starter agreement for the person's audience when the
school has none, records a desk signature and, for a pupil, a parent's counter-signature
(linking a parent with parental responsibility if there is none), all through the services.
"""

from __future__ import annotations

from warden.agreements import services
from warden.agreements.models import Agreement, AgreementVersion, Method, Signature, VersionStatus
from warden.agreements.rules import audience_for, standing_of
from warden.core.models import School, User
from warden.people.models import Guardianship, Person, PersonType


def published_version(
    school: School, audience: str, *, actor: User | None = None
) -> AgreementVersion:
    """The latest published version for ``audience`` at ``school``, publishing a starter."""
    agreement = Agreement.objects.filter(school=school, audience=audience).first()
    if agreement is None:
        agreement = services.agreement_create(actor=actor, school=school, audience=audience)
    version = services.latest_published(agreement)
    if version is None:
        draft = agreement.versions.get(status=VersionStatus.DRAFT)
        version = services.version_publish(actor=actor, version=draft, requires_resign=True)
    return version


def sign_current(
    person: Person, *, actor: User | None = None, countersign: bool = True
) -> Signature:
    """Give ``person`` a current signature (for a pupil, counter-signed unless told not)."""
    audience = audience_for(person)
    assert audience is not None, f"{person} has no audience (a pupil needs a year group)"
    version = published_version(person.school, audience, actor=actor)
    existing = (
        Signature.objects.filter(person=person, version=version, counter_signs__isnull=True)
        .order_by("-signed_at", "-pk")
        .first()
    )
    if existing is not None and standing_of(person).is_current:
        return existing  # one valid signature per person and version
    signature = services.signature_record(
        actor=actor,
        person=person,
        version=version,
        typed_name=person.full_name,
        confirmed=True,
        method=Method.DESK,
    )
    if person.person_type == PersonType.PUPIL and countersign:
        countersign_at_desk(signature, parent_of(person), actor=actor)
    return signature


def countersign_at_desk(
    signature: Signature, parent: Person, *, actor: User | None = None
) -> Signature:
    """``parent`` counter-signs a pupil's ``signature`` at the desk."""
    return services.countersignature_record(
        actor=actor,
        signature=signature,
        parent=parent,
        typed_name=parent.full_name,
        confirmed=True,
        method=Method.DESK,
    )


def parent_of(pupil: Person) -> Person:
    """A parent with parental responsibility for ``pupil``, linked now if there is none."""
    link = Guardianship.objects.filter(pupil=pupil, parental_responsibility=True).first()
    if link is not None:
        return link.parent
    parent = Person.objects.create(
        school=pupil.school,
        person_type=PersonType.PARENT,
        first_name="Parent",
        last_name=f"Of-{pupil.last_name}",
        email=f"parent.{pupil.pk}@example.org",
    )
    Guardianship.objects.create(
        school=pupil.school, pupil=pupil, parent=parent, relationship="carer"
    )
    services.standings_refresh(school=pupil.school, people=[pupil, parent])
    return parent
