from __future__ import annotations

import datetime as dt

from django.utils import timezone

from warden.cli import main as warden
from warden.core.schedule import all_jobs, schedule_tick


def test_every_area_offers_its_recurring_jobs(db):
    names = {job.name for job in all_jobs()}
    assert {"accounts.deadlines", "accounts.enforce_agreements", "agreements.reminders"} <= names
    assert {"incidents.sanctions", "incidents.digest", "incidents.weekly_report"} <= names
    assert "monitoring.filter_assignments" in names


def test_each_job_is_queued_once_a_period(db):
    start = timezone.now()
    first = schedule_tick(now=start)
    assert set(first) == {job.name for job in all_jobs()}
    assert schedule_tick(now=start + dt.timedelta(minutes=1)) == []
    hourly = {job.name for job in all_jobs() if job.every <= dt.timedelta(hours=1)}
    assert set(schedule_tick(now=start + dt.timedelta(hours=1))) == hourly
    daily = {job.name for job in all_jobs() if job.every <= dt.timedelta(days=1)}
    assert set(schedule_tick(now=start + dt.timedelta(days=1))) == daily
    assert set(schedule_tick(now=start + dt.timedelta(days=7))) == {j.name for j in all_jobs()}


def test_warden_schedule_lists_jobs_and_runs_those_due(db, capsys):
    warden(["schedule"])
    assert "accounts.deadlines" in capsys.readouterr().out
    warden(["schedule", "--run-due"])
    assert "accounts.deadlines" in capsys.readouterr().out
    warden(["schedule", "--run-due"])
    assert "Nothing is due." in capsys.readouterr().out
