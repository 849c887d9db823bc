"""The ``warden`` command: the one entry point for serving, working and administering.

``warden serve``, ``warden worker``, ``warden migrate``, ``warden import-people`` ... are
Django management commands; dashes in a command's name are accepted for underscores.
"""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager, nullcontext

from warden.lib.private_files import PRIVATE_UMASK


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "warden.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        args = ["help"]
    elif not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    # What Warden writes (database, mail spool, archive, uploads) is for its own user alone;
    # `warden serve` hands this umask on to the web server. Restored on return, for callers
    # in the same process (the tests).
    previous = os.umask(PRIVATE_UMASK)
    try:
        with _tenancy_scope(args[0]):
            execute_from_command_line(["warden", *args])
    finally:
        os.umask(previous)


def _tenancy_scope(command: str) -> AbstractContextManager[None]:
    """Commands and the worker's tasks act for every school (warden.core.tenancy), declared
    here once; the web server leaves each request to enter its own scope."""
    if command == "serve":
        return nullcontext()
    from warden.core.tenancy import all_schools

    return all_schools()


if __name__ == "__main__":
    main()
