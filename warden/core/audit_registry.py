"""Every kind of audit entry Warden writes, declared once by the area that writes it.

Each app lists its actions as ``AUDIT_TYPES`` in ``<app>/audit_types.py`` (gathered through
``core.registry.collect``, so core imports no app): the action code stored in the entry,
the sentence a person reads, the fields of the entry's changes that may be shown, and the
right a reader needs to see the entry at all. The audit page and every record's history
render entries through it, and a test fails on any action the code writes that is not
declared here.

A sentence names its parts in braces:

- ``{actor}``: who did it, by name ("Warden" for the scheduler or an import run alone);
- ``{record}``: the record as it was named when the entry was written;
- ``{target.person}``: an attribute of the record as it is now (an account's person);
- ``{due_on}``: the new value of a declared field of the entry's changes, in words.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Final

from django.core.exceptions import ImproperlyConfigured

from warden.core.access import AnyUser, has_perm
from warden.core.models import School
from warden.core.registry import collect_unique

RECORD: Final = "record"
"""``fields=RECORD``: the changes name the record's own fields (a snapshot or a diff of it);
any of them may be shown, except secrets, which the trail stores masked anyway."""

_FIXED = frozenset({"actor", "record"})


@dataclass(frozen=True)
class AuditType:
    action: str
    sentence: str
    fields: tuple[str, ...] | str = ()
    perm: str | None = None
    """The right, beyond reading the audit trail, needed to see these entries at all."""
    label: str = ""
    """A few words for lists and search; read from the action code when not given."""
    refs: Mapping[str, str] = field(default_factory=dict)
    """Fields (not the record's own) whose values are keys of other records, by model
    (``{"person": "people.person"}``), so they are shown by name."""

    def __post_init__(self) -> None:
        if self.fields != RECORD and not isinstance(self.fields, tuple):
            raise ImproperlyConfigured(f"{self.action}: fields is a tuple of names or RECORD.")
        for name in self.placeholders:
            if name in _FIXED or name.startswith("target."):
                continue
            if self.fields == RECORD or name in self.fields:
                continue
            raise ImproperlyConfigured(
                f"{self.action}: the sentence shows {{{name}}}, which is not one of its fields."
            )

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(
            name for _, name, _, _ in string.Formatter().parse(self.sentence) if name is not None
        )

    @property
    def words(self) -> str:
        return self.label or code_as_words(self.action)

    def shows(self, name: str, model_fields: Iterable[str]) -> bool:
        """Whether a field of an entry's changes may be shown to a reader of this entry."""
        if self.fields == RECORD:
            return name in set(model_fields)
        return name in self.fields


def declarer(
    perm: str | None,
    *,
    refs: Mapping[str, str] | None = None,
    shorthand: Mapping[str, str] | None = None,
) -> Callable[..., AuditType]:
    """A shorthand for an area whose entries all need ``perm`` to be seen:
    ``see("loan.checked_in", "{actor} checked in {loan}")``, fields ``RECORD`` unless given;
    each ``{name}`` of ``shorthand`` in a sentence stands for its longer wording."""

    def declare(
        action: str, sentence: str, fields: tuple[str, ...] | str = RECORD, *, label: str = ""
    ) -> AuditType:
        for name, words in (shorthand or {}).items():
            sentence = sentence.replace("{" + name + "}", words)
        return AuditType(action, sentence, fields, perm, label, refs or {})

    return declare


def code_as_words(action: str) -> str:
    """An action code read from its parts: ``loan.checked_out`` is "Loan checked out"."""
    thing, _, done = action.partition(".")
    words = " ".join(part.replace("_", " ") for part in (thing, done) if part)
    return words[:1].upper() + words[1:]


@cache
def audit_types() -> dict[str, AuditType]:
    """Every declared action by its code; an action declared twice is a mistake."""
    return collect_unique("audit_types", "AUDIT_TYPES", lambda t: t.action, "The audit action")


def audit_type(action: str) -> AuditType | None:
    return audit_types().get(action)


def actions_hidden_from(user: AnyUser, school: School | int) -> frozenset[str]:
    """The declared actions whose entries ``user`` may not see at ``school``."""
    rights = {item.perm for item in audit_types().values() if item.perm}
    missing = {perm for perm in rights if not has_perm(user, perm, school)}
    return frozenset(code for code, item in audit_types().items() if item.perm in missing)
