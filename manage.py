#!/usr/bin/env python
"""Django's command-line entry point for the mirror."""
import os
import sys


def unlimited_unless_serving(argv: list[str], environ) -> None:
    """Only serving requests has a statement timeout (MIRROR_STATEMENT_TIMEOUT, default 30 s):
    other commands (migrate, imports, bench seeding, shell) run long statements on purpose, so
    they get MIRROR_COMMAND_STATEMENT_TIMEOUT, default 0 (none). Anything that is not a
    command (gunicorn, any WSGI server) keeps the limit: a forgotten setting limits, not opens."""
    if argv[1:2] != ["runserver"]:
        environ["MIRROR_STATEMENT_TIMEOUT"] = environ.get("MIRROR_COMMAND_STATEMENT_TIMEOUT", "0")


def refuse_runserver_on_a_weak_key(argv: list[str]) -> None:
    """runserver loads the WSGI application only in its child process, whose refusal the
    autoreloader prints as a traceback and then waits: say it in one line and exit instead."""
    if argv[1:2] != ["runserver"]:
        return
    from django.conf import settings

    from mirror.core.secret_key import serving_refusal

    refusal = serving_refusal(settings)
    if refusal:
        sys.exit(f"Error: {refusal}")


if __name__ == "__main__":
    unlimited_unless_serving(sys.argv, os.environ)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mirror.settings")
    refuse_runserver_on_a_weak_key(sys.argv)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
