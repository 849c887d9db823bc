"""Background tasks: the one way to write one (``warden_task``), and core's own tasks.

Every task is made with ``@warden_task``, which runs it with its audit context: entries a
task writes without a user say they came from a background task and name "the scheduler"
when the schedule (``warden.core.schedule``) queued it, "the worker" otherwise. A task
that works school by school acts for each in turn with ``audit_acting_school``.

Work that a transaction decides is queued once it commits (``enqueue_on_commit``,
``send_email_on_commit``): nothing is sent about a change that is rolled back, whichever
task backend runs it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMessage
from django.db import transaction
from django_tasks.base import Task, TaskResult

from warden.core.audit import audit_checkpoint_write, audit_context
from warden.core.tenancy import all_schools

P = ParamSpec("P")
T = TypeVar("T")

# Who queued a task, as the audit trail names it when no user acted.
SCHEDULER = "the scheduler"
WORKER = "the worker"
_QUEUED_BY = "_queued_by"
"""The keyword the schedule adds when it queues a job; the task itself never sees it."""


class WardenTask(Task[P, T]):
    """A django-tasks task that knows who queued it and can wait for a commit."""

    __slots__ = ()

    def enqueue_on_commit(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Queue the task once the current transaction commits (at once outside one)."""
        transaction.on_commit(lambda: self.enqueue(*args, **kwargs))

    def enqueue_scheduled(self) -> TaskResult[T]:
        """Queue the task for the schedule: its audit entries name "the scheduler"."""
        return self.get_backend().enqueue(self, (), {_QUEUED_BY: SCHEDULER})


def warden_task(function: Callable[P, T]) -> WardenTask[P, T]:
    """Make ``function`` a background task that runs with its audit context, for every
    school (warden.core.tenancy: a task picks its schools itself)."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> T:
        queued_by = kwargs.pop(_QUEUED_BY, WORKER)
        with all_schools(), audit_context(via="task", system_actor=queued_by):
            return function(*args, **kwargs)

    return WardenTask(func=cast(Callable[P, T], run))


@warden_task
def send_email(*, subject: str, body: str, to: list[str], from_email: str | None = None) -> int:
    """Send one plain-text e-mail; a failure is retried by running the task again."""
    message = EmailMessage(subject, body, from_email or settings.DEFAULT_FROM_EMAIL, to)
    return message.send()


def send_email_on_commit(*, subject: str, body: str, to: list[str]) -> None:
    """Queue ``send_email`` once the current transaction commits: nothing is sent about a
    change that is rolled back."""
    send_email.enqueue_on_commit(subject=subject, body=body, to=to)


@warden_task
def audit_checkpoint() -> int:
    """Sign where the audit chain stands (``warden audit checkpoint`` does it on demand)."""
    return audit_checkpoint_write(if_changed=True).seq


@warden_task
def password_reset_send(*, email: str) -> None:
    """Send a reset link to each active sign-in with this address (none when unknown)."""
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return
    base = urlsplit(settings.WARDEN_BASE_URL)
    form.save(
        domain_override=base.netloc,
        use_https=base.scheme == "https",
        subject_template_name="core/password_reset_subject.txt",
        email_template_name="core/password_reset_email.txt",
    )
