"""Exact row counts of the big tables without reading them.

A list's envelope needs the exact count (ONE pages by it), and `COUNT(*)` reads every row: at a
million datasets that is most of an unfiltered page's time, and it grows with the table. For
the tables in COUNTED_TABLES the database keeps the count itself: triggers add the rows each
statement inserts and subtract the rows it deletes (SQLite: per row; PostgreSQL: per statement,
from its transition tables; TRUNCATE sets 0) in `core_rowcount`, in the same transaction as the
change. An unfiltered list reads that one row.

A missing row (a fresh table, or `core_rowcount` itself emptied, as test flushes do) is counted
once, while writers to that table wait, and stored; from then on the triggers keep it.
"""
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from mirror.core import data_version
from mirror.core.models import RowCount
from mirror.core.prepared import TEXT, PreparedRead

#: Tables whose unfiltered lists are big enough to need it (each has triggers: migration
#: core.0001_rowcount installs them; a table added here needs a migration doing the same).
COUNTED_TABLES = ("actions_session", "data_dataset", "data_filerecord")

_stored_count = PreparedRead(lambda table: RowCount._default_manager.filter(
    table_name=table).values_list("row_count"), TEXT)


def _trigger_name(table: str, event: str) -> str:
    return f"{table}_rowcount_{event}"


def install_sql(vendor: str, table: str) -> list[str]:
    """Statements creating the counting triggers of `table` (functions: `functions_sql`)."""
    if vendor == "postgresql":
        return [
            f"CREATE TRIGGER {_trigger_name(table, 'insert')} AFTER INSERT ON {table} "
            f"REFERENCING NEW TABLE AS changed FOR EACH STATEMENT "
            f"EXECUTE FUNCTION mirror_rowcount_insert()",
            f"CREATE TRIGGER {_trigger_name(table, 'delete')} AFTER DELETE ON {table} "
            f"REFERENCING OLD TABLE AS changed FOR EACH STATEMENT "
            f"EXECUTE FUNCTION mirror_rowcount_delete()",
            f"CREATE TRIGGER {_trigger_name(table, 'truncate')} AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION mirror_rowcount_truncate()",
        ]
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER {_trigger_name(table, event)} AFTER {event.upper()} ON {table} "
            f"BEGIN UPDATE core_rowcount SET row_count = row_count {sign} 1 "
            f"WHERE \"table_name\" = '{table}'; END"
            for event, sign in (("insert", "+"), ("delete", "-"))]
    return []


def uninstall_sql(vendor: str, table: str) -> list[str]:
    events = {"postgresql": ("insert", "delete", "truncate"), "sqlite": ("insert", "delete")}
    on = f" ON {table}" if vendor == "postgresql" else ""
    return [f"DROP TRIGGER IF EXISTS {_trigger_name(table, event)}{on}"
            for event in events.get(vendor, ())]


def restore_sqlite_triggers(connection) -> list[str]:
    """Put back counting triggers that SQLite lost, and recount those tables.

    Django's SQLite schema editor rebuilds a table for most column changes (a new table, the rows
    copied, the old one dropped), and its triggers go with the old table. Run after every
    `migrate` (post_migrate, mirror.core.apps). A table whose triggers were missing has its stored
    count removed, so the next list counts it again. Returns those tables."""
    tables = set(connection.introspection.table_names())
    if "core_rowcount" not in tables:
        return []
    restored = []
    with connection.cursor() as cursor:
        existing = data_version.sqlite_trigger_names(cursor)
        for table in COUNTED_TABLES:
            wanted = {_trigger_name(table, event) for event in ("insert", "delete")}
            if table not in tables or wanted <= existing:
                continue
            for statement in uninstall_sql("sqlite", table) + install_sql("sqlite", table):
                cursor.execute(statement)
            cursor.execute("DELETE FROM core_rowcount WHERE table_name = %s", [table])
            restored.append(table)
    return restored


def functions_sql(vendor: str) -> list[str]:
    """PostgreSQL's trigger functions, shared by every counted table."""
    if vendor != "postgresql":
        return []
    body = ("CREATE OR REPLACE FUNCTION mirror_rowcount_{name}() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN UPDATE core_rowcount SET \"row_count\" = {value} "
            "WHERE \"table_name\" = TG_TABLE_NAME; RETURN NULL; END $$")
    return [body.format(name="insert", value="row_count + (SELECT count(*) FROM changed)"),
            body.format(name="delete", value="row_count - (SELECT count(*) FROM changed)"),
            body.format(name="truncate", value="0")]


def drop_functions_sql(vendor: str) -> list[str]:
    if vendor != "postgresql":
        return []
    return [f"DROP FUNCTION IF EXISTS mirror_rowcount_{name}()"
            for name in ("insert", "delete", "truncate")]


def is_whole_table(queryset) -> bool:
    """True when `queryset` counts every row of a counted table (no filter, no distinct)."""
    query = queryset.query
    return (queryset.model._meta.db_table in COUNTED_TABLES and not query.where
            and not query.distinct and not query.combinator and not query.is_sliced
            and connections[queryset.db].vendor in ("postgresql", "sqlite"))


def table_rows(table: str, using: str = DEFAULT_DB_ALIAS) -> int:
    """The exact number of rows in a counted table, from core_rowcount (stored first if it is
    missing, counted while writers wait: a SHARE lock on PostgreSQL, the write lock on SQLite,
    whose transactions here begin IMMEDIATE)."""
    stored = _stored_count(table, using=using)
    if stored:
        return stored[0][0]
    connection = connections[using]
    quoted = connection.ops.quote_name(table)
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"LOCK TABLE {quoted} IN SHARE MODE")
            cursor.execute(f"SELECT COUNT(*) FROM {quoted}")
            rows = cursor.fetchone()[0]
        RowCount._default_manager.using(using).update_or_create(
            table_name=table, defaults={"row_count": rows})
    return rows
