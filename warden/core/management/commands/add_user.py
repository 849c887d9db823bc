"""``warden add-user``: the first sign-in of a school or trust, with a temporary password."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.audit import audit_context
from warden.core.errors import ServiceError
from warden.core.models import School, Trust
from warden.core.roles import Role
from warden.core.services import administrator_create


class Command(BaseCommand):
    help = (
        "Create a sign-in with one role at a school (--school) or across a trust (--trust). "
        "Use it for the first headteacher or trust administrator; they add everyone else."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", required=True)
        parser.add_argument("--last-name", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--school", help="The school's short name.")
        where.add_argument("--trust", help="The trust's short name, for a trust-wide role.")

    def handle(self, *args: Any, **options: Any) -> None:
        school = trust = None
        if options["school"]:
            school = School.objects.filter(slug=options["school"]).first()
            if school is None:
                raise CommandError(f"No school {options['school']!r}; add it with add-school.")
        else:
            trust = Trust.objects.filter(slug=options["trust"]).first()
            if trust is None:
                raise CommandError(f"No trust {options['trust']!r}; add a school to create it.")
        with audit_context(via="cli"):
            try:
                user, password = administrator_create(
                    username=options["username"],
                    email=options["email"],
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                    role=options["role"],
                    school=school,
                    trust=trust,
                )
            except ServiceError as exc:
                raise CommandError(exc.message) from None
        self.stdout.write(f"Created {user.username} ({Role(options['role']).label}).")
        self.stdout.write(f"Temporary password: {password}")
        self.stdout.write("It must be changed at first sign-in; give it to them in person.")
