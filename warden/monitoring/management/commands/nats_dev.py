"""``warden nats-dev [--port 4222]``: a NATS server with JetStream for development."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.monitoring import jetstream


class Command(BaseCommand):
    help = (
        "Run nats-server with JetStream for development and tests by hand: on 127.0.0.1 "
        "only, its store under VAR_DIR/nats, 8 MiB payloads. Ctrl-C stops it. Production "
        "runs nats-server as a service of its own (docs/log-streaming.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=4222, help="client port (4222)")
        parser.add_argument("--monitor-port", type=int, default=8222, help="monitoring port (8222)")

    def handle(self, *args: Any, **options: Any) -> None:
        server = jetstream.NatsProcess(
            Path(settings.VAR_DIR) / "nats",
            port=options["port"],
            monitor_port=options["monitor_port"],
        )
        try:
            server.write_config()
            command = server.command()
        except (OSError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"nats-server on {server.url} (store {server.store_dir}, log {server.log_file}); "
            "Ctrl-C stops it."
        )
        self.stdout.flush()
        process = subprocess.Popen(command)  # noqa: S603 - our own config

        stopping = []

        def stop(signum: int, _frame: FrameType | None) -> None:
            stopping.append(signum)
            process.terminate()

        # Ctrl-C reaches the server too; SIGTERM (a service manager) is passed on to it.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        status = process.wait()
        # nats-server shuts down cleanly on SIGTERM, and says so with status 1.
        if status != 0 and not stopping:
            raise CommandError(f"nats-server stopped with status {status}: see {server.log_file}")
