"""The Squid helper process: ``python -m warden.engine.helper --snapshot FILE``.

Reads Squid's helper lines on stdin and answers on stdout (protocols in
:mod:`warden.engine.squid`); logs to stderr, which Squid copies into cache.log. The snapshot
is re-checked every ``--check-interval`` seconds (default 2) and a replaced file takes
effect without a restart. Without a valid snapshot every request is blocked with the reason
"no valid policy", unless ``--fail-open`` says otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence

from warden.engine.policy import FALLBACK_BLOCK_PAGE, PolicyEngine
from warden.engine.snapshot import SnapshotHolder
from warden.engine.squid import DEFAULT_ACL_FORMAT, Mode, SquidHelper

logger = logging.getLogger("warden.engine.helper")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m warden.engine.helper",
        description="Warden's Squid helper (url_rewrite or external ACL).",
    )
    parser.add_argument("--snapshot", required=True, help="the policy snapshot file")
    parser.add_argument(
        "--mode",
        choices=[m.value for m in Mode],
        default=Mode.URL_REWRITE.value,
        help="helper protocol (default: url-rewrite)",
    )
    parser.add_argument(
        "--fail-open",
        action="store_true",
        help="allow everything while no valid snapshot is loaded (default: block everything)",
    )
    parser.add_argument(
        "--check-interval",
        type=float,
        default=2.0,
        help="seconds between checks of the snapshot file for changes (default: 2)",
    )
    parser.add_argument(
        "--block-page",
        default=FALLBACK_BLOCK_PAGE,
        help="block page to use while no snapshot is loaded",
    )
    parser.add_argument(
        "--acl-format",
        default=" ".join(DEFAULT_ACL_FORMAT),
        help="the external_acl_type fields, in order (default: '%%>a %%un %%URI')",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="Squid's concurrency= setting for this helper; without it, channel IDs are "
        "recognised by themselves (needed only for an external ACL format starting with "
        "%%un or %%DST)",
    )
    parser.add_argument(
        "--log-level", default="WARNING", help="stderr log level (default: WARNING)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
        format="warden-helper %(levelname)s %(message)s",
    )
    # Squid stops helpers by closing stdin or with SIGTERM; leave quietly either way.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    holder = SnapshotHolder(args.snapshot, check_interval=args.check_interval)
    engine = PolicyEngine(holder, fail_open=args.fail_open, fallback_block_page=args.block_page)
    if engine.policy() is None:
        logger.error(
            "no valid policy in %s (%s): %s every request",
            args.snapshot,
            holder.error,
            "allowing" if args.fail_open else "blocking",
        )
    try:
        helper = SquidHelper(
            engine, args.mode, acl_format=args.acl_format.split(), concurrency=args.concurrency
        )
    except ValueError as exc:
        logger.error("%s", exc)
        return 2
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        helper.serve(sys.stdin.buffer, sys.stdout.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
