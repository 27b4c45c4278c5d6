"""Reads that Django compiles to SQL once per process, then runs with new parameters.

Building and compiling a queryset costs 0.2–0.5 ms of Python per statement, several times what
SQLite or a local PostgreSQL needs to run a keyed read, and a request makes several: the token,
a session and its users, projects and datasets, the related names of a page. A `PreparedRead`
is a function from parameters to a `values_list()` queryset. The first call in a process builds
it with stand-in values and keeps the SQL and the columns' converters; every later call binds
its own values where the stand-ins were and runs that SQL through the connection's cursor (so
query logging and counting still see it). Values are always bound parameters, never SQL text.

Parameter kinds: `UUID` (a key, as a UUID or its text), `TEXT`, and `UUIDS` — a list of keys
of any length, which the build function uses as `field__in=<the stand-in>`; it is sent as one
array (PostgreSQL) or one JSON text (SQLite), so a page of any size runs the same statement.
"""
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.expressions import RawSQL

from mirror.core.text_values import column_converters

UUID, TEXT, UUIDS = "uuid", "text", "uuids"
_STAND_IN_BASE = 0x5EED_0000_0000_4000_8000_0000_0000_0000


def _as_uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _uuid_slot(stand_in: uuid.UUID, param):
    """How to bind a UUID where the compiled SQL has `param`, or None if it is not our stand-in
    (Django sends UUIDs to SQLite as 32 hex digits, to PostgreSQL as UUID objects)."""
    if param == stand_in:
        return _as_uuid
    if param == stand_in.hex:
        return _hex
    return None


def _uuid_set_sql(vendor: str) -> str:
    if vendor == "postgresql":
        return "SELECT unnest(%s::uuid[])"
    if vendor == "sqlite":
        return "SELECT value FROM json_each(%s)"
    raise ImproperlyConfigured(f"PreparedRead has no list-of-keys form for {vendor}")


def _hex(value) -> str:
    """32 hex digits of a key; the dashed text of a page row is rewritten, not parsed."""
    if isinstance(value, str) and len(value) == 36:
        return value.replace("-", "").lower()
    return _as_uuid(value).hex


def _bind_uuid_set(vendor: str):
    if vendor == "postgresql":
        return lambda values: [_as_uuid(value) for value in values]
    return lambda values: json.dumps([_hex(value) for value in values])


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: tuple  # (position in params, index of the caller's value, binder)
    converters: tuple  # per column: a function of the raw cell, or None


class PreparedRead:
    """`read = PreparedRead(lambda pk: Model.objects.filter(pk=pk).values_list(...), UUID)`;
    `read(some_pk)` returns the rows as tuples, converted as `values_list()` would, or with
    `text=True` with UUIDs and datetimes as the API's text (mirror.core.text_values)."""

    def __init__(self, build: Callable, *kinds: str, text: bool = False):
        unknown = set(kinds) - {UUID, TEXT, UUIDS}
        if unknown:
            raise ValueError(f"unknown parameter kinds: {sorted(unknown)}")
        self.build, self.kinds, self.text = build, kinds, text
        self._compiled: dict[tuple[str, str], _Compiled] = {}
        self._lock = threading.Lock()

    def __call__(self, *values, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        if len(values) != len(self.kinds):
            raise TypeError(f"expected {len(self.kinds)} values, got {len(values)}")
        connection = connections[using]
        compiled = self._compiled.get((using, connection.vendor))
        if compiled is None:
            with self._lock:
                compiled = self._compile(using, connection)
                self._compiled[(using, connection.vendor)] = compiled
        params = list(compiled.params)
        for position, index, bind in compiled.slots:
            params[position] = bind(values[index])
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        converters = compiled.converters
        if not any(converters):
            return rows
        return [tuple(cell if convert is None else convert(cell)
                      for cell, convert in zip(row, converters, strict=True)) for row in rows]

    def _stand_ins(self, vendor: str) -> tuple[list, list]:
        """Values to build the queryset with, and for each, how to spot and bind it."""
        stand_ins, matchers = [], []
        for index, kind in enumerate(self.kinds):
            if kind == UUID:
                value = uuid.UUID(int=_STAND_IN_BASE + index)
                matchers.append(lambda param, value=value: _uuid_slot(value, param))
            else:
                marker = f"\x00prepared-read-{index}\x00"
                bind = str if kind == TEXT else _bind_uuid_set(vendor)
                matchers.append(lambda param, marker=marker, bind=bind:
                                bind if param == marker else None)
                value = marker if kind == TEXT else RawSQL(_uuid_set_sql(vendor), [marker])
            stand_ins.append(value)
        return stand_ins, matchers

    def _compile(self, using: str, connection) -> _Compiled:
        stand_ins, matchers = self._stand_ins(connection.vendor)
        queryset = self.build(*stand_ins)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = []
        for position, param in enumerate(params):
            for index, matcher in enumerate(matchers):
                bind = matcher(param)
                if bind is not None:
                    slots.append((position, index, bind))
        found = {index for _, index, _ in slots}
        if found != set(range(len(self.kinds))):
            raise ImproperlyConfigured(
                f"PreparedRead: parameters {sorted(set(range(len(self.kinds))) - found)} do not "
                "reach the SQL as plain bound values (use them in exact lookups only)")
        converters = tuple(column_converters(compiler, connection, text=self.text))
        # Django 5.2 selects values_list() columns in the order named (Query.selected).
        return _Compiled(sql, tuple(params), tuple(slots), converters)
