"""Why an account may not be re-enabled: a sanction in force holds it.

Accounts asks ``collect("account_holds", "HOLDS")`` before re-enabling an account; each
callable takes the account and returns the reason it stays suspended, or None.
"""

from __future__ import annotations

from warden.accounts.models import Account
from warden.incidents.models import Sanction, SanctionState


def sanction_hold(account: Account) -> str | None:
    """A suspension for a serious breach holds until the outcome (policy duty "Severe
    breach suspends access until the outcome", docs/policy-map.md).

    Only ending the sanction (DSL or headteacher, with a reason, on the incident) brings
    the account back; the re-enable button of the accounts pages is refused until then.
    """
    in_force = Sanction.objects.filter(
        person_id=account.person_id, state=SanctionState.ACTIVE
    ).only("suspended_accounts", "ends_on")
    # suspended_accounts is a JSON list; SQLite has no JSON "contains", so look in Python.
    for sanction in in_force:
        if account.pk in sanction.suspended_accounts:
            until = (
                f"until {sanction.ends_on:%d/%m/%Y}" if sanction.ends_on else "until the outcome"
            )
            return (
                f"is suspended by an e-safety sanction in force {until}. It comes back only "
                "when the DSL or headteacher ends the sanction, with a reason."
            )
    return None


HOLDS = [sanction_hold]
