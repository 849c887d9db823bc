"""The person's acceptable-use agreements and signatures, for their subject access bundle."""

from __future__ import annotations

from warden.agreements.models import Signature
from warden.people.models import Person
from warden.records.bundle import SubjectSection, third_party_label


def signatures(person: Person) -> SubjectSection:
    rows = []
    found = (
        Signature.objects.filter(person=person)
        .select_related("agreement", "version", "counter_signs__person")
        .order_by("signed_at", "pk")
    )
    for signature in found:
        counter = signature.counter_signs
        rows.append(
            [
                signature.agreement.title,
                signature.version.label,
                signature.signed_at,
                signature.get_method_display(),
                signature.typed_name,
                signature.ip,
                third_party_label(counter.person, person) if counter else "",
                signature.text_sha256,
            ]
        )
    return SubjectSection(
        key="agreements",
        title="Acceptable-use agreements signed",
        columns=[
            "Agreement",
            "Version",
            "Signed",
            "How",
            "Name typed",
            "From address",
            "Counter-signature of",
            "SHA-256 of the text signed",
        ],
        rows=rows,
        notes=["The full text of each version signed is kept and can be supplied on request."],
        order=20,
    )


SECTIONS = [signatures]
