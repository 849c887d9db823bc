#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "warden.settings")
    from django.core.management import execute_from_command_line
    from django_scopes import scopes_disabled

    # As ``warden`` does (warden/cli.py): commands act for every school.
    with scopes_disabled():
        execute_from_command_line(sys.argv)
