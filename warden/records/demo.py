"""Demo records (``warden demo``): the trust's data protection officer, and an open subject
access request at each school for the SIRO to work through. Adds nothing when run again.
(The monitoring demo adds a pupil who left over a year ago with violations, so the
retention schedule's dry run has something to list.)"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from warden.core.models import Membership, School
from warden.core.roles import Role
from warden.people.models import Person, PersonType
from warden.records import services
from warden.records.models import DpoContact, ReceivedVia, SubjectAccessRequest


def load(*, school: School, today: dt.date, seed: int) -> dict[str, int]:
    created = {"DPO contacts": 0, "subject access requests": 0}
    siro = (
        Membership.objects.filter(school=school, role=Role.SIRO)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if siro is None:
        return created
    with transaction.atomic():
        if not DpoContact.everywhere.filter(trust=school.trust, school=None).exists():
            services.dpo_set(
                actor=siro.user,
                school=school,
                trust_wide=True,
                name="Trust data protection service",
                email=f"dpo@{school.trust.slug}.example.org",
                phone="0300 000 0000",
                organisation="Schools' data protection service",
            )
            created["DPO contacts"] = 1
        if SubjectAccessRequest.objects.filter(school=school).exists():
            return created
        pupil = (
            Person.objects.filter(school=school, person_type=PersonType.PUPIL)
            .filter(violations__isnull=False)
            .order_by("pk")
            .first()
        ) or Person.objects.filter(school=school, person_type=PersonType.PUPIL).first()
        if pupil is None:
            return created
        services.sar_log(
            actor=siro.user,
            school=school,
            person=pupil,
            requester="The pupil's parent, by e-mail to the office",
            received_via=ReceivedVia.EMAIL,
            received_on=today - dt.timedelta(days=24),
        )
        created["subject access requests"] = 1
    return created


LOADERS = [load]
