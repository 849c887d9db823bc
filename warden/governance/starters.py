"""What a school starts with: its policies, its courses and the communications matrix
(policy duty "Communications matrix set by the school"), each to be adapted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from warden.core.roles import Role
from warden.governance.models import Allowed, ApprovingBody, PolicyKind
from warden.people.models import PersonType

# (kind, title, approving body)
STARTER_POLICIES: tuple[tuple[str, str, str], ...] = (
    (PolicyKind.ICT_SECURITY, "ICT security policy", ApprovingBody.FULL_GOVERNING_BODY),
    (PolicyKind.ACCEPTABLE_USE, "Acceptable use policy", ApprovingBody.FULL_GOVERNING_BODY),
    (PolicyKind.E_SAFETY, "E-safety (online safety) policy", ApprovingBody.FULL_GOVERNING_BODY),
    (PolicyKind.DATA_PROTECTION, "Data protection policy", ApprovingBody.FULL_GOVERNING_BODY),
)

_STAFF: list[str] = [PersonType.TEACHING_STAFF, PersonType.SUPPORT_STAFF]


@dataclass(frozen=True)
class StarterCourse:
    title: str
    description: str
    person_types: Sequence[str]
    roles: Sequence[str]
    validity_months: int | None
    due_within_days: int
    induction: bool = False


# Policy duties "Staff trained in IT security at induction" (every member of staff, then
# regularly) and "Governors take IT security training".
STARTER_COURSES: tuple[StarterCourse, ...] = (
    StarterCourse(
        "Induction: e-safety and ICT security",
        "The school's ICT security policy and acceptable use, at induction.",
        [*_STAFF, PersonType.SUPPLY_STAFF, PersonType.VOLUNTEER],
        [],
        None,
        14,
        induction=True,
    ),
    StarterCourse(
        "Safeguarding and online safety (annual)",
        "Keeping children safe in education, online safety included.",
        _STAFF,
        [],
        12,
        30,
    ),
    StarterCourse(
        "Data protection (GDPR)",
        "Handling personal data, breaches and subject access.",
        _STAFF,
        [],
        24,
        60,
    ),
    StarterCourse(
        "IT security briefing",
        "Passwords, phishing, devices off site and reporting.",
        _STAFF,
        [Role.ICT_MANAGER, Role.TECHNICIAN],
        12,
        60,
    ),
    StarterCourse(
        "Governors' e-safety training",
        "Awareness session for governors on IT security.",
        [PersonType.GOVERNOR],
        [],
        36,
        90,
    ),
)

# Policy duty "Communications matrix set by the school": (key, what, staff, pupils).
COMMS_ROWS: tuple[tuple[str, str, str, str], ...] = (
    (
        "phones_brought",
        "Mobile phones may be brought to school",
        "certain_times",
        "with_permission",
    ),
    ("phones_lessons", "Use of mobile phones in lessons", "certain_times", "not_allowed"),
    ("phones_social", "Use of mobile phones in social time", "allowed", "not_allowed"),
    ("photos", "Taking photos on mobile phones / cameras", "selected_staff", "not_allowed"),
    (
        "other_devices",
        "Use of other mobile devices, e.g. tablets, gaming devices",
        "certain_times",
        "with_permission",
    ),
    (
        "personal_email",
        "Use of personal e-mail addresses in school, or on the school network",
        "certain_times",
        "not_allowed",
    ),
    (
        "school_email_personal",
        "Use of school e-mail for personal e-mails",
        "selected_staff",
        "with_permission",
    ),
    ("messaging", "Use of messaging apps", "certain_times", "with_permission"),
    ("social_media", "Use of social media", "selected_staff", "with_permission"),
    ("blogs", "Use of blogs", "certain_times", "with_permission"),
)
COMMS_LABELS = {key: label for key, label, _staff, _pupils in COMMS_ROWS}
# The row equipment's pupils'-phones register follows.
PUPIL_PHONES_ROW = "phones_brought"
# Pupils' answers use "with staff permission", staff answers "for selected staff".
STAFF_CHOICES = [c for c in Allowed.choices if c[0] != Allowed.WITH_PERMISSION]
PUPIL_CHOICES = [c for c in Allowed.choices if c[0] != Allowed.SELECTED_STAFF]
