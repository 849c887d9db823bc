"""Recurring governance work, daily: policy reviews brought forward and reminders, and
training set due for everyone who must take it."""

from datetime import timedelta

from warden.core.schedule import Job
from warden.governance.tasks import policy_reviews, training_due

JOBS = [
    Job(
        "governance.policy_reviews",
        timedelta(days=1),
        policy_reviews,
        "Bring policy reviews forward after severe incidents; remind owners of reviews due",
    ),
    Job(
        "governance.training_due",
        timedelta(days=1),
        training_due,
        "Set training due for everyone who must take it",
    ),
]
