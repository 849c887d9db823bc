"""``warden schedule``: list the recurring jobs, or queue the ones that are due."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from warden.core.schedule import all_jobs, last_runs, schedule_tick


class Command(BaseCommand):
    help = "List recurring jobs and when each was last queued; --run-due queues those due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--run-due", action="store_true", help="Queue every job that is due, then stop."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["run_due"]:
            queued = schedule_tick()
            self.stdout.write(f"Queued: {', '.join(queued)}" if queued else "Nothing is due.")
            return
        runs = last_runs()
        for job in all_jobs():
            last = runs.get(job.name)
            when = f"last queued {last:%d/%m/%Y %H:%M}" if last else "never queued"
            self.stdout.write(f"{job.name:32} every {job.every}  {when}  {job.description}")
