"""A list page's statement with its fixed parts compiled once: per request only WHERE is compiled.

Compiling a page's `values()` query costs more Python than SQLite needs to run it: the select
list (a dozen columns and their joins), the FROM clause and ORDER BY are resolved again on every
request (0.3–0.5 ms), though only the filters and the slice differ from one request to the next.
`as_sql(query, using)` keeps, per query shape (model, columns, joins and their types, ordering),
the SQL around the WHERE clause, and fills in the request's own WHERE and LIMIT/OFFSET. A query
that does anything else (DISTINCT, GROUP BY, extra(), unions, locks, values bound in the select
list or ordering) is compiled by Django as usual. tests/core/test_page_sql.py checks the text
against Django's own for every list filter.
"""
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import BooleanField
from django.db.models.expressions import Expression
from django.db.models.sql.where import AND, WhereNode

_MARK = "/*mirror-page-where*/"
_TEMPLATES: dict[tuple, tuple[str, str, str] | None] = {}


class _Where(Expression):
    """Stands where the request's WHERE condition goes, as bare text."""

    conditional = True
    output_field = BooleanField()

    def as_sql(self, compiler, connection):
        return _MARK, []


def as_sql(query, using: str) -> tuple[str, list]:
    """The statement Django would run for `query` (a sliced `values()` query): raises
    EmptyResultSet when its filters can match nothing, as Django's compiler does."""
    connection = connections[using]
    shape = _shape(query, using, connection)
    template = _TEMPLATES.get(shape) if shape is not None else None
    if template is None and shape is not None and shape not in _TEMPLATES:
        template = _TEMPLATES[shape] = _template(query, using)
    if template is None:
        return query.get_compiler(using=using).as_sql()
    before, after, whole = template
    compiler = query.get_compiler(using=using)
    try:
        where, params = compiler.compile(query.where)
        sql = f"{before}{where}{after}"
    except FullResultSet:
        sql, params = whole, []
    if query.is_sliced:
        sql = f"{sql} {connection.ops.limit_offset_sql(query.low_mark, query.high_mark)}"
    return sql, list(params)


def _shape(query, using: str, connection) -> tuple | None:
    """What fixes the SQL around WHERE, or None for a query this module leaves to Django."""
    if (query.distinct or query.group_by is not None or query.combinator or query.extra
            or query.select_for_update or query.extra_order_by or query.subquery
            or query.annotations.keys() - query.annotation_select.keys()):
        return None
    joins = tuple((alias, join.table_name, getattr(join, "join_type", None),
                   getattr(join, "parent_alias", None), query.alias_refcount[alias] > 0)
                  for alias, join in query.alias_map.items())
    annotations = tuple((name, type(value).__name__)
                        for name, value in query.annotation_select.items())
    return (using, connection.vendor, query.model, tuple(query.values_select), annotations,
            tuple(map(str, query.order_by)), query.default_ordering, query.standard_ordering,
            joins)


def _template(query, using: str) -> tuple[str, str, str] | None:
    """(SQL before the WHERE condition, SQL after it, SQL with no WHERE at all), or None when
    the statement binds values outside WHERE."""
    marked = query.clone()
    marked.clear_limits()
    marked.where = WhereNode([_Where()], AND)
    sql, params = marked.get_compiler(using=using).as_sql()
    if params or sql.count(_MARK) != 1:
        return None
    before, after = sql.split(_MARK)
    plain = query.clone()
    plain.clear_limits()
    plain.where = WhereNode()
    try:
        whole, params = plain.get_compiler(using=using).as_sql()
    except (EmptyResultSet, FullResultSet):
        return None
    if params:
        return None
    return before, after, whole
