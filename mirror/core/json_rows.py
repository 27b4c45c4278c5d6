"""A record's to-many values as one column of its list page: a correlated subquery's rows as JSON.

A list page needs, per row, the names of its projects or the copies of its file. Reading them
with a second statement for the whole page costs a round trip and a Python pass over every
related row (0.1–0.3 ms for a page of 100 on SQLite, as much as the page's own statement).
`JSONRows(queryset)` puts them in the page's statement instead: a scalar subquery that
aggregates the related rows, in the queryset's order, into one JSON text per page row; `rows()`
reads it back. The related rows keep the queryset's order: PostgreSQL builds an
`ARRAY(<ordered subquery>)`, whose elements follow the subquery's rows; SQLite 3.40 has no
`ORDER BY` inside an aggregate, and `json_group_array` over an ordered subquery takes its rows
in that order (SQLite runs the subquery as a coroutine feeding the aggregate: what the
benchmark's floor and tests/core/test_json_rows.py rely on and check).
"""
import json

from django.db.models import F, Subquery, TextField
from django.db.models.functions import JSONArray

_ROW = "json_row"


class JSONRows(Subquery):
    """`JSONRows(Model.objects.filter(owner=OuterRef("pk")).order_by(...).values(*names))`:
    the related rows as JSON text, `[[v1, v2, …], …]`, or `[v, …]` when one name is given.
    Keys come as the database stores them (mirror.core.text_values.uuid_text gives their API
    text), booleans as 0/1 on SQLite."""

    output_field = TextField()

    def __init__(self, queryset, **extra):
        names = list(queryset.query.values_select)
        if not names:
            raise ValueError("JSONRows needs a values() queryset naming its columns")
        row = F(names[0]) if len(names) == 1 else JSONArray(*names)
        super().__init__(queryset.values(**{_ROW: row}), **extra)
        self._compiled: dict[str, tuple[str, tuple]] = {}

    def as_sql(self, compiler, connection, template=None, **extra):
        """The subquery compiled once per database: it binds nothing and refers to the outer
        table by name, so every page of a list runs the same text (compiling it again would
        cost more than the statement it saves)."""
        compiled = self._compiled.get(connection.alias)
        if compiled is None:
            compiled = self._compiled[connection.alias] = self._as_sql(compiler, connection)
        return compiled

    def relabeled_clone(self, change_map):
        clone = super().relabeled_clone(change_map)
        clone._compiled = {}  # the outer table's alias may change
        return clone

    def resolve_expression(self, *args, **kwargs):
        resolved = super().resolve_expression(*args, **kwargs)
        resolved._compiled = {}
        return resolved

    def _as_sql(self, compiler, connection):
        inner, params = super().as_sql(compiler, connection)
        if params:
            raise ValueError("JSONRows subqueries must not bind values (their SQL is kept)")
        if connection.vendor == "postgresql":
            return f"array_to_json(ARRAY{inner})::text", ()
        if connection.vendor == "sqlite":
            value = f'json("{_ROW}")' if self._is_array() else f'"{_ROW}"'
            return f"(SELECT json_group_array({value}) FROM {inner})", ()
        raise NotImplementedError(f"JSONRows has no form for {connection.vendor}")

    def _is_array(self) -> bool:
        return isinstance(self.query.annotations.get(_ROW), JSONArray)


def rows(value) -> list:
    """The related rows of one page row from its `JSONRows` column."""
    return json.loads(value) if value else []

