"""Equipment lent to the person, for their subject access bundle."""

from __future__ import annotations

from warden.equipment.models import ClassSetLoan, Loan
from warden.people.models import Person
from warden.records.bundle import SubjectSection


def loans(person: Person) -> SubjectSection:
    rows = [
        [
            f"{loan.asset.asset_tag} {loan.asset.get_asset_type_display()}",
            loan.get_kind_display(),
            loan.get_state_display(),
            loan.purpose,
            loan.checked_out_at,
            loan.due_on,
            loan.accepted_at,
            loan.accepted_name,
            loan.returned_at,
            loan.return_condition,
            loan.written_off_reason,
        ]
        for loan in Loan.objects.filter(person=person)
        .select_related("asset")
        .order_by("checked_out_at", "pk")
    ]
    rows += [
        [
            f"Class set {loan.class_set.name}",
            "Class set loan",
            "Returned" if loan.closed_at else "Out",
            loan.purpose,
            loan.checked_out_at,
            loan.due_on,
            None,
            "",
            loan.closed_at,
            "",
            "",
        ]
        for loan in ClassSetLoan.objects.filter(person=person)
        .select_related("class_set")
        .order_by("checked_out_at", "pk")
    ]
    return SubjectSection(
        key="loans",
        title="Equipment lent",
        columns=[
            "Item",
            "Kind",
            "State",
            "Purpose",
            "Checked out",
            "Due back",
            "Agreement accepted",
            "Accepted as",
            "Returned",
            "Condition on return",
            "Written off because",
        ],
        rows=rows,
        order=30,
    )


SECTIONS = [loans]
