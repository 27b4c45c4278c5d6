"""Refuse to work on a database that is behind the code, with the command that fixes it
(without this, the first query of a new column is a 40-line OperationalError)."""
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def require_migrated(alias: str = DEFAULT_DB_ALIAS) -> None:
    executor = MigrationExecutor(connections[alias])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in pending[:3])
        more = f" and {len(pending) - 3} more" if len(pending) > 3 else ""
        raise CommandError(f"The database is behind the code ({len(pending)} migrations not "
                           f"applied: {names}{more}): run `manage.py migrate` first.")
