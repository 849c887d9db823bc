"""What one area calls its confidential records, and who reads and handles them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordKind:
    """One kind of confidential record (an incident, a welfare concern).

    Holders of ``view_perm`` at the record's school read every record there; others read
    only those whose access list names them. Holders of ``manage_perm`` handle a record,
    its access list included; ``manage_refusal`` says so to anyone else.
    """

    noun: str  # "incident", "concern"
    every: str  # "every incident", "every welfare concern"
    audit: str  # the prefix of the audit actions: "incident", "welfare_concern"
    view_perm: str
    manage_perm: str
    manage_refusal: str
    need: str  # asked of whoever grants access without a reason
