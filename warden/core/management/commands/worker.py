"""``warden worker``: run background tasks (django-tasks' database backend).

Beside the task loop it queues the recurring jobs each minute (``warden.core.schedule``).
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from warden.core.schedule import start_ticking


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
            stop = threading.Event()
            start_ticking(stop)
            try:
                call_command("db_worker")
            finally:
                stop.set()
