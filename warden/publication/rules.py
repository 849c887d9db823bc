"""The publication area's policy rules, each in one place.

- Where a media set is kept is recorded, never opened (``location_refusal``).
- Images are kept for the school's retention period, "generally three years" (ICT policy
  §14 "Storage of Images" d: ``retention_cutoff``).
- A post shows only pupils whose consent for its channel's purpose is granted, and never a
  pupil's full name with their image unless "name with image" allows it (ICT policy §13e,
  e-safety policy §7: ``post_checks``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from warden.consent.rules import refusals
from warden.core.models import School
from warden.people.models import Person
from warden.publication.models import Channel

# The consent purpose each channel publishes under, and the one that would allow a full name
# beside an image (never granted by default): the slugs of consent's starter purposes.
CHANNEL_PURPOSE: dict[str, str] = {
    Channel.WEBSITE: "website",
    Channel.SOCIAL: "social-media",
}
NAME_WITH_IMAGE = "name-with-image"

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


def location_refusal(location: str) -> str | None:
    """Why ``location`` is not a usable record of where a set is kept, or None.

    A web address must be http or https with a host; anything else is a drive path ("Media
    Drive/2026/Sports day", "\\\\server\\media\\2026", "G:\\Media"), of printable characters.
    The server only stores it: it never fetches the address or opens the path.
    """
    text = location.strip()
    if not text:
        return "Say where the images are kept: a web address or a drive path."
    if _CONTROL.search(text):
        return "The location has characters that cannot be typed; paste it again."
    scheme = _SCHEME.match(text)
    if scheme and len(scheme.group(1)) > 1:
        if scheme.group(1).lower() not in ("http", "https"):
            return "A web address starts with https:// (or http://); give that, or a drive path."
        try:
            URLValidator(schemes=["http", "https"])(text)
        except ValidationError:
            return "That web address is not complete; copy it from the browser's address bar."
        return None
    if "/" not in text and "\\" not in text:
        return (
            "Give the folder's full path (e.g. Media Drive/2026/Sports day) or its web address, "
            "so whoever removes it later can find it."
        )
    return None


def is_web_address(location: str) -> bool:
    return location.strip().lower().startswith(("http://", "https://"))


def retention_cutoff(today: dt.date, years: int) -> dt.date:
    """Sets taken on or before this day are past ``years`` of retention on ``today``."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


@dataclass(frozen=True)
class PostChecks:
    """What stops a post going out: pupils shown without consent for its purpose (with the
    reason) and pupils whose full name is in its text."""

    purpose: str
    consent: list[tuple[Person, str]] = field(default_factory=list)
    names: list[Person] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.consent and not self.names

    def name_message(self) -> str:
        listed = ", ".join(f"“{full_names(p)[0]}”" for p in self.names)
        return (
            f"Take the full name out of the text ({listed}): a pupil's full name is never "
            "published with their image (ICT policy §13e). Use a first name alone, or no name."
        )


def full_names(pupil: Person) -> list[str]:
    """The full names a pupil could be written as: first or preferred name, then surname."""
    givens = [pupil.preferred_name, pupil.first_name]
    return list(dict.fromkeys(f"{g} {pupil.last_name}" for g in givens if g))


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def names_in_text(text: str, pupils: Iterable[Person]) -> list[Person]:
    """The pupils whose full name (first and last, any case or spacing) is in ``text``."""
    said = f" {_words(text)} "
    return [p for p in pupils if any(f" {_words(n)} " in said for n in full_names(p))]


def post_checks(school: School, channel: str, text: str, pupils: list[Person]) -> PostChecks:
    """The consent check on the pupils shown, for the channel's purpose, and the full-name
    check on the text (unless "name with image" consent allows that pupil's name)."""
    purpose = CHANNEL_PURPOSE[channel]
    ids = [p.pk for p in pupils]
    refused = refusals(school, purpose, ids) if ids else {}
    named = names_in_text(text, pupils)
    if named:
        may_not = refusals(school, NAME_WITH_IMAGE, [p.pk for p in named])
        named = [p for p in named if p.pk in may_not]
    return PostChecks(
        purpose=purpose,
        consent=[(p, refused[p.pk]) for p in pupils if p.pk in refused],
        names=named,
    )
