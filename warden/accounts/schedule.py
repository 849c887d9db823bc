"""Recurring account work: leavers' deadlines and expiries hourly (policy duty "Leavers'
accounts removed within 48 hours", docs/policy-map.md, leaves little slack), agreement
enforcement daily."""

from datetime import timedelta

from warden.accounts.tasks import enforce_agreements, process_deadlines, send_password_reminders
from warden.core.schedule import Job

JOBS = [
    Job(
        "accounts.deadlines",
        timedelta(hours=1),
        process_deadlines,
        "Leavers' removal deadlines and expired supply and visitor access",
    ),
    Job(
        "accounts.enforce_agreements",
        timedelta(days=1),
        enforce_agreements,
        "Suspend accounts past the agreement grace period (where the school enables it)",
    ),
    Job(
        "accounts.password_reminders",
        timedelta(days=1),
        send_password_reminders,
        "Remind staff whose password on a school system is due for a change",
    ),
]
