"""A `values()` page with keys and times already as the API's text, read straight from the cursor.

`values()` turns every SQLite cell through Django's converters: a UUID's 32 hex digits become a
`uuid.UUID`, a time's text is parsed into a `datetime` (reading settings per cell), and the
list renderer then turns both back into text. For a page of 100–1000 rows that round trip is a
good part of a list request. Here the page's statement (mirror.core.page_sql) is run on the
cursor and those two column kinds go to their API text directly (SQLite's 32 hex digits → the
dashed form; a time → `isoformat()`, which the sqlite3 module or psycopg has already parsed).
Every other column keeps Django's converters, so values are what `values()` would give.
"""
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import DateTimeField, UUIDField

from mirror.core import page_sql


def uuid_text(value):
    """A key as the API's text: SQLite's 32 hex digits get their dashes; dashed text and null
    stay as they are."""
    if value is None or len(value) != 32:
        return value
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def _python_uuid(value):
    return None if value is None else str(value)


def _time_text(value):
    """ISO text of a naive datetime, or of its stored text (Django writes `str(datetime)`)."""
    if value is None or isinstance(value, str):
        return value and value.replace(" ", "T", 1)
    return value.isoformat()


def column_converters(compiler, connection, text: bool = True) -> list:
    """Per column the compiler selects: a function of the raw cell, or None to keep it as is.
    With `text`, UUIDs and datetimes become the API's text; otherwise (and for every other
    column) cells go through Django's converters, as `values_list()` would give them."""
    expressions = [selected[0] for selected in compiler.select[:compiler.col_count]]
    django_converters = compiler.get_converters(expressions)
    sqlite = connection.vendor == "sqlite"
    converters = []
    for column, expression in enumerate(expressions):
        field = getattr(expression, "output_field", None)
        functions = django_converters.get(column, ((), None))[0]
        if not text:
            final = None
        elif isinstance(field, UUIDField):
            final = uuid_text if sqlite else _python_uuid
        elif isinstance(field, DateTimeField):
            final = _time_text
        else:
            final = None
        if sqlite and final is not None:
            functions = ()  # hex text or an already parsed datetime: Django's would add nothing
        converters.append(_chain(functions, final, expression, connection))
    return converters


def _chain(functions, final, expression, connection):
    if not functions:
        return final
    def convert(value):
        for function in functions:
            value = function(value, expression, connection)
        return value if final is None else final(value)
    return convert


# The converters of a model's value columns on a database: the same for every page of a list.
_CONVERTERS: dict[tuple, list] = {}


def text_values(queryset) -> list[dict]:
    """`list(queryset)` for a `values()` queryset, UUIDs and datetimes as the API's text."""
    connection = connections[queryset.db]
    names = queryset._fields or [*queryset.query.values_select]
    key = (queryset.model, tuple(names), queryset.db)
    try:
        converters = _CONVERTERS.get(key)
        if converters is None:
            compiler = queryset.query.get_compiler(using=queryset.db)
            compiler.as_sql()  # resolves the columns the converters are chosen from
            converters = _CONVERTERS[key] = column_converters(compiler, connection)
        sql, params = page_sql.as_sql(queryset.query, queryset.db)
    except EmptyResultSet:
        return []
    if len(names) != len(converters):
        raise ValueError("text_values() needs a values() queryset without extra columns")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    pairs = [(column, name, convert) for column, (name, convert) in
             enumerate(zip(names, converters, strict=True))]
    return [{name: row[column] if convert is None else convert(row[column])
             for column, name, convert in pairs} for row in raw]
