"""A value that changes whenever the committed data changes: what kept results are checked against.

- PostgreSQL: the statement's snapshot, `pg_current_snapshot()`. Two statements with the same
  snapshot see the same committed rows, and every transaction that wrote and has ended (committed
  or rolled back) changes it. Nothing is written to keep it.
- SQLite: `core_dataversion.version`, which a trigger on every table bumps for each row inserted,
  updated or deleted, in the writer's own transaction. SQLite has one writer at a time, so the
  extra row write costs no concurrency. `install_sqlite_triggers` runs after every `migrate` and
  flush (post_migrate, mirror.core.apps) and adds the triggers a table lacks, so tables added or
  rebuilt by later migrations are covered too. If a flush removed the row, it comes back at a
  random value, so a version seen before the flush is not seen again.

Inside a transaction block there is no version (None): a transaction that has written sees its
own rows, which the snapshot does not show and a rollback takes back out of the counter.
"""
import secrets

from django.db import connections

#: Not versioned: the version itself, and row counts, which change only with their tables.
UNVERSIONED_TABLES = frozenset({"core_dataversion", "core_rowcount"})
_EVENTS = ("insert", "update", "delete")


def version_sql(vendor: str) -> str | None:
    """A SQL expression of the data's version on this database, or None if it has none."""
    if vendor == "postgresql":
        return "pg_current_snapshot()::text"
    if vendor == "sqlite":
        return "(SELECT version FROM core_dataversion WHERE id = 1)"
    return None


def current(using: str):
    """The data's version as a statement sees it now (None: no version here, see module doc)."""
    connection = connections[using]
    expression = version_sql(connection.vendor)
    if expression is None or connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expression}")
        return cursor.fetchone()[0]


def trigger_name(table: str, event: str) -> str:
    return f"{table}_dataversion_{event}"


def sqlite_trigger_names(cursor) -> set[str]:
    """The names of every trigger in a SQLite database (the cursor's)."""
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    return {name for (name,) in cursor.fetchall()}


def install_sqlite_triggers(connection) -> int:
    """Add the version triggers that SQLite tables lack, and the version row if it is missing.
    Returns how many triggers were created."""
    tables = set(connection.introspection.table_names())
    if "core_dataversion" not in tables:
        return 0  # migrated back before core.0002
    with connection.cursor() as cursor:
        existing = sqlite_trigger_names(cursor)
        created = 0
        for table in sorted(tables - UNVERSIONED_TABLES):
            if table.startswith("sqlite_"):
                continue
            for event in _EVENTS:
                name = trigger_name(table, event)
                if name in existing:
                    continue
                cursor.execute(
                    f"CREATE TRIGGER {connection.ops.quote_name(name)} AFTER {event.upper()} "
                    f"ON {connection.ops.quote_name(table)} BEGIN "
                    f"UPDATE core_dataversion SET version = version + 1 WHERE id = 1; END")
                created += 1
        cursor.execute("INSERT OR IGNORE INTO core_dataversion (id, version) VALUES (1, %s)",
                       [random_start()])
    return created


def random_start() -> int:
    """A first version no earlier row is likely to have held (63 random bits, halved so that
    a lifetime of increments stays inside a signed 64-bit integer)."""
    return secrets.randbits(62)
