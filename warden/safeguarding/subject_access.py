"""Welfare concerns about the person, for their subject access bundle.

Decision: a welfare concern is confidential to the DSL and deputies (KCSIE), and a
safeguarding record may be withheld where releasing it would be likely to cause serious
harm to the child or another person, or where a child's record is asked for by a parent
against the child's interests (DPA 2018 Sch. 3 Part 2 and Part 4, and the ICO's guidance).
So the bundle holds only that each concern exists (reference, what about, when, state),
never its contents, and every item starts left out with that reason. The reviewer asks
the DSL; only if the DSL decides no exemption applies does the reviewer put it back, and
the DSL then supplies the concern's chronology through the safeguarding export.
"""

from __future__ import annotations

from warden.people.models import Person
from warden.records.bundle import SubjectSection
from warden.safeguarding.models import WelfareConcern

EXEMPTION = (
    "Safeguarding record: an exemption may apply (serious harm, DPA 2018 Schedule 3). "
    "The DSL decides before anything of it is released."
)


def welfare_concerns(person: Person) -> SubjectSection:
    rows = [
        [
            concern.reference,
            concern.get_category_display(),
            concern.raised_at,
            concern.get_status_display(),
        ]
        for concern in WelfareConcern.objects.filter(person=person).order_by("raised_at", "pk")
    ]
    return SubjectSection(
        key="welfare_concerns",
        title="Welfare concerns",
        columns=["Reference", "About", "Raised", "State"],
        rows=rows,
        notes=[
            "Only that a concern is held is listed here; its contents are kept by the "
            "designated safeguarding lead."
        ],
        withheld=EXEMPTION,
        order=60,
    )


SECTIONS = [welfare_concerns]
