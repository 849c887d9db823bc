"""``warden worker``: run background tasks (django-tasks' database backend)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the background worker that carries out queued tasks (e-mails, reminders...)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="Run every queued task, then stop."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"]:
            call_command("db_worker", batch=True, startup_delay=False)
        else:
            call_command("db_worker")
