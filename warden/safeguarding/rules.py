"""Safeguarding rules in one place: which concern a monitoring category suggests, what a
child is told on a blocked page, and when a concern may be closed.

Keeping Children Safe in Education (KCSIE) and the DfE filtering and monitoring standards:
alerts about a child's safety go to the designated safeguarding lead (DSL), who decides
what happens; nothing in this area disciplines the child or changes their accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from warden.core.access import AnyUser, has_perm
from warden.core.confidential.kinds import RecordKind
from warden.core.models import School
from warden.core.roles import Perm, Role
from warden.engine.categories import resolve_slug
from warden.safeguarding.models import ConcernCategory, ParentsInformed

# A concern is confidential to the DSL and deputies and to the Warden users the DSL adds to
# its access list, with a reason, on a need-to-know basis (KCSIE).
CONCERN_RECORDS = RecordKind(
    noun="concern",
    every="every welfare concern",
    audit="welfare_concern",
    view_perm=Perm.WELFARE_VIEW,
    manage_perm=Perm.WELFARE_MANAGE,
    manage_refusal="Only the designated safeguarding lead or a deputy handles a welfare concern.",
    need="Say why they need to know.",
)

# Every member of staff tells the DSL of a worry about a child at once (KCSIE Part one: "if
# staff have any concerns about a child's welfare, they should act on them immediately"):
# anyone who may look pupils up in the register may report one. Governors, who see figures
# only, tell the DSL in person.
REPORT_PERM = Perm.PEOPLE_VIEW
REPORT_REFUSAL = (
    "Only staff who may look pupils up tell the DSL of a worry here; tell the designated "
    "safeguarding lead in person."
)
# Who is e-mailed at once when a member of staff reports a worry.
REPORT_NOTIFY_ROLES: frozenset[str] = frozenset({Role.DSL, Role.DEPUTY_DSL})
# Said to the reporter once the concern is recorded: what happens next, and that the record
# is not theirs to read (need-to-know).
REPORTED_WORDS = (
    "The designated safeguarding lead has it and decides what happens next. The record is "
    "confidential to them: you will not see it, and need not follow it up unless they ask you."
)


def may_report(user: AnyUser, school: School) -> bool:
    """May ``user`` tell the DSL of a worry about a child at ``school`` (``REPORT_PERM``)?"""
    return has_perm(user, REPORT_PERM, school)


# What a monitoring category suggests the concern is about; the DSL can change it.
CATEGORY_FROM_MONITORING: dict[str, str] = {
    "self-harm": ConcernCategory.SELF_HARM,
    "suicide": ConcernCategory.SUICIDE,
    "child-sexual-exploitation": ConcernCategory.EXPLOITATION,
    "child-sexual-abuse": ConcernCategory.ILLEGAL_IMAGES,
    "extremism": ConcernCategory.RADICALISATION,
    "terrorism": ConcernCategory.RADICALISATION,
    "bullying": ConcernCategory.BULLYING,
}


def concern_category_for(monitoring_category: str) -> str:
    """The concern category a monitoring category suggests (``other`` when none)."""
    try:
        slug = resolve_slug(monitoring_category)
    except ValueError:
        return ConcernCategory.OTHER
    return CATEGORY_FROM_MONITORING.get(slug, ConcernCategory.OTHER)


# Help for a child, in plain words, on a blocked page about self-harm, suicide, eating
# disorders, abuse or radicalisation. Nothing says the child is in trouble; nothing offers
# an unblock request. The school's own words (settings) come first when it has any.
@dataclass(frozen=True)
class HelpLine:
    name: str
    how: str
    link: str = ""


HELP_LINES: tuple[HelpLine, ...] = (
    HelpLine(
        "Childline",
        "Call 0800 1111 for free, any time, or chat online",
        "https://www.childline.org.uk/",
    ),
    HelpLine("Samaritans", "Call 116 123 for free, any time", "https://www.samaritans.org/"),
    HelpLine("Shout", "Text SHOUT to 85258 for free, any time", "https://giveusashout.org/"),
)
HELP_INTRO = (
    "You are not in trouble. If something is worrying you, or you are finding things hard, "
    "you do not have to deal with it on your own."
)
TRUSTED_ADULT = (
    "Talk to a trusted adult: a teacher, someone at home, or any member of staff you feel "
    "comfortable with."
)
DANGER = "If you or someone else is in danger right now, call 999."


def parents_refusal(parents: str, reason: str) -> str | None:
    """Why the parents' decision cannot be recorded as given, or None.

    KCSIE: parents are told unless that would put the child at risk; when they are not
    told, the reason is recorded.
    """
    if parents not in ParentsInformed.values:
        return "Choose whether parents or carers were informed."
    if parents == ParentsInformed.NOT_INFORMED and not reason.strip():
        return (
            "Say why informing the parents or carers would put the child at risk; the record "
            "must show why they were not told."
        )
    return None


# The "LA e-safety officer" of the ICT Security Policy, Appendix B, in a school's own terms.
LA_OFFICER = "LA e-safety officer"
TRUST_LEAD = "Trust's online-safety lead"
