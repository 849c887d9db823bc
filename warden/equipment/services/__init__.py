"""Every write to the equipment register goes through these services.

Each is keyword-only, runs in a transaction, writes an audit entry and raises
``ServiceError`` with a message a person can act on. The policy rules they apply are in
``rules.py``; the possible-breach hook in ``breach.py``; the CSV imports in ``importing.py``.

One module per sub-area: ``assets`` (locations and assets), ``loans`` (with the loan
agreement), ``class_sets``, ``stocktakes``, ``losses``, ``disposal``, ``software`` and
``devices`` (personal devices, pupils' phones and guest Wi-Fi); ``_shared`` holds the few
helpers several of them use. Code inside equipment imports from the sub-modules.
"""

# The app's public services for other areas (incidents records a loss through equipment;
# the worker sends the overdue-loan reminders): they import these names from here.
from warden.equipment.services.loans import loan_reminders_send
from warden.equipment.services.losses import loss_report

__all__ = ["loan_reminders_send", "loss_report"]
