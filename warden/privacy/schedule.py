"""Recurring data-protection work: the ICO clock's alerts, every 15 minutes so a 24-hour
alert goes within a quarter of an hour of the mark."""

from datetime import timedelta

from warden.core.schedule import Job
from warden.privacy.tasks import send_breach_alerts

JOBS = [
    Job(
        "privacy.breach_alerts",
        timedelta(minutes=15),
        send_breach_alerts,
        "Alert the SIRO and the DPO as a data breach's 72 hours run",
    ),
]
