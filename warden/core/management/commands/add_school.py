"""``warden add-school``: register a school (and its trust) on a new installation."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_context
from warden.core.errors import ServiceError
from warden.core.services import school_register


class Command(BaseCommand):
    help = "Add a school. A standalone school is a trust of one: give the school's own name."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="The school's name.")
        parser.add_argument("--slug", required=True, help="Short name used in commands.")
        parser.add_argument("--trust-slug", required=True, help="The trust's short name.")
        parser.add_argument("--trust-name", help="The trust's name (when it is new).")
        parser.add_argument("--urn", default="", help="The DfE unique reference number.")
        parser.add_argument(
            "--phase", default="primary", choices=["primary", "secondary", "all_through", "special"]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with audit_context(via="cli"):
            try:
                school = school_register(
                    trust_slug=options["trust_slug"],
                    trust_name=options["trust_name"] or options["name"],
                    name=options["name"],
                    slug=options["slug"],
                    urn=options["urn"],
                    phase=options["phase"],
                )
            except ServiceError as exc:
                raise CommandError(exc.message) from None
        self.stdout.write(f"Added {school.name} ({school.slug}) to {school.trust.name}.")
