"""What a subject access bundle is made of: one section per kind of record an area holds.

An area offers what it holds about a person in ``<app>/subject_access.py``::

    SECTIONS: list[Callable[[Person], SubjectSection | None]]

Each callable receives the person (their school's scope is active) and returns one
:class:`SubjectSection`, or ``None`` when the area has nothing of that kind about them
(an empty section is fine too: the bundle then says "none held"). The records area gathers
them with ``core.registry.collect("subject_access", "SECTIONS")``, so an area without the
module is simply absent from the bundle, and no area is imported by records.

Rules every section keeps (UK GDPR Art. 15; ICO subject access guidance):

- ``rows`` hold plain values (text, numbers, dates, ``None``), one list per item, in the
  order of ``columns``. Values are copied into the request when the bundle is generated, so
  a reviewer reviews exactly what will be released.
- Names of other people are never written as they are: a pupil's incident names the other
  pupils involved as ``[another pupil]`` (:func:`third_party_label`), in free texts too
  (:func:`redact`). Staff acting in their role may be named.
- A section whose items may fall under an exemption (a welfare concern: serious harm,
  DPA 2018 Sch. 3 Part 4) sets ``withheld`` to the reason: each of its items then starts
  excluded with that reason, and only a reviewer who decides the exemption does not apply
  includes it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from warden.core.registry import collect

if TYPE_CHECKING:
    from warden.people.models import Person

__all__ = [
    "SubjectSection",
    "redact",
    "sections_for",
    "third_party_label",
]


@dataclass(frozen=True)
class SubjectSection:
    """One kind of record about a person: a table of items and the notes a reader needs.

    ``key`` names the section's files in the bundle (``loans.csv``, ``loans.json``) and is
    unique across areas; ``title`` heads it in the summary; ``notes`` explain it (where the
    data comes from, what was redacted, how long it is kept).
    """

    key: str
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]] = ()
    notes: Sequence[str] = ()
    withheld: str = ""
    """Why every item starts excluded for the reviewer to decide (an exemption that may
    apply); empty when items are released unless a reviewer excludes one."""
    order: int = 100
    """Where the section sits in the bundle (lower first): the profile first, the audit
    trail last."""
    extra: dict[str, Any] = field(default_factory=dict)


SectionProvider = Callable[["Person"], SubjectSection | None]


def sections_for(person: Person) -> list[SubjectSection]:
    """Every area's sections about ``person``, in bundle order."""
    found = []
    for provider in collect("subject_access", "SECTIONS"):
        section = provider(person)
        if section is not None:
            found.append(section)
    keys = [section.key for section in found]
    duplicates = {key for key in keys if keys.count(key) > 1}
    if duplicates:
        raise ValueError(f"subject access sections declared twice: {sorted(duplicates)}")
    return sorted(found, key=lambda section: (section.order, section.key))


def third_party_label(person: Any, subject: Any) -> str:
    """How a bundle names ``person`` when written for ``subject``: the subject by name,
    anyone else as ``[another pupil]``, ``[a parent or carer]``, ``[another person]``."""
    if person is None:
        return ""
    if getattr(person, "pk", None) == getattr(subject, "pk", object()):
        return str(getattr(person, "full_name", person))
    kind = getattr(person, "person_type", "")
    if kind == "pupil":
        return "[another pupil]"
    if kind == "parent":
        return "[a parent or carer]"
    return "[another person]"


def redact(text: str, others: Iterable[Any], subject: Any) -> str:
    """``text`` with every name of each person in ``others`` (full name, first and last
    name, preferred name; whole words, any case) replaced by their
    :func:`third_party_label`. The subject's own name stays."""
    if not text:
        return text
    replacements: list[tuple[str, str]] = []
    for other in others:
        if getattr(other, "pk", None) == getattr(subject, "pk", object()):
            continue
        label = third_party_label(other, subject)
        names = {
            " ".join(part for part in (other.first_name, other.last_name) if part),
            " ".join(part for part in (other.preferred_name, other.last_name) if part),
            other.first_name,
            other.last_name,
            other.preferred_name,
        }
        replacements += [(name, label) for name in names if name and len(name) > 1]
    # Longest first, so "Sam Jones" goes as one before "Sam" alone.
    for name, label in sorted(replacements, key=lambda pair: -len(pair[0])):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", label, text, flags=re.IGNORECASE)
    return text


def cell(value: Any) -> Any:
    """A value as the bundle stores it: dates and times as ISO text, the rest as given."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value
