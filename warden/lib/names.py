"""Does a typed name match a person's name? Case, spacing and accents are forgiven.

AUP-03 (a signature must identify who agreed): the name typed as a signature is compared
with the person's own names after Unicode compatibility decomposition (NFKD), dropping
accents, case folding and collapsing whitespace, so "ZOE  o'brien" matches "Zoë O'Brien"
but "Someone Else" matches no one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def normalise(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def accepted_forms(*, first: str, last: str, preferred: str = "", title: str = "") -> set[str]:
    """The normalised ways a person may type their own name: first or preferred name and
    surname, with or without their title ("Mrs Jane Smith", "Mrs Smith")."""
    givens = [g for g in (first, preferred) if g.strip()]
    names = {normalise(f"{given} {last}") for given in givens}
    forms = set(names)
    for t in {title.strip(), title.strip().rstrip(".")} - {""}:
        forms |= {normalise(f"{t} {name}") for name in names}
        forms.add(normalise(f"{t} {last}"))
    return {f for f in forms if f}


def matches(typed: str, forms: Iterable[str]) -> bool:
    return normalise(typed) in set(forms)
