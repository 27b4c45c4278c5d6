"""A list page's statement with its fixed parts compiled once: per request only WHERE is compiled.

Compiling a page's `values()` query costs more Python than SQLite needs to run it: the select
list (a dozen columns and their joins), the FROM clause and ORDER BY are resolved again on every
request (0.3–0.5 ms), though only the filters and the slice differ from one request to the next.
`as_sql(query, using)` keeps, per query shape (model, columns, joins and their types, ordering),
the SQL around the WHERE clause, and fills in the request's own WHERE and LIMIT/OFFSET. A query
that does anything else (DISTINCT, GROUP BY, extra(), unions, locks, values bound in the select
list or ordering) is compiled by Django as usual.

Past the first page, a page's JSON columns (mirror.core.json_rows) are computed around the
sliced page, not inside it: both databases evaluate a select list for every row they pass over,
and an OFFSET passes over rows (ONE's listing of 20,000 sessions asks for offsets up to 19,750,
and each page then ran 20,000 subqueries: 95 ms instead of 17 on PostgreSQL). That statement is
`SELECT page.*, <JSON subqueries> FROM (<the page without them>) page ORDER BY <the same order>`,
the page aliased as its table so the subqueries' references to it hold. A first page passes
over no row, and is read with its JSON columns inline (no second sort).
tests/core/test_page_sql.py checks that each statement returns what Django's own returns, for
every list filter.
"""
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import BooleanField
from django.db.models.expressions import Expression
from django.db.models.sql.where import AND, WhereNode

from mirror.core.json_rows import JSONRows

_MARK = "/*mirror-page-where*/"
_TEMPLATES: dict[tuple, "tuple[_Template, _Template | None] | None"] = {}


class _Where(Expression):
    """Stands where the request's WHERE condition goes, as bare text."""

    conditional = True
    output_field = BooleanField()

    def as_sql(self, compiler, connection):
        return _MARK, []


class _Template:
    """A page's SQL before and after its WHERE condition, its SQL with no WHERE at all, and
    what wraps it once sliced (empty when nothing does)."""

    def __init__(self, before: str, after: str, whole: str, head: str = "", tail: str = ""):
        self.before, self.after, self.whole, self.head, self.tail = (
            before, after, whole, head, tail)

    def sql(self, where: str | None, limits: str) -> str:
        sql = self.whole if where is None else f"{self.before}{where}{self.after}"
        return f"{self.head}{sql}{limits}{self.tail}"


def as_sql(query, using: str) -> tuple[str, list]:
    """A statement returning the rows Django's would for `query` (a sliced `values()` query),
    in the same columns and order: raises EmptyResultSet when its filters can match nothing,
    as Django's compiler does."""
    connection = connections[using]
    shape = _shape(query, using, connection)
    template = _TEMPLATES.get(shape) if shape is not None else None
    if template is None and shape is not None and shape not in _TEMPLATES:
        template = _TEMPLATES[shape] = _template(query, using)
    if template is None:
        return query.get_compiler(using=using).as_sql()
    inline, wrapped = template
    try:
        where, params = query.get_compiler(using=using).compile(query.where)
    except FullResultSet:
        where, params = None, []
    limits = ""
    if query.is_sliced:
        limits = f" {connection.ops.limit_offset_sql(query.low_mark, query.high_mark)}"
    chosen = wrapped if wrapped is not None and query.low_mark else inline
    return chosen.sql(where, limits), list(params)


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


def _template(query, using: str) -> tuple[_Template, _Template | None] | None:
    """The kept parts of `query`'s statement: read as it is, and (when it has JSON columns, the
    last ones, and is ordered by selected columns) wrapped around its sliced page; or None when
    it binds values outside WHERE."""
    inline = _page_template(query, using)
    json_columns = [name for name, value in query.annotation_select.items()
                    if isinstance(value, JSONRows)]
    if inline is None or not json_columns:
        return None if inline is None else (inline, None)
    wrapper = _json_wrapper(query, using, json_columns)
    page = query.clone()
    page.set_annotation_mask([name for name in query.annotation_select
                              if name not in json_columns])
    wrapped = _page_template(page, using) if wrapper is not None else None
    if wrapped is not None:
        wrapped.head, wrapped.tail = wrapper
    return inline, wrapped


def _page_template(query, using: str) -> _Template | None:
    page = query.clone()
    page.clear_limits()
    marked = page.clone()
    marked.where = WhereNode([_Where()], AND)
    sql, params = marked.get_compiler(using=using).as_sql()
    if params or sql.count(_MARK) != 1:
        return None
    before, after = sql.split(_MARK)
    page.where = WhereNode()
    try:
        whole, params = page.get_compiler(using=using).as_sql()
    except (EmptyResultSet, FullResultSet):
        return None
    if params:
        return None
    return _Template(before, after, whole)


def _json_wrapper(query, using: str, json_columns: list[str]) -> tuple[str, str] | None:
    """`SELECT <table>.*, <JSON columns> FROM (` and `) <table> ORDER BY …` around the page."""
    selected = list(getattr(query, "selected", None) or ())
    if selected[-len(json_columns):] != json_columns:
        return None
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(query.base_table)
    order = []
    for item in query.order_by:
        if not isinstance(item, str):
            return None
        name = item.lstrip("-")
        if name not in selected or name in json_columns:
            return None
        order.append(f"{table}.{quote(name)} {'DESC' if item.startswith('-') else 'ASC'}")
    if not order:
        return None
    compiler = query.get_compiler(using=using)
    columns = []
    for name in json_columns:
        sql, params = query.annotation_select[name].as_sql(compiler, connection)
        if params:
            return None
        columns.append(f"{sql} AS {quote(name)}")
    return (f"SELECT {table}.*, {', '.join(columns)} FROM (",
            f") {table} ORDER BY {', '.join(order)}")
