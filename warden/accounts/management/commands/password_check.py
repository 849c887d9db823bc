"""``warden password-check --school SLUG``: check a candidate password read from stdin.

Exits 0 when the school's policy accepts it; otherwise exits 1 and names each rule it
breaks. The candidate is never printed, logged or audited.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.accounts.management.commands.accounts import school_by_slug
from warden.accounts.passwords import candidate_problems


class Command(BaseCommand):
    help = (
        "Check a candidate password (one line on standard input) against the school's "
        "password policy, the common-password list and the breached-password list. "
        "Exit status 0: acceptable; 1: refused (the failing rules are printed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="the school's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        school = school_by_slug(options["school"])
        line = sys.stdin.readline()
        candidate = line[:-1] if line.endswith("\n") else line
        if candidate.endswith("\r"):
            candidate = candidate[:-1]
        if not candidate:
            raise CommandError("Give the candidate password on standard input.")
        problems = candidate_problems(school, candidate)
        if problems:
            raise CommandError("Refused: " + " ".join(problems), returncode=1)
        self.stdout.write(f"Acceptable under {school.name}'s password policy.")
