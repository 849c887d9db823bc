"""``warden worker``: run background tasks (django-tasks' database backend)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background worker that carries out queued tasks."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("db_worker")
