"""``warden audit verify``, ``warden audit checkpoint`` and ``warden audit prune``: prove,
anchor and keep the audit trail for as long as its retention rule says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_checkpoint_write, audit_verify
from warden.core.audit_retention import DEFAULT_YEARS, audit_prune
from warden.core.errors import ServiceError


class Command(BaseCommand):
    help = (
        "Work with the audit trail. 'verify' checks every entry's hash chain and that it "
        "still passes through every signed checkpoint; 'checkpoint' signs where the chain "
        "stands now and appends it to the checkpoint file; 'prune' removes the entries "
        "older than the retention rule (7 years) behind a signed anchor."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "checkpoint", "prune"])
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
        parser.add_argument(
            "--older-than-years",
            type=int,
            default=DEFAULT_YEARS,
            help=f"prune: remove entries older than this many years (default {DEFAULT_YEARS})",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="prune: say what would go, remove nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "prune":
            self._prune(options["older_than_years"], dry_run=options["dry_run"])
            return
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

    def _prune(self, years: int, *, dry_run: bool) -> None:
        try:
            pruned = audit_prune(older_than_years=years, dry_run=dry_run)
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        when = f"{pruned.cutoff:%d/%m/%Y}"
        if not pruned.count:
            self.stdout.write(f"No audit entry was written before {when}: nothing to remove.")
            return
        what = f"{pruned.count} audit entries (#{pruned.first} to #{pruned.last}) written before"
        if dry_run:
            self.stdout.write(f"Would remove {what} {when}.")
        else:
            self.stdout.write(f"Removed {what} {when}; the trail now starts after #{pruned.last}.")
