"""The data-protection area's refusal of accounts (``accounts.services._holder_refusal``
consults every ``REFUSALS``): a pupil is given an account on a system that holds personal
data only when the system's data-protection record is approved by the SIRO, or the SIRO has
overridden it for that pupil (policy duty "Pupils' data goes only to approved processors")."""

from __future__ import annotations

from warden.accounts import rules as account_rules
from warden.accounts.models import System
from warden.people.models import Person
from warden.privacy import rules
from warden.privacy.models import ProcessorOverride, ProcessorRecord


def processor_refusal(system: System, person: Person) -> account_rules.Refusal | None:
    if not rules.processor_gate_applies(
        is_pupil=person.is_pupil, holds_personal_data=system.holds_personal_data
    ):
        return None
    if ProcessorRecord.objects.filter(system=system, approved=True).exists():
        return None
    if ProcessorOverride.objects.filter(system=system, person=person).exists():
        return None
    return account_rules.Refusal(
        rules.processor_refusal_words(system.name),
        account_rules.NextStep(rules.processor_next_step_words(system.name)),
    )


REFUSALS = [processor_refusal]
