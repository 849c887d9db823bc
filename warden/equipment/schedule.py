"""Recurring equipment work: reminders for overdue loans, daily."""

from datetime import timedelta

from warden.core.schedule import Job
from warden.equipment.tasks import send_loan_reminders

JOBS = [
    Job(
        "equipment.loan_reminders",
        timedelta(days=1),
        send_loan_reminders,
        "Remind borrowers whose loans are overdue",
    ),
]
