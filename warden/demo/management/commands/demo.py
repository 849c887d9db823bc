"""``warden demo``: load the synthetic demo trust and print its sign-ins."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.errors import ServiceError
from warden.core.models import School
from warden.core.roles import TWO_FACTOR_ROLES, Role
from warden.demo.trust import (
    DEMO_PASSWORD,
    MAX_SCHOOLS,
    DemoReport,
    SignIn,
    demo_load,
    demo_sign_ins,
)
from warden.people.models import PersonType


def _between(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"choose from {low} to {high}")
        return value

    return parse


class Command(BaseCommand):
    # Loading made-up people needs no check of the site's configuration (a second of CPU):
    # `warden migrate`, which `make run` runs first, checks it.
    requires_system_checks: list[str] = []
    help = (
        "Load a realistic synthetic trust (made-up people only) with schools, pupils, "
        "parents, staff and a sign-in for every role. Safe to run again: it adds only what "
        "is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schools", type=_between(1, MAX_SCHOOLS), default=2, help="Schools (1–10)."
        )
        parser.add_argument(
            "--pupils", type=_between(10, 3000), default=240, help="Pupils per school."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if any school exists (how 'make run' loads the demo once).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and School.objects.exists():
            sign_ins = demo_sign_ins()
            if not sign_ins:
                self.stdout.write("Schools already exist, so the demo was not loaded.")
                return
            self.stdout.write("The demo trust is already loaded.")
            self._sign_ins(sign_ins)
            return
        try:
            report = demo_load(schools=options["schools"], pupils=options["pupils"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self._summary(report)
        self._sign_ins(report.sign_ins)

    def _summary(self, report: DemoReport) -> None:
        schools = ", ".join(report.schools)
        if report.already_loaded:
            self.stdout.write(
                f"The demo trust {report.trust} is already loaded ({schools}); nothing was added."
            )
        else:
            added = _counted(report.created, [*_NOUNS, *report.created])
            self.stdout.write(
                f"Loaded the demo trust {report.trust} in {report.seconds:.1f} s "
                f"({schools}). Added {added}."
            )
        people = _counted(report.people, list(_NOUNS))
        self.stdout.write(
            f"The trust holds {people}, with {report.guardianships} parent–pupil links."
        )

    def _sign_ins(self, sign_ins: list[SignIn]) -> None:
        self.stdout.write(f"\nDemo sign-ins (every one uses the password {DEMO_PASSWORD}):")
        width = max(len(s.username) for s in sign_ins) + 2
        role_width = max(len(s.role_label) for s in sign_ins) + 2
        self.stdout.write(f"  {'Username':<{width}}{'Role':<{role_width}}{'Two-factor':<12}School")
        for s in sign_ins:
            two_factor = "yes" if s.needs_two_factor else "no"
            self.stdout.write(
                f"  {s.username:<{width}}{s.role_label:<{role_width}}{two_factor:<12}{s.school}"
            )
        asked = [Role(r).label for r in Role.values if r in TWO_FACTOR_ROLES]
        not_asked = [Role(r).label for r in Role.values if r not in TWO_FACTOR_ROLES]
        self.stdout.write(
            f"\nSign-ins with a role that needs two-factor sign-in ({_listed(asked)}) are asked "
            "to set up an authenticator app at their first sign-in. "
            f"{_listed(not_asked)} sign-ins are not."
        )


# Plural nouns for what a run counts, in the order the summary lists them.
_NOUNS: dict[str, str] = {
    "trust": "trust",
    "schools": "schools",
    PersonType.PUPIL: "pupils",
    PersonType.PARENT: "parents and carers",
    PersonType.TEACHING_STAFF: "teaching staff",
    PersonType.SUPPORT_STAFF: "support staff",
    PersonType.SUPPLY_STAFF: "supply staff",
    PersonType.GOVERNOR: "governors",
    PersonType.VOLUNTEER: "volunteers",
    PersonType.VISITOR: "visitors",
    PersonType.CONTRACTOR: "contractors",
    PersonType.COMMUNITY: "community users",
    "guardianships": "parent–pupil links",
    "users": "sign-ins",
    "memberships": "role memberships",
}


def _counted(counts: Mapping[str, int], order: list[str]) -> str:
    seen = dict.fromkeys(order)
    return ", ".join(f"{counts[k]} {_NOUNS.get(k, k)}" for k in seen if counts.get(k))


def _listed(items: list[str]) -> str:
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)
