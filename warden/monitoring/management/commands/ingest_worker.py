"""``warden ingest-worker [--nats URL] [--school SLUG ...] [--batch N] [--until-idle]``."""

from __future__ import annotations

import signal
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.monitoring import jetstream
from warden.monitoring.management.commands.ingest_publish import DEFAULT_NATS


class Command(BaseCommand):
    help = (
        "Ingest log chunks from the NATS JetStream stream (published by `warden "
        "ingest-publish` or a live receiver). Run as many as you like, on one machine or "
        "several: they share one durable consumer. A chunk is acknowledged only after its "
        "violations and archive are committed; a worker that dies leaves its chunk to "
        "another. SIGTERM finishes the chunk in hand and stops."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--nats", default=DEFAULT_NATS, help=f"server (default {DEFAULT_NATS})")
        parser.add_argument(
            "--school",
            action="append",
            default=[],
            metavar="SLUG",
            help="only these schools, through a consumer of their own (repeatable; all "
            "workers of a stream must then name schools)",
        )
        parser.add_argument("--batch", type=int, default=1, help="chunks taken per fetch")
        parser.add_argument(
            "--ack-wait",
            type=float,
            default=jetstream.ACK_WAIT,
            help="seconds after which a silent worker's chunk goes to another (set when the "
            "consumer is created)",
        )
        parser.add_argument(
            "--until-idle",
            action="store_true",
            help="stop when nothing is waiting and nothing is in flight",
        )
        parser.add_argument(
            "--refresh-seconds",
            type=float,
            default=60.0,
            help="how often keywords, leases and filtering snapshots are read again",
        )
        parser.add_argument(
            "--pause-before-commit",
            type=float,
            default=0.0,
            help="wait this long before committing each chunk (to test stopping a worker)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1.")
        worker = jetstream.IngestWorker(
            options["nats"],
            schools=options["school"],
            batch=options["batch"],
            ack_wait=options["ack_wait"],
            refresh_seconds=options["refresh_seconds"],
            pause_before_commit=options["pause_before_commit"],
            report=self._say,
        )

        def stop(signum: int, _frame: FrameType | None) -> None:
            self._say(f"{signal.Signals(signum).name}: stopping after the chunk in hand")
            worker.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            worker.connect()
        except ConnectionError as exc:
            worker.close()
            raise CommandError(f"{exc}. Is it running? (`warden nats-dev` starts one.)") from None
        except jetstream.ConsumerConflict as exc:
            worker.close()
            raise CommandError(f"{exc}.") from None
        worker.warm()
        self._say(f"ingest worker on {options['nats']}: waiting for chunks")
        try:
            stats = worker.run(until_idle=options["until_idle"])
        finally:
            worker.close()
        self._say(
            f"stopped: {stats.ingested} chunks ingested ({stats.violations} violations), "
            f"{stats.skipped} already done, {stats.retried} to retry, {stats.failed} given up"
        )

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
