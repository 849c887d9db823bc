"""The web-filtering rules, each in one place, worded as the refusal a person sees."""

from __future__ import annotations

import datetime as dt

from warden.engine.categories import BY_SLUG, ILLEGAL_SLUGS, resolve_slug

# Policy duty "Unblocking is temporary and for a reason" (docs/policy-map.md): an exception
# lasts at most this long; a site that should stay open belongs on the school's allow list.
MAX_EXCEPTION_DAYS = 90
# Block-page reports: how many one address may send in an hour, so a pupil cannot flood
# the approvers' queue.
BLOCK_PAGE_REPORTS_PER_HOUR = 5


# What the school's policies forbid pupils on the school's internet, with the duty each
# comes from (docs/policy-map.md). The shipped pupil groups block them; a change away from
# blocking for a group that holds pupils needs a reason, so the school changes it knowingly.
POLICY_PUPIL_BLOCKS: dict[str, str] = {
    "social-networks": "pupils may not use social media at school (no pupil social media)",
    "downloads": "pupils may not download or install software (no pupil downloads)",
}


def policy_block_refusal(
    *, holds_pupils: bool, changes: dict[str, str], current: dict[str, str], reason: str
) -> str | None:
    """A group that holds pupils keeps the policies' pupil blocks unless whoever changes it
    gives a reason. ``changes`` and ``current`` map category slugs to actions."""
    if not holds_pupils or reason.strip():
        return None
    loosened = [
        slug
        for slug in POLICY_PUPIL_BLOCKS
        if slug in current and current.get(slug) == "block" and changes.get(slug) != "block"
    ]
    if not loosened:
        return None
    why = "; ".join(f"{category_label(s)}: {POLICY_PUPIL_BLOCKS[s]}" for s in loosened)
    return (
        f"The school's policies block this for pupils ({why}). Give a reason to change it; "
        "the change and the reason are kept in the filtering change log."
    )


def category_label(slug: str) -> str:
    known = BY_SLUG.get(slug)
    return known.label if known else slug


def illegal_refusal(slugs: set[str] | frozenset[str] | list[str], doing: str) -> str | None:
    """Illegal content can never be allowed (UK Safer Internet Centre, "illegal content":
    child sexual abuse and unlawful terrorist content). Refuse to ``doing`` if any of
    ``slugs`` is illegal; None when none is."""
    illegal = sorted(set(slugs) & ILLEGAL_SLUGS)
    if not illegal:
        return None
    names = ", ".join(category_label(s) for s in illegal)
    return (
        f"Cannot {doing}: {names} is illegal content, which is blocked for every group and "
        "can never be allowed, reported-only or unblocked (illegal-content rule)."
    )


def exception_expiry_refusal(expires_at: dt.datetime, now: dt.datetime) -> str | None:
    """An exception lapses by itself: it needs an end in the future, at most
    ``MAX_EXCEPTION_DAYS`` away (duty "Unblocking is temporary and for a reason")."""
    if expires_at <= now:
        return "The end of the unblocking must be in the future."
    if expires_at - now > dt.timedelta(days=MAX_EXCEPTION_DAYS):
        return (
            f"Temporary unblocking lasts at most {MAX_EXCEPTION_DAYS} days; for a site that "
            "should stay open, add it to the school's allow list instead."
        )
    return None


def known_category(name: str) -> str:
    """The Warden slug for ``name``; ValueError with a message naming it when unknown."""
    try:
        return resolve_slug(name)
    except ValueError:
        raise ValueError(f"{name!r} is not one of Warden's categories.") from None


# Where the illegal categories' lists come from: nobody may publish them, so no update
# fetches them; a school (or its filtering provider) imports them under licence. The UK
# Safer Internet Centre's "appropriate filtering" asks for both.
ILLEGAL_LIST_NEEDED = {
    "child-sexual-abuse": "needs the IWF list — members only — import it here",
    "terrorism": "needs the CTIRU list — filtering providers only — import it here",
}


def empty_category_note(slug: str) -> str:
    """What to do about a category with no entries, in the words the pages show."""
    return ILLEGAL_LIST_NEEDED.get(slug, "no list has entries in this category")
