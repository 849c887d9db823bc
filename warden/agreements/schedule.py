"""Recurring agreement work: reminders to everyone due to sign, daily."""

from datetime import timedelta

from warden.agreements.tasks import send_reminders
from warden.core.schedule import Job

JOBS = [
    Job(
        "agreements.reminders",
        timedelta(days=1),
        send_reminders,
        "Remind everyone due to sign an acceptable-use agreement",
    ),
]
