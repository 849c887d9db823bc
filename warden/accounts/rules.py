"""The access-control rules of the policies, one function each.

Each rule answers one question and returns ``None`` when the answer is "yes", or the
sentence a person sees when it is "no". Services call these before any change; pages show
the sentence as it is, so the refusal is always in the rule's own words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from warden.accounts.models import REMOVAL_WINDOW_HOURS, System, SystemKind
from warden.core.access import AnyUser, has_perm
from warden.core.models import School
from warden.core.roles import Perm
from warden.people.models import STAFF_TYPES, TEMPORARY_TYPES, Person, PersonType, Status


@dataclass(frozen=True)
class NextStep:
    """What a person does about a refusal, and the page they do it on: ``person`` (the
    holder's page), ``account``, ``system``, ``agreements``, or "" (someone else acts)."""

    text: str
    where: str = ""

    def after(self, sentence: str) -> str:
        """``sentence`` (a refusal), then this next step."""
        return f"{sentence.rstrip('.')}. Next step: {self.text}"


@dataclass(frozen=True)
class Refusal:
    """A rule's "no": its sentence, and the next step out of it."""

    reason: str
    next_step: NextStep

    @property
    def with_next_step(self) -> str:
        return self.next_step.after(self.reason)


def is_remote_access(system: System) -> bool:
    """Remote access to school systems (Home Access Plus, a VPN; policy duty "Remote access
    only for named staff", docs/policy-map.md): a system of the remote kind, or one marked
    as remote access for named staff."""
    return system.kind == SystemKind.REMOTE or system.remote_access


REMOTE_LEAVER_WORDS = (
    "Remote access to school systems is restricted to those specified staff who need access "
    "and removed immediately when a staff member leaves the school (ICT policy, Remote Access)."
)


def holder_refusal(system: System, person: Person, *, today: dt.date | None = None) -> str | None:
    """Who may hold an account on this system (policy duty "Accounts only for the people a
    system serves", docs/policy-map.md).

    Accounts are given "depending on staff responsibilities": a system lists the person types
    it serves, and nobody who has left the school keeps or gets an account ("access is
    automatically terminated when they leave").
    """
    if person.school_id != system.school_id:
        return f"cannot hold an account: {person} is not at {system.school}."
    allowed = set(system.allowed_person_types or [])
    if allowed and person.person_type not in allowed:
        labels = ", ".join(PersonType(t).label.lower() for t in PersonType.values if t in allowed)
        return (
            f"cannot hold an account on {system.name}: it is for {labels} only, "
            f"and {person} is recorded as {person.get_person_type_display().lower()}."
        )
    today = today or timezone.localdate()
    if person.leaving_date is not None and person.leaving_date < today:
        return (
            f"cannot hold an account on {system.name}: {person} left on "
            f"{person.leaving_date:%d/%m/%Y}."
        )
    return None


def holder_next_step(system: System, person: Person) -> NextStep:
    """What to do when ``holder_refusal`` says no."""
    if person.school_id != system.school_id:
        return NextStep("Request the account on one of their own school's systems.")
    if person.leaving_date is not None and person.leaving_date < timezone.localdate():
        return NextStep(
            "Nothing to set up: they have left. Delete the request, or disable the account, "
            "from the account's page.",
            "account",
        )
    return NextStep(
        f"Request {system.name} only for the people it is for; if {person}'s type is "
        "recorded wrongly, correct it on their page first.",
        "person",
    )


def supply_refusal(system: System, person: Person) -> str | None:
    """Policy duty "Supply staff use the generic supply account" (docs/policy-map.md).

    "Short Term Supply staff will not be given their own access to the Internet and network.
    They will be given access by a generic supply staff user account." Other systems are
    given to supply staff "on an individual basis", so only the network sign-in is refused.
    """
    if person.person_type == PersonType.SUPPLY_STAFF and system.kind == "directory":
        return (
            f"cannot have their own network account: short-term supply staff use the "
            f"generic supply account (ICT security policy, supply staff), not {system.name}."
        )
    return None


SUPPLY_NEXT_STEP = NextStep(
    "Give them the generic supply account instead, and delete this request from the "
    "account's page.",
    "account",
)


def remote_access_refusal(system: System, person: Person) -> str | None:
    """Policy duty "Remote access only for named staff" (docs/policy-map.md).

    "Remote access to school systems is restricted to those specified staff who need access
    and removed immediately when a staff member leaves the school."
    """
    if not (system.remote_access or system.kind == "remote"):
        return None
    if person.person_type not in STAFF_TYPES or person.person_type == PersonType.SUPPLY_STAFF:
        return f"cannot have remote access: {system.name} is for named staff only."
    named = {p.pk for p in system.remote_people.all()}
    if person.pk not in named:
        return (
            f"cannot have remote access: {person} is not on the list of staff named for "
            f"{system.name}. Add them to the system's named staff first."
        )
    if person.status in {Status.LEAVING, Status.LEFT}:
        return f"cannot have remote access: {person} is leaving the school."
    return None


def remote_access_next_step(system: System, person: Person) -> NextStep:
    """What to do when ``remote_access_refusal`` says no."""
    staying = person.status not in {Status.LEAVING, Status.LEFT}
    if staying and person.person_type in STAFF_TYPES - {PersonType.SUPPLY_STAFF}:
        return NextStep(
            f"If they need remote access, name them among the staff for {system.name} on the "
            "system's page, then try again.",
            "system",
        )
    return NextStep(
        "Remote access is for named staff who are staying: delete this request from the "
        "account's page.",
        "account",
    )


def approval_refusal(system: System, user: AnyUser, school: School) -> str | None:
    """SLT authorise access; restricted areas need the restricted-access right.

    Policy duty "New access authorised by SLT" (docs/policy-map.md): access for new staff
    is authorised by SLT, and the headteacher approves access to restricted (SLT and SEND)
    areas.
    """
    if not has_perm(user, Perm.ACCOUNTS_APPROVE, school):
        return "cannot approve: account requests are approved by the headteacher or SLT."
    if system.restricted and not has_perm(user, Perm.ACCOUNTS_APPROVE_RESTRICTED, school):
        return (
            f"cannot approve: {system.name} is a restricted area (SLT or SEND), and approving "
            "access to it needs the restricted-access right."
        )
    return None


def approval_next_step(system: System, user: AnyUser, school: School) -> NextStep:
    """What to do when ``approval_refusal`` says no: someone with the right approves."""
    if has_perm(user, Perm.ACCOUNTS_APPROVE, school):
        return NextStep(
            "Ask the headteacher, or someone else with the restricted-access right, to approve it."
        )
    return NextStep("Ask the headteacher or a member of SLT to approve it.")


def expiry_refusal(person: Person, expires_at: dt.datetime | None) -> str | None:
    """Policy duty "Temporary access ends on a set date" (docs/policy-map.md).

    Supply staff, visitors and contractors are given access "for a defined purpose related
    to their visit", so their accounts must carry an end.
    """
    if person.person_type in TEMPORARY_TYPES and expires_at is None:
        return (
            f"needs an expiry: {person.get_person_type_display().lower()} accounts must end on "
            "a set date. Give the account an expiry, or give the person a leaving date."
        )
    if expires_at is not None and expires_at <= timezone.now():
        ended = timezone.localtime(expires_at)
        return (
            f"cannot have this account: its expiry, {ended:%d/%m/%Y %H:%M}, has passed. "
            "Give it a later expiry first."
        )
    return None


EXPIRY_NEXT_STEP = NextStep(
    "Set an expiry (a later one, if it has passed) on the account's page, or record the "
    "person's leaving date on their page.",
    "account",
)


def agreement_refusal(person: Person, *, at: dt.datetime | None = None) -> str | None:
    """Policy duty "No access without a current agreement" (docs/policy-map.md).

    "Issuance and continued use of your User Account is conditional on your compliance"; the
    agreements area decides what "current" means (audience, version, renewal date, parent's
    counter-signature). This rule only asks it.
    """
    from warden.agreements.rules import access_refusal

    return access_refusal(person, at=at)


def agreement_next_step(person: Person, *, at: dt.datetime | None = None) -> NextStep:
    """What to do when ``agreement_refusal`` says no: get the agreement signed (or
    counter-signed, or published), or, for someone who has left, set nothing up."""
    from warden.agreements.rules import State, standing_of

    if person.status == Status.LEFT:
        return NextStep(
            "Nothing to set up: they have left. Disable the account from its page.", "account"
        )
    standing = standing_of(person, at=at)
    if standing.state == State.UNAVAILABLE:
        if standing.audience is None:
            return NextStep(
                "Record their year group on their page, then get their agreement signed.",
                "person",
            )
        return NextStep(
            "Publish the agreement on the agreements page, then get it signed.", "agreements"
        )
    if standing.state == State.COUNTERSIGN:
        return NextStep(
            "Ask a parent or carer with parental responsibility to counter-sign: link one on "
            "the pupil's page if none is, then e-mail them the counter-signing link from the "
            "pupil's signature, or record their paper form.",
            "person",
        )
    if person.email:
        return NextStep(
            "Send the signing link from their page, or record a paper signature there.",
            "person",
        )
    return NextStep(
        "Record a paper signature from their page, or sign at the desk (no e-mail address "
        "is recorded for a signing link).",
        "person",
    )


def leaver_completion_refusal(person: Person, outstanding: list[str]) -> str | None:
    """A leaver is completed only when nothing is left to take back (policy duty "Leavers
    completed only when nothing is left", docs/policy-map.md). ``outstanding`` names what
    is still open."""
    if person.leaving_date is None:
        return f"{person} cannot be completed as a leaver: no leaving date is recorded."
    if outstanding:
        return (
            f"{person} cannot be completed as a leaver yet; still open: "
            f"{'; '.join(outstanding)}. Remove each account and check each item in (or "
            "write it off with a reason) first."
        )
    return None


def removal_window_refusal(hours: int) -> str | None:
    """A school may remove leavers' accounts sooner, never later, than the policy duty
    "Leavers' accounts removed within 48 hours" allows (docs/policy-map.md)."""
    if not 1 <= hours <= REMOVAL_WINDOW_HOURS:
        return (
            f"The removal window must be between 1 and {REMOVAL_WINDOW_HOURS} hours: the "
            f"policy (§8g) asks for leavers' accounts to go within {REMOVAL_WINDOW_HOURS} hours."
        )
    return None


def pause_refusal(reason: str) -> str | None:
    """Pausing automatic suspension lets people keep access without a current agreement
    (duty "Lapsed agreements suspend access", docs/policy-map.md), so the
    school says why, for the record and the headteacher's home page."""
    if len(" ".join(reason.split())) < 10:
        return (
            "Say why automatic suspension is paused (at least 10 characters), for example "
            "'agreements re-sent after the summer; pause until 30/09'."
        )
    return None
