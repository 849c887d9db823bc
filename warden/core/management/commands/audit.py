"""``warden audit verify`` and ``warden audit checkpoint``: prove and anchor the audit trail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_checkpoint_write, audit_verify
from warden.core.errors import ServiceError


class Command(BaseCommand):
    help = (
        "Work with the audit trail. 'verify' checks every entry's hash chain and that it "
        "still passes through every signed checkpoint; 'checkpoint' signs where the chain "
        "stands now and appends it to the checkpoint file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "checkpoint"])
        parser.add_argument(
            "--checkpoint-file",
            type=Path,
            help="verify: check against the checkpoints in this file instead of the site's "
            "(for instance a line saved from a checkpoint e-mail)",
        )
        parser.add_argument(
            "--email",
            action="store_true",
            help="checkpoint: also e-mail the signed checkpoint to every SIRO",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checkpoint":
            try:
                checkpoint = audit_checkpoint_write(notify=options["email"] or None)
            except ServiceError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"Checkpoint written: {checkpoint.describe()}.")
            return
        path = options["checkpoint_file"]
        if path is not None and not path.is_file():
            raise CommandError(f"There is no checkpoint file at {path}: give a file's path.")
        result = audit_verify(checkpoint_file=path)
        if not result.ok:
            raise CommandError(
                f"Audit trail broken after {result.checked} good entries: {result.problem}"
            )
        self.stdout.write(f"Audit trail intact: {result.checked} entries verified.")
        if result.checkpoint is not None:
            self.stdout.write(
                f"It passes through every checkpoint up to {result.checkpoint.describe()}."
            )
        else:
            self.stderr.write(
                "There is no checkpoint yet, so removing the newest entries or re-hashing the "
                "trail would not show: run 'warden audit checkpoint' (the worker writes one "
                "on its schedule)."
            )
