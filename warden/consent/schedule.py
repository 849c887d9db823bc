"""Recurring consent work: reminders to parents and carers who have not answered, daily."""

from datetime import timedelta

from warden.consent.tasks import send_consent_reminders
from warden.core.schedule import Job

JOBS = [
    Job(
        "consent.reminders",
        timedelta(days=1),
        send_consent_reminders,
        "Remind parents and carers who have not answered a consent request",
    ),
]
