"""``warden serve``: the web server (gunicorn), with static files served by Warden itself."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def default_workers() -> int:
    """One worker per core, and one more to take requests while others wait on the
    database."""
    return (os.cpu_count() or 1) + 1


class Command(BaseCommand):
    help = "Serve Warden over HTTP."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="Worker processes (default: one per core and one more).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=1,
            help="Threads per worker (default 1: each worker takes a request when it is free).",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=120,
            help="Seconds a request may take before its worker is restarted (default 120).",
        )

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
            # One thread: gunicorn's sync worker, which accepts a connection only when it is
            # free, so requests wait in the listening socket for whichever worker frees up
            # first. The threaded worker accepts while busy and queues behind its own slow
            # request: under the load benchmark its p95 was 226-352 ms where one request a
            # worker, a worker per core and one more, gave 175-256 ms (docs/benchmarks.md).
            *(
                ["--threads", str(options["threads"]), "--worker-class", "gthread"]
                if options["threads"] > 1
                else ["--worker-class", "sync"]
            ),
            # Whole-list downloads and PDFs take seconds, not the default 30 s limit's worth.
            "--timeout",
            str(options["timeout"]),
            # Each request on a connection of its own: a kept-alive connection stays with the
            # worker that took it, so a few busy browsers (or a proxy's pool) could load one
            # worker while the other idled; taken afresh, each request goes to a free one.
            "--keep-alive",
            "0",
            "--access-logfile",
            "-",
        ]
        # Each worker (thread) keeps its database connection for a minute (unless
        # DATABASE_CONN_MAX_AGE says otherwise): opening one for every request cost more
        # than most pages do.
        os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")
        # Replace this process so signals from `make run` reach gunicorn directly.
        os.execv(sys.executable, argv)  # noqa: S606
