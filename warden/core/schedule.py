"""Recurring work: each area lists its jobs in ``<app>/schedule.py`` as ``JOBS``.

A job is a task made with ``warden_task`` that takes no arguments, and a period.
``schedule_tick`` queues every job whose period has passed since it was last queued (as
"the scheduler", whom the job's audit entries name); the worker (``warden worker``) calls it
once a minute in a thread beside the task loop, and ``warden schedule --run-due``
calls it once (for a cron line, or a server without a long-running worker).

Several workers may tick at once: a job is claimed by a conditional update of its
``ScheduledRun`` row, which only one of them can win, so each job is queued once a period.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from warden.core.models import ScheduledRun
from warden.core.registry import collect
from warden.core.tasks import WardenTask, audit_checkpoint

log = logging.getLogger(__name__)

TICK_SECONDS = 60


@dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    task: WardenTask[[], Any]
    """A task made with ``warden_task``, called with no arguments."""
    description: str

    def __post_init__(self) -> None:
        if not isinstance(self.task, WardenTask):
            raise TypeError(
                f"The job {self.name} runs {self.task!r}: make the task with "
                "@warden_task (warden.core.tasks) so it runs as the scheduler"
            )


def all_jobs() -> tuple[Job, ...]:
    return tuple(sorted(collect("schedule", "JOBS"), key=lambda job: job.name))


def _claim(job: Job, now: dt.datetime) -> bool:
    """Take this period's run of ``job``; False when it is not due or another worker won."""
    claimed = ScheduledRun.objects.filter(
        name=job.name, last_queued_at__lte=now - job.every
    ).update(last_queued_at=now)
    if claimed:
        return True
    if ScheduledRun.objects.filter(name=job.name).exists():
        return False
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(name=job.name, last_queued_at=now)
    except IntegrityError:  # another worker created it first
        return False
    return True


def schedule_tick(*, now: dt.datetime | None = None) -> list[str]:
    """Queue every job that is due; returns the names of the jobs queued."""
    now = now or timezone.now()
    queued = []
    for job in all_jobs():
        if _claim(job, now):
            job.task.enqueue_scheduled()
            queued.append(job.name)
    return queued


def last_runs() -> dict[str, dt.datetime]:
    return dict(ScheduledRun.objects.values_list("name", "last_queued_at"))


def start_ticking(stop: threading.Event) -> threading.Thread:
    """Tick once a minute in a daemon thread until ``stop`` is set."""

    def loop() -> None:
        while not stop.is_set():
            try:
                queued = schedule_tick()
                if queued:
                    log.info("Scheduled jobs queued: %s", ", ".join(queued))
            except Exception:  # the worker goes on; the next tick tries again
                log.exception("Scheduled jobs could not be queued")
            finally:
                close_old_connections()
            stop.wait(TICK_SECONDS)

    thread = threading.Thread(target=loop, name="warden-schedule", daemon=True)
    thread.start()
    return thread


# Core's own recurring work: the audit checkpoint (warden.core.audit_checkpoints).
JOBS = [
    Job(
        "core.audit_checkpoint",
        dt.timedelta(minutes=settings.WARDEN_AUDIT_CHECKPOINT_MINUTES),
        audit_checkpoint,
        "Sign where the audit trail stands, so removed or rewritten entries show",
    )
]
