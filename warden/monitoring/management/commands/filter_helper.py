"""``warden filter-helper --school SLUG``: Warden's Squid helper for one school's snapshot.

A thin wrapper over :func:`warden.engine.helper.main` that finds the school's snapshot
(``conf.snapshot_path``) and the fail-open and check-interval settings. It touches no
database, so Squid can start many of them cheaply. While it runs, it writes a heartbeat
file every minute (:mod:`warden.monitoring.heartbeats`) that the filtering health page
reads. In squid.conf::

    url_rewrite_program /srv/warden/.venv/bin/warden filter-helper --school SLUG
    url_rewrite_children 20 startup=5 idle=2 concurrency=50
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from warden.engine import helper
from warden.monitoring import conf
from warden.monitoring.heartbeats import beating

MODES = {
    "rewrite": "url-rewrite",
    "url-rewrite": "url-rewrite",
    "acl": "external-acl",
    "external-acl": "external-acl",
}


class Command(BaseCommand):
    help = "Run the Squid helper (url_rewrite or external ACL) for one school's filtering policy."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", required=True, help="the school's slug")
        parser.add_argument("--mode", choices=sorted(MODES), default="rewrite")
        parser.add_argument(
            "--concurrency",
            type=int,
            default=0,
            help="Squid's concurrency= setting; channel IDs are recognised either way",
        )
        parser.add_argument("--snapshot", help="another snapshot file than the school's own")
        parser.add_argument(
            "--check-interval", type=float, help="seconds between looks at the snapshot"
        )
        parser.add_argument(
            "--acl-format", help="external_acl_type fields (default %%>a %%un %%URI)"
        )
        parser.add_argument("--log-level", default="WARNING")

    def handle(self, *args: Any, **options: Any) -> None:
        snapshot = Path(options["snapshot"] or conf.snapshot_path(options["school"]))
        argv = [
            "--snapshot",
            str(snapshot),
            "--mode",
            MODES[options["mode"]],
            "--check-interval",
            str(options["check_interval"] or conf.check_interval()),
            "--block-page",
            conf.block_page_url(options["school"]),
            "--log-level",
            options["log_level"],
        ]
        if options["concurrency"]:
            argv += ["--concurrency", str(options["concurrency"])]
        if options["acl_format"]:
            argv += ["--acl-format", options["acl_format"]]
        if conf.fail_open():
            argv.append("--fail-open")
        with beating(options["school"], snapshot):
            code = helper.main(argv)
        if code:
            raise SystemExit(code)
