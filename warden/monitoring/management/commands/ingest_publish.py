"""``warden ingest-publish --school SLUG [--format squid] [--nats URL] FILE...``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.engine import logbus
from warden.engine.logs import FORMATS
from warden.monitoring import jetstream
from warden.monitoring.management.commands._school import school_from_option

DEFAULT_NATS = "nats://127.0.0.1:4222"


class Command(BaseCommand):
    help = (
        "Publish log files to the NATS JetStream stream for ingest workers "
        "(`warden ingest-worker`): whole lines in chunks, each confirmed by the server. "
        "Safe to repeat: a file published again sends only what it gained, and the server "
        "and the workers drop chunks they already have."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="log files")
        parser.add_argument("--school", help="the school's slug (needed with several schools)")
        parser.add_argument("--format", dest="fmt", default="squid", choices=FORMATS)
        parser.add_argument("--nats", default=DEFAULT_NATS, help=f"server (default {DEFAULT_NATS})")
        parser.add_argument(
            "--chunk-bytes",
            type=int,
            default=logbus.MAX_CHUNK_BYTES,
            help="largest chunk (at most the server's payload limit less 64 KiB)",
        )
        parser.add_argument(
            "--from-start",
            action="store_true",
            help="cut each file again from its first line (the server and the workers drop "
            "the chunks they already have)",
        )
        parser.add_argument(
            "--wait-seconds",
            type=float,
            default=600.0,
            help="how long to wait for a full stream to take a chunk before giving up",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        school = school_from_option(options["school"])
        paths = [Path(name) for name in options["files"]]
        for path in paths:
            if path.is_dir():
                raise CommandError(f"{path} is not a file.")
            try:
                with open(path, "rb"):
                    pass
            except OSError as exc:
                raise CommandError(f"{path} cannot be read: {exc.strerror or exc}.") from None
        if options["chunk_bytes"] < 1:
            raise CommandError("--chunk-bytes must be positive.")
        try:
            done = asyncio.run(self._publish(school.slug, paths, options))
        except ConnectionError as exc:
            raise CommandError(f"{exc}. Is it running? (`warden nats-dev` starts one.)") from None
        except (ValueError, jetstream.PublishError) as exc:
            raise CommandError(str(exc)) from None
        for item in done:
            self.stdout.write(
                f"{school.slug}: {item.path}: {item.chunks} chunks published "
                f"({item.lines} lines, {item.bytes} bytes; {item.duplicates} the server "
                "already had)."
            )

    async def _publish(
        self, slug: str, paths: list[Path], options: dict[str, Any]
    ) -> list[jetstream.Published]:
        client = await jetstream.connect(options["nats"], "warden-ingest-publish")
        try:
            js = client.jetstream()
            await jetstream.ensure_stream(js)
            limit = min(options["chunk_bytes"], logbus.chunk_limit(client.max_payload))
            progress = jetstream.publish_progress(Path(settings.VAR_DIR))
            done = []
            for path in paths:
                try:
                    done.append(
                        await jetstream.publish_file(
                            js,
                            school=slug,
                            fmt=options["fmt"],
                            path=path,
                            limit=limit,
                            progress=progress,
                            resume=not options["from_start"],
                            wait_seconds=options["wait_seconds"],
                        )
                    )
                except ValueError as exc:
                    raise ValueError(f"{path}: {exc}") from None
            return done
        finally:
            await client.drain()
