"""``warden filter-check URL [--group G] [--user U --ip IP]``: what the filter does with a
site, for each group or one, and the rule that decides it (the "check a site" page's answer,
from the policy the helpers read)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from warden.core.errors import ServiceError
from warden.monitoring.management.commands._school import school_from_option
from warden.monitoring.selectors.filtering_check import site_check


class Command(BaseCommand):
    help = (
        "Check a site against the published filtering policy: the decision for every group "
        "(or --group, or the group of --user/--ip) and the rule that decides it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="the site or address to check")
        parser.add_argument("--school", help="the school's slug")
        parser.add_argument("--group", default="", help="only this filter group (its short name)")
        parser.add_argument("--user", default="", help="the group this user name is in")
        parser.add_argument("--ip", default="", help="the group this client address is in")

    def handle(self, *args: Any, **options: Any) -> None:
        school = school_from_option(options["school"])
        try:
            result = site_check(
                school,
                options["url"],
                group=options["group"],
                user=options["user"],
                client_ip=options["ip"],
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        if result.error:
            raise CommandError(result.error)
        listed = ", ".join(result.categories) or "no category"
        self.stdout.write(f"{result.site}: listed under {listed}")
        for verdict in result.verdicts:
            what = "BLOCK" if verdict.blocked else verdict.action.upper()
            extra = " (safe search)" if verdict.safe_search else ""
            self.stdout.write(
                f"{verdict.slug}\t{what}{extra}\t{verdict.rule}\t{verdict.explanation}"
            )
