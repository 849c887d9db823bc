"""Recurring agreement work: reminders to everyone due to sign, and a recompute of every
stored standing (a safety net behind the services that keep them), daily."""

from datetime import timedelta

from warden.agreements.tasks import refresh_standings, send_reminders
from warden.core.schedule import Job

JOBS = [
    Job(
        "agreements.reminders",
        timedelta(days=1),
        send_reminders,
        "Remind everyone due to sign an acceptable-use agreement",
    ),
    Job(
        "agreements.standings",
        timedelta(days=1),
        refresh_standings,
        "Recompute where everyone stands with their acceptable-use agreement",
    ),
]
