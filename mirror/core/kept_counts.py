"""Counts of filtered lists, kept until the data they were counted from changes.

ONE pages through a search by limit/offset, and every page's envelope carries the exact count,
so a filtered search of N pages runs the same COUNT N times. When a filter matches many rows
the COUNT is most of the request and grows with the data: `/sessions?datasets=spikes.times.npy`
over 100,000 sessions is a 350 ms COUNT and a 4 ms page on SQLite.

A count that took at least MIRROR_KEPT_COUNT_MIN_MS is kept in this process together with the
data's version read by the same statement (mirror.core.data_version), and served again only
while a new read of the version gives the same value, so a count is never older than the data.
Each app server process keeps its own counts (at most MIRROR_KEPT_COUNTS, least recently used
dropped first); all of them check the one database's version. A quicker count is recounted each
time: checking the version would cost about as much. Inside a transaction block, and on a query
with grouping, DISTINCT or a set operation, the count is Django's own, never kept.
"""
import time
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections

from mirror.core import data_version, rowcount
from mirror.core.kept import Kept


class _Kept(NamedTuple):
    rows: int
    version: object


_kept = Kept("MIRROR_KEPT_COUNTS")


def count(queryset, version=None) -> int:
    """`queryset.count()`: a whole big table's from its trigger-kept row count
    (mirror.core.rowcount), any other served from a kept count while the data's version is
    unchanged. `version`: the version the caller has just read (its page's), saving a read."""
    if rowcount.is_whole_table(queryset):
        return rowcount.table_rows(queryset.model._meta.db_table, using=queryset.db)
    connection = connections[queryset.db]
    expression = data_version.version_sql(connection.vendor)
    if (not settings.MIRROR_KEPT_COUNTS or expression is None or connection.in_atomic_block
            or not _plain(queryset.query)):
        return queryset.count()
    try:
        sql, params = queryset.order_by().values("pk").query.get_compiler(
            connection=connection).as_sql()
    except EmptyResultSet:
        return 0  # filters that can match nothing (`pk__in=[]`), as Django's count() says
    key = (queryset.db, sql, repr(params))
    kept = _kept.get(key)
    if kept is not None and kept.version == (
            data_version.current(queryset.db) if version is None else version):
        return kept.rows
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), {expression} FROM ({sql}) counted", params)
        rows, version = cursor.fetchone()
    took_ms = (time.perf_counter() - started) * 1000
    if version is not None and took_ms >= settings.MIRROR_KEPT_COUNT_MIN_MS:
        _kept.put(key, _Kept(rows, version))
    return rows


def _plain(query) -> bool:
    """True when the rows' count is the count of their keys: no grouping, aggregate, DISTINCT,
    set operation or slice."""
    return not (query.distinct or query.combinator or query.is_sliced
                or query.group_by is not None
                or any(getattr(a, "contains_aggregate", False)
                       for a in query.annotations.values()))


def forget() -> None:
    """Drop every kept count of this process (tests; nothing else needs it)."""
    _kept.clear()
