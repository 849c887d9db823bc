"""Consent for images, for a subject access bundle: every decision about the person (a
pupil) or made by them (a parent or carer, or a pupil asked from the age the purpose sets)."""

from __future__ import annotations

from django.db.models import Q

from warden.consent.models import ConsentDecision
from warden.people.models import Person
from warden.records.bundle import SubjectSection, third_party_label


def decisions(person: Person) -> SubjectSection:
    found = (
        ConsentDecision.objects.filter(Q(pupil=person) | Q(decided_by=person))
        .select_related("purpose", "version", "pupil", "decided_by")
        .order_by("decided_at", "pk")
    )
    rows = [
        [
            decision.purpose.name,
            third_party_label(decision.pupil, person),
            decision.get_answer_display(),
            third_party_label(decision.decided_by, person),
            decision.decided_at,
            decision.get_method_display(),
            decision.typed_name if decision.decided_by_id == person.pk else "",
            decision.ip if decision.decided_by_id == person.pk else None,
            decision.text_sha256,
        ]
        for decision in found
    ]
    return SubjectSection(
        key="consent",
        title="Consent for images and publication",
        columns=[
            "Use of images",
            "About",
            "Answer",
            "Answered by",
            "When",
            "How",
            "Name typed",
            "From address",
            "SHA-256 of the text answered",
        ],
        rows=rows,
        notes=[
            "Every answer is kept: a later answer replaces an earlier one, which stays in "
            "the history. A use is granted only when every parent or carer with parental "
            "responsibility has said yes.",
            "Another person's name typed and address are not shown.",
        ],
        order=25,
    )


SECTIONS = [decisions]
