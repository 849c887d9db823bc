"""Background tasks: one way to write them (``warden_task``), run as the scheduler or the
worker, e-mail only after commit, and none that nothing queues."""

from __future__ import annotations

import ast
import datetime as dt
from importlib import import_module
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_tasks.base import Task

from warden.agreements.models import Audience
from warden.agreements.testing import published_version
from warden.core.models import AuditEntry
from warden.core.schedule import all_jobs, schedule_tick
from warden.core.tasks import SCHEDULER, WORKER, WardenTask
from warden.incidents.services.triage import violations_received
from warden.incidents.tests.object_makers import violation_at
from warden.testing.clients import committed
from warden.testing.factories import PersonFactory

WARDEN = Path(__file__).resolve().parents[2]
QUEUEING = {"enqueue", "aenqueue", "enqueue_on_commit"}


def _task_modules() -> list[str]:
    """Every ``tasks.py`` and module of a ``tasks/`` package under ``warden/``."""
    found = []
    for path in sorted(WARDEN.rglob("*.py")):
        parts = path.relative_to(WARDEN.parent).with_suffix("").parts
        if "tests" in parts:
            continue
        if parts[-1] == "tasks" or "tasks" in parts[:-1]:
            found.append(".".join(p for p in parts if p != "__init__"))
    return found


def _tasks() -> list[tuple[str, str, Task]]:
    found = []
    for module_name in _task_modules():
        module = import_module(module_name)
        for name, value in vars(module).items():
            if isinstance(value, Task) and value.func.__module__ == module_name:
                found.append((module_name, name, value))
    return found


def _queued_names() -> set[str]:
    """Names whose ``enqueue`` (or ``enqueue_on_commit``) Warden's own code calls."""
    names = set()
    for path in WARDEN.rglob("*.py"):
        if "tests" in path.parts or "testing" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in QUEUEING:
                continue
            target = node.func.value
            if isinstance(target, ast.Name):
                names.add(target.id)
            elif isinstance(target, ast.Attribute):
                names.add(target.attr)
    return names


def test_the_scan_finds_every_areas_tasks():
    modules = {module for module, _, _ in _tasks()}
    assert {
        "warden.core.tasks",
        "warden.accounts.tasks",
        "warden.agreements.tasks",
        "warden.equipment.tasks",
        "warden.incidents.tasks",
        "warden.monitoring.tasks.filtering",
    } <= modules


def test_every_task_is_made_with_warden_task_and_something_queues_it(db):
    scheduled = {job.task for job in all_jobs()}
    queued = _queued_names()
    problems = []
    for module, name, task in _tasks():
        if not isinstance(task, WardenTask):
            problems.append(f"{module}.{name} is not made with @warden_task")
        if task not in scheduled and name not in queued:
            problems.append(
                f"{module}.{name} is never queued: list it in a schedule's JOBS, queue it "
                "from a service or view, or remove it"
            )
    assert problems == []


def test_a_scheduled_jobs_audit_entries_name_the_scheduler(school):
    person = PersonFactory.create(school=school, email="due@example.org")
    now = timezone.make_aware(dt.datetime(2026, 10, 1, 9))
    with time_machine.travel(now, tick=False):
        published_version(school, Audience.STAFF)
        with committed():
            assert "agreements.reminders" in schedule_tick(now=now)
    entry = AuditEntry.objects.get(action="agreement_reminder.sent")
    assert (entry.actor, entry.actor_label, entry.via) == (None, SCHEDULER, "task")
    assert entry.school == school
    assert mail.outbox[-1].to == [person.email]


def test_a_task_queued_by_anything_else_names_the_worker(school):
    from warden.agreements.tasks import send_reminders

    PersonFactory.create(school=school, email="due@example.org")
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 10, 1, 9)), tick=False):
        published_version(school, Audience.STAFF)
        send_reminders.enqueue()
    entry = AuditEntry.objects.get(action="agreement_reminder.sent")
    assert (entry.actor_label, entry.via) == (WORKER, "task")


def test_an_alert_is_e_mailed_only_once_its_change_commits(school, dsl):
    urgent = violation_at(school, severity=5)
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        violations_received(school=school, violation_ids=[urgent.pk])
        assert mail.outbox == []  # queued for the commit, not sent
        raise RuntimeError("the change is rolled back")
    assert mail.outbox == []
    with committed():
        violations_received(school=school, violation_ids=[urgent.pk])
    assert [message.to for message in mail.outbox] == [[dsl.email]]
