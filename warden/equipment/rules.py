"""The equipment policy rules, each in one place with the clause it implements.

Services ask these; pages show their words when they refuse.
"""

from __future__ import annotations

import datetime as dt

from warden.core.roles import Role
from warden.equipment.models import AssetState, AssetType

# How long a one-time link to accept a loan agreement stays valid.
ACCEPTANCE_LINK_DAYS = 7
# Days between reminders about the same overdue loan.
REMINDER_INTERVAL_DAYS = 3
# Default loan length offered at the desk.
DEFAULT_LOAN_DAYS = 14


def checkout_refusal(state: str, *, in_disposal_batch: bool, open_loan: bool) -> str | None:
    """Why an asset in this state may not be checked out, or None.

    A disposed asset has left the school for good (policy duty "Disposal only through an
    approved company", docs/policy-map.md) and can never be lent again. Lost, stolen or
    written-off equipment is not in the school's hands; equipment in repair is not fit to
    lend; and an asset goes to one person at a time.
    """
    if state == AssetState.DISPOSED:
        return "This asset has been disposed of; a disposed asset can never be checked out."
    if in_disposal_batch:
        return "This asset is in a disposal batch waiting for collection; it cannot be lent."
    if state in (AssetState.LOST, AssetState.STOLEN):
        return (
            "This asset is recorded as lost or stolen. Record that it was found before lending it."
        )
    if state == AssetState.WRITTEN_OFF:
        return "This asset was written off; it cannot be lent."
    if state == AssetState.IN_REPAIR:
        return "This asset is in repair; check it back into stock before lending it."
    if open_loan:
        return "This asset is already checked out; check it in first."
    return None


def permission_needed(*, borrower_is_staff: bool, setting_on: bool) -> bool:
    """Policy duty "Loans need permission and a signed loan agreement" (docs/policy-map.md):
    staff borrow with the ICT security manager's and the headteacher's permission. A school
    may switch the step off (it is on by default); it never applies to pupils' loans, which
    carry the loan agreement and their parents' counter-signed acceptable-use agreement."""
    return borrower_is_staff and setting_on


# Who gives the two permissions a staff loan needs (``permission_needed``), each once: the
# ICT security manager ("ict") and the headteacher ("head"). Either may refuse the loan.
PERMISSION_GIVERS: dict[str, str] = {"ict": Role.ICT_MANAGER, "head": Role.HEADTEACHER}


def staff_agreement_refusal(standing_refusal: str | None) -> str | None:
    """Policy duties "Loans need permission and a signed loan agreement" and "No access
    without a current agreement" (docs/policy-map.md): a member of staff borrows only while
    their staff acceptable-use agreement is current (``agreements.rules.access_refusal``)."""
    if standing_refusal is None:
        return None
    reason = standing_refusal.removeprefix("cannot activate: ")
    return (
        "Equipment is lent to staff only once they have signed the staff acceptable-use "
        f"agreement (ICT security policy, staff equipment loans), and for this person: {reason}."
    )


def off_site_refusal(
    *, holds_personal_data: bool, encrypted: bool, off_site: bool, exception_until: dt.date | None
) -> str | None:
    """Policy duty "Personal data leaves the site only encrypted" (docs/policy-map.md): a
    device that can hold personal data leaves the site only if it is encrypted. The SIRO may
    record an exception with a reason and an end date; while it runs the device may go."""
    if not off_site or not holds_personal_data or encrypted or exception_until is not None:
        return None
    return (
        "This device can hold personal data and is not encrypted, so it may not leave the "
        "school site (data protection: encrypt devices that leave the site). Encrypt it and "
        "record that on the asset, lend it for use in school only, or ask the SIRO to record "
        "an exception with a reason and an end date."
    )


