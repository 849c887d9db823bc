"""The data-protection rules, one function or table each, with the clause behind it.

Each rule returns ``None`` for "yes" or the sentence a person sees for "no"; pages show the
sentence as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from warden.equipment.models import AssetType

# UK GDPR Art. 33(1): a reportable breach goes to the ICO "without undue delay and, where
# feasible, not later than 72 hours after having become aware of it".
ICO_HOURS = 72
# The SIRO and the DPO are e-mailed when this many hours of the clock have run, once each
# (policy duty "Information risk incidents logged and handled at once").
ALERT_HOURS = (24, 48)

CLOSE_WORDS = (
    "Record the decision on reporting to the ICO, with its reasons, before closing: UK GDPR "
    "Art. 33(5) asks every breach to be documented with the decision taken."
)


@dataclass(frozen=True)
class Clock:
    """Where a breach stands against the ICO's 72 hours."""

    aware_at: dt.datetime
    deadline: dt.datetime
    decided: bool
    now: dt.datetime

    @property
    def hours_run(self) -> float:
        return (self.now - self.aware_at).total_seconds() / 3600

    @property
    def overdue(self) -> bool:
        return not self.decided and self.now >= self.deadline

    @property
    def running(self) -> bool:
        return not self.decided and self.now < self.deadline

    @property
    def words(self) -> str:
        if self.decided:
            return "ICO decision made"
        left = self.deadline - self.now
        if left.total_seconds() <= 0:
            late = self.now - self.deadline
            return f"ICO deadline passed {_duration(late)} ago"
        return f"{_duration(left)} left to decide on the ICO"


def _duration(delta: dt.timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    minutes = int(delta.total_seconds() % 3600 // 60)
    if hours >= 1:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


def ico_deadline(aware_at: dt.datetime) -> dt.datetime:
    return aware_at + dt.timedelta(hours=ICO_HOURS)


def clock(aware_at: dt.datetime, *, decided: bool, now: dt.datetime) -> Clock:
    return Clock(aware_at, ico_deadline(aware_at), decided, now)


def aware_at_refusal(aware_at: dt.datetime, *, now: dt.datetime) -> str | None:
    """When the school became aware is never in the future (five minutes allow for a slow
    clock): the ICO's 72 hours run from it."""
    if aware_at > now + dt.timedelta(minutes=5):
        return "The time the school became aware cannot be in the future."
    return None


def aware_change_refusals(
    aware_at: dt.datetime, *, now: dt.datetime, reason: str
) -> dict[str, list[str]]:
    """When the school became aware may be moved, never into the future, and only with a
    reason: the ICO asks why a report came late, and the answer is this record."""
    errors: dict[str, list[str]] = {}
    refusal = aware_at_refusal(aware_at, now=now)
    if refusal:
        errors["aware_at"] = [refusal]
    elif len(reason.strip()) < 5:
        errors["aware_reason"] = [
            "Say why the time the school became aware is different (for example, when the "
            "loss was first noticed)."
        ]
    return errors


def decision_refusal(decision: str, reasons: str, ico_reference: str) -> dict[str, list[str]]:
    """What is missing from a decision on reporting to the ICO (Art. 33(5): the facts, the
    effects and the remedial action, and why a breach was not reported)."""
    errors: dict[str, list[str]] = {}
    if decision not in ("report", "not_reportable"):
        errors["decision"] = ["Choose whether to report the breach to the ICO."]
    if len(reasons.strip()) < 10:
        errors["decision_reasons"] = [
            "Give the reasons for the decision: the risk to people's rights and freedoms."
        ]
    if decision == "report" and not ico_reference.strip():
        errors["ico_reference"] = ["Give the reference the ICO gave the report."]
    return errors


def close_refusal(*, decided: bool, lessons: str, open_actions: int) -> str | None:
    """A breach closes only with the decision on the ICO and the lessons learned."""
    if not decided:
        return CLOSE_WORDS
    if len(lessons.strip()) < 10:
        return "Write the lessons learned: what will stop this happening again."
    if open_actions:
        return f"{open_actions} action(s) are not done yet; mark them done before closing."
    return None


def processor_gate_applies(*, is_pupil: bool, holds_personal_data: bool) -> bool:
    """Policy duty "Pupils' data goes only to approved processors": pupils' personal data goes
    only to processors with GDPR clauses, on approved cloud storage. So a pupil's account on
    a system that holds personal data needs the system's data-protection record approved by
    the SIRO."""
    return is_pupil and holds_personal_data


def processor_refusal_words(system_name: str) -> str:
    return (
        f"cannot be given an account on {system_name}: its data-protection record is not "
        "approved by the SIRO."
    )


def processor_next_step_words(system_name: str) -> str:
    return (
        f"Ask the SIRO to approve {system_name}'s data-protection record (Data protection → "
        "Processors), or to override it for this pupil."
    )


def is_removable_media(asset_type: str) -> bool:
    return asset_type == AssetType.REMOVABLE_MEDIA


def wipe_refusal(
    *,
    asset_tag: str,
    asset_type: str,
    last_returned_at: dt.datetime | None,
    last_wiped_at: dt.datetime | None,
    for_disposal: bool,
) -> str | None:
    """Policy duty "Removable media wiped before reuse or disposal": removable media is
    securely wiped before anyone else uses it and before it leaves the school for disposal.
    Media returned from a loan and not wiped since is refused for re-issue and disposal;
    media never wiped is refused for disposal."""
    if not is_removable_media(asset_type):
        return None
    wiped_since = last_wiped_at is not None and (
        last_returned_at is None or last_wiped_at >= last_returned_at
    )
    if last_returned_at is not None and not wiped_since:
        return (
            f"{asset_tag} has not been securely wiped since it was returned on "
            f"{last_returned_at:%d/%m/%Y}; record a secure wipe (Data protection → Removable "
            "media) before it is lent again or disposed of."
        )
    if for_disposal and last_wiped_at is None:
        return (
            f"{asset_tag} has no secure wipe recorded; record one (Data protection → Removable "
            "media) before it is disposed of."
        )
    return None


def off_site_refusal(
    *, starts_on: dt.date, ends_on: dt.date, data_description: str, purpose: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if len(data_description.strip()) < 3:
        errors["data_description"] = ["Say what personal data is taken off site."]
    if len(purpose.strip()) < 3:
        errors["purpose"] = ["Say why it must leave the site."]
    if ends_on < starts_on:
        errors["ends_on"] = ["The permission must end on or after the day it starts."]
    elif (ends_on - starts_on).days > 366:
        errors["ends_on"] = ["Give a permission of a year at most; renew it after."]
    return errors
