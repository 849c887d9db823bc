"""``warden serve``: the web server (gunicorn), with static files served by Warden itself."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Warden over HTTP."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"Warden is serving on http://{bind}/")
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "warden.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            # Each request on a connection of its own: a kept-alive connection stays with the
            # worker that took it, so a few busy browsers (or a proxy's pool) could load one
            # worker while the other idled; taken afresh, each request goes to a free one.
            "--keep-alive",
            "0",
            "--access-logfile",
            "-",
        ]
        # Each worker thread keeps its database connection for a minute (unless
        # DATABASE_CONN_MAX_AGE says otherwise): opening one for every request cost more
        # than most pages do.
        os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")
        # Replace this process so signals from `make run` reach gunicorn directly.
        os.execv(sys.executable, argv)  # noqa: S606