def off_site_exception_problems(
    *, reason: str, ends_on: dt.date | None, today: dt.date
) -> dict[str, list[str]]:
    """An exception is for a stated need and lapses by itself (at most a year ahead)."""
    problems: dict[str, list[str]] = {}
    if len(" ".join(reason.split())) < 10:
        problems["reason"] = [
            "Say why the device must leave the site unencrypted (at least 10 characters)."
        ]
    if ends_on is None:
        problems["ends_on"] = ["Give the date the exception ends."]
    elif ends_on < today:
        problems["ends_on"] = ["The end date is in the past; choose today or later."]
    elif ends_on > today + dt.timedelta(days=366):
        problems["ends_on"] = ["An exception lasts at most a year; choose an earlier end date."]
    return problems


def assignment_refusal(*, kind: str, can_manage_equipment: bool) -> str | None:
    """Policy duty "Equipment allocated with ICT authorisation" (docs/policy-map.md). The
    office signs loans in and out; allocating a device to someone for as long as they are in
    post is the ICT team's call."""
    if kind == "assignment" and not can_manage_equipment:
        return (
            "Only the ICT team allocates equipment to someone for as long as they are in post "
            "(ICT security policy §3i); check it out as a loan with a due date instead."
        )
    return None


def write_off_refusal(reason: str) -> str | None:
    """Policy duty "Equipment returned on leaving" (docs/policy-map.md): anything that is
    not must be written off with a reason a reviewer can follow."""
    if len(" ".join(reason.split())) < 5:
        return "Say why the item is being written off (at least a few words)."
    return None


def disposal_completion_problems(
    *, certificate_number: str, has_scan: bool, weee_reference: str, wiping_method: str
) -> dict[str, list[str]]:
    """Policy duty "Disposal only through an approved company" (docs/policy-map.md): the
    company provides a certificate of disposal, and disposal follows WEEE and data
    protection law, so the data-wiping method is recorded too."""
    errors: dict[str, list[str]] = {}
    if not certificate_number.strip():
        errors["certificate_number"] = ["Enter the certificate of disposal number."]
    if not has_scan:
        errors["certificate_scan"] = ["Attach the scan of the certificate of disposal."]
    if not weee_reference.strip():
        errors["weee_reference"] = ["Enter the WEEE waste transfer or consignment reference."]
    if not wiping_method:
        errors["wiping_method"] = ["Choose how the data was wiped."]
    return errors


def audit_next_due(done_on: dt.date, interval_days: int) -> dt.date:
    return done_on + dt.timedelta(days=interval_days)


def default_holds_personal_data(asset_type: str) -> bool:
    """Anything with storage can hold personal data (the policy says data must not be kept
    on laptops or USB drives, which is exactly why a loss must assume it might)."""
    return asset_type not in (AssetType.DISPLAY, AssetType.NETWORK, AssetType.SIM)


# The built-in device loan agreement, used when the school has not published its own
# "Device loan" agreement (policy duty "Loans need permission and a signed loan
# agreement", docs/policy-map.md).
BUILT_IN_TITLE = "Device loan agreement"
BUILT_IN_LABEL = "built-in"
BUILT_IN_TEXT = """\
I accept this device on loan from the school, and I agree that:

1. The device remains the property of the school at all times. I will use it only for my
   professional responsibilities (or, for a pupil, school work), in and out of school.
2. I will take proper care of it: keep liquids and heavy objects away from it, never
   leave it unattended in a vehicle or on view, and carry it in its case if one is given.
3. I will keep it secure: lock it when I step away, keep my password to myself and not
   let friends or family use it.
4. I will not install software on it. Software is installed only with the ICT
   administrator's authorisation.
5. I will not store personal data on it; school data is saved to the school's storage.
6. I will make it available for updates and checks when the ICT team asks, and hand it
   over at once if the headteacher or ICT manager asks for it.
7. If it is lost, stolen or damaged I will tell the school office or ICT manager
   immediately.
8. I will return it by the date agreed, and in any case before I leave the school.
"""
