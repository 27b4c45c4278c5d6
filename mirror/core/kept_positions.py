"""Deep pages read from where the previous page ended, while the data is unchanged.

ONE lists a search by asking for `limit=L&offset=0`, then `offset=L`, `offset=2L`, … and the
database answers `OFFSET n` by producing and dropping the first n matching rows: every page costs
as much as all the pages before it, and a full listing grows with the square of its length. For
/sessions?datasets=<name> at 100,000 sessions, each dropped row is also a dataset lookup.

After a full page at offset n > 0 this module keeps, per process, the key of the page's last
row and the data's version read before the page (mirror.core.data_version). The request for
offset n + L then reads the rows that sort after that row (`WHERE <filters> AND <after the
row> ORDER BY … LIMIT L`, which starts from the ordering's index), and reads the version again
after the page: when it equals the kept version, no write has been committed since the kept
page was read, so this page is exactly what `OFFSET n + L` returns. Otherwise the page is read
again with OFFSET. A worker that kept no position at n + L starts from its nearest one up to
PAGES_BACK pages earlier and skips the pages between (workers share no memory, and a load
balancer hands a client's pages to them in turn). A version is never seen twice, so a version
read before a page that a write overtook can only make a later check fail, never pass.

It applies to orderings on the listed model's own non-null columns that end with its key (a
total order; NULLs sort differently on each database), outside transaction blocks, and to
pages after the first. Each position is "the rows after row X", with X's sort values read by
the database itself, so no value is converted on the way. At most MIRROR_KEPT_POSITIONS are kept
(least recently used dropped first); 0 turns this off.
"""
import uuid
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import connections
from django.db.models import Q, Subquery

from mirror.core import data_version, page_sql
from mirror.core.kept import Kept
from mirror.core.text_values import text_values


class _Position(NamedTuple):
    last_key: uuid.UUID
    version: object


_kept = Kept("MIRROR_KEPT_POSITIONS")
#: How many pages back a kept position may be and still be used (it then skips those rows).
PAGES_BACK = 8


def read(rows, start: int, stop: int) -> tuple[list[dict], object]:
    """`text_values(rows[start:stop])`, and the data's version the page was read at (None when
    not known: a first page, a transaction block, an ordering this module does not handle)."""
    ordering = _ordering(rows.query) if start else None
    if (ordering is None or not settings.MIRROR_KEPT_POSITIONS
            or connections[rows.db].in_atomic_block
            or data_version.version_sql(connections[rows.db].vendor) is None):
        return text_values(rows[start:stop]), None
    try:
        sql, params = page_sql.as_sql(rows.query, rows.db)
    except EmptyResultSet:
        return [], None
    listing = (rows.db, sql, repr(params))
    kept, skip = _nearest(listing, start, stop - start)
    version = None
    if kept is not None:
        page = text_values(rows.filter(_after(rows.model, ordering, kept.last_key))
                           [skip:skip + stop - start])
        version = data_version.current(rows.db)
        if version == kept.version:
            _remember(listing, start, stop, page, version)
            return page, version
    if version is None:
        version = data_version.current(rows.db)
    page = text_values(rows[start:stop])
    _remember(listing, start, stop, page, version)
    return page, version


def _nearest(listing: tuple, start: int, size: int) -> tuple[_Position | None, int]:
    """The kept position closest before `start` on this listing's page boundaries, and how many
    rows lie between it and `start`. Each worker keeps its own positions, so when a load
    balancer hands a client's pages to several workers in turn, the last page this worker
    read is usually a page or two back: start there and skip those rows."""
    for pages_back in range(PAGES_BACK + 1):
        at = start - pages_back * size
        if at <= 0:
            break
        kept = _kept.get((*listing, at))
        if kept is not None:
            return kept, start - at
    return None, 0


def _ordering(query) -> list[tuple[str, bool]] | None:
    """The query's ordering as (column, descending) pairs when it is a total order on the
    model's own non-null columns ending with the key; None otherwise."""
    if not query.order_by or query.extra_order_by or query.distinct or query.combinator:
        return None
    meta = query.get_meta()
    ordering = []
    for item in query.order_by:
        if not isinstance(item, str):
            return None
        name = item.removeprefix("-")
        try:
            field = meta.pk if name == "pk" else meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not field.concrete or field.null or field.is_relation:
            return None
        ordering.append((field.name, item.startswith("-")))
    return ordering if ordering[-1][0] == meta.pk.name else None


def _after(model, ordering: list[tuple[str, bool]], last_key: uuid.UUID) -> Q:
    """Rows that sort after row `last_key`: by the first column it differs on. The first
    column's bound is repeated alone, so the database starts its index scan there."""
    row = model._default_manager.filter(pk=last_key).order_by()

    def value(column):
        return last_key if column == model._meta.pk.name else Subquery(row.values(column))

    def beyond(column, descending):
        return Q(**{f"{column}__{'lt' if descending else 'gt'}": value(column)})

    *leading, (key, key_descending) = ordering
    after = beyond(key, key_descending)
    for column, descending in reversed(leading):
        after = beyond(column, descending) | (Q(**{column: value(column)}) & after)
    if leading:
        first, descending = leading[0]
        after &= Q(**{f"{first}__{'lte' if descending else 'gte'}": value(first)})
    return after


def _remember(listing: tuple, start: int, stop: int, page: list[dict], version) -> None:
    """Keep where a full page ended, as the start of the page after it."""
    if version is None or not page or len(page) != stop - start or "id" not in page[-1]:
        return
    _kept.put((*listing, stop), _Position(uuid.UUID(str(page[-1]["id"])), version))


def forget() -> None:
    """Drop every kept position of this process (tests)."""
    _kept.clear()
