"""``warden ingest-receive --school S [--format squid] [--udp HOST:PORT] [--http HOST:PORT]``."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.engine.logs import FORMATS
from warden.lib.env import ConfigError, env_str
from warden.monitoring import receiver
from warden.monitoring.management.commands._school import school_from_option


class Command(BaseCommand):
    help = (
        "Receive a school's proxy log lines live (Squid's access_log udp:// or a syslog "
        "relay over UDP, log shippers over HTTP) and publish them to NATS JetStream in "
        "chunks for warden ingest-worker. Listens on loopback unless told otherwise; "
        "Ctrl-C stops after publishing what is buffered."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="the school's slug")
        parser.add_argument("--format", dest="fmt", default="squid", choices=FORMATS)
        parser.add_argument(
            "--udp",
            nargs="?",
            const=receiver.DEFAULT_UDP,
            help=f"listen for datagrams on HOST:PORT (alone: {receiver.DEFAULT_UDP})",
        )
        parser.add_argument(
            "--http",
            nargs="?",
            const=receiver.DEFAULT_HTTP,
            help=f"take POST {receiver.HTTP_PATH} on HOST:PORT (alone: {receiver.DEFAULT_HTTP})",
        )
        parser.add_argument(
            "--token",
            help="the bearer token HTTP senders give (default: WARDEN_INGEST_TOKEN or "
            "the file WARDEN_INGEST_TOKEN_FILE names)",
        )
        parser.add_argument(
            "--allow",
            action="append",
            metavar="CIDR",
            help="take UDP datagrams from this network (repeat; default: loopback only)",
        )
        parser.add_argument(
            "--nats",
            help=f"NATS server URL (default: WARDEN_NATS_URL or {receiver.DEFAULT_NATS_URL})",
        )
        parser.add_argument("--chunk-bytes", type=int, default=receiver.CHUNK_BYTES)
        parser.add_argument("--flush-seconds", type=float, default=receiver.FLUSH_SECONDS)
        parser.add_argument(
            "--buffer-bytes",
            type=int,
            default=receiver.BUFFER_BYTES,
            help="chunks held while NATS is unreachable; lines beyond are dropped and counted",
        )
        parser.add_argument(
            "--stop-after", type=float, default=None, help="stop after this many seconds"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        school = school_from_option(options["school"])
        udp, http = options["udp"], options["http"]
        if udp is None and http is None:
            udp = receiver.DEFAULT_UDP
        try:
            config = receiver.ReceiverConfig(
                school=school.slug,
                fmt=options["fmt"],
                udp=receiver.parse_address(udp, "--udp") if udp else None,
                http=receiver.parse_address(http, "--http") if http else None,
                token=options["token"] or env_str("WARDEN_INGEST_TOKEN"),
                nats_url=options["nats"]
                or env_str("WARDEN_NATS_URL", receiver.DEFAULT_NATS_URL)
                or receiver.DEFAULT_NATS_URL,
                allow=receiver.parse_networks(options["allow"] or receiver.LOOPBACK),
                chunk_bytes=options["chunk_bytes"],
                flush_seconds=options["flush_seconds"],
                buffer_bytes=options["buffer_bytes"],
            )
            stats = asyncio.run(self._serve(receiver.Receiver(config), options["stop_after"]))
        except (receiver.ReceiverError, ConfigError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{school.slug}: {stats.received} lines received, {stats.published_lines} "
            f"published in {stats.published_chunks} chunks, {stats.dropped} dropped, "
            f"{stats.oversized} too long, {stats.refused} refused."
        )

    async def _serve(
        self, live: receiver.Receiver, stop_after: float | None
    ) -> receiver.ReceiverStats:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Not in the main thread (a test runs the command in one): no signal handlers.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, live.stop)
        if stop_after is not None:
            loop.call_later(stop_after, live.stop)
        running = asyncio.create_task(live.run())
        ready = asyncio.create_task(live.wait_ready())
        await asyncio.wait({running, ready}, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():  # it could not listen
            ready.cancel()
            return await running
        where = [f"UDP {a[0]}:{a[1]}" for a in [live.udp_address] if a] + [
            f"HTTP {a[0]}:{a[1]}{receiver.HTTP_PATH}" for a in [live.http_address] if a
        ]
        self.stdout.write(
            f"Receiving {live.config.fmt} lines for {live.config.school} on "
            f"{' and '.join(where)}, publishing to {live.config.nats_url} "
            f"(source {live.source[:12]}).",
        )
        self.stdout.flush()
        return await running
