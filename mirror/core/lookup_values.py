"""Values of `django=` pairs, read as Alyx reads them but only into what a database can take.

Alyx turns a value into None, a boolean, a number or a Python literal. Here a literal is read with
`ast.literal_eval` (never `eval`), and what comes out is held to plain data: numbers within the
databases' 64-bit integers and finite floats, strings without NUL (PostgreSQL refuses them; the
form field already refuses a NUL sent as such, but a literal can spell one as an escape),
True/False/None, and lists, tuples or dicts of those, at most MAX_ITEMS values in all. Anything
else (a set, bytes, a complex number, a 30-digit number) is a 400 naming the value, not an
exception deep in the ORM or the database driver.
"""
import ast
import math
import re
from typing import Any

from rest_framework.exceptions import ValidationError

#: Values in one list or tuple, nested ones included (`pk__in,(…)` of a page of ids fits).
MAX_ITEMS = 1000
#: The range of a 64-bit signed integer column (SQLite's INTEGER, PostgreSQL's bigint).
INT64_MIN, INT64_MAX = -2**63, 2**63 - 1

_INTEGER = re.compile(r"[0-9]+")  # ASCII only: "²".isdigit() is True and int("²") fails
_DECIMAL = re.compile(r"[0-9]+\.[0-9]*|\.[0-9]+")
_SCALARS = (str, int, float, bool, type(None))


def _refuse(param: str, raw: str, why: str):
    shown = raw if len(raw) <= 80 else f"{raw[:77]}..."
    raise ValidationError({param: [f"'{shown}' {why}"]})


def _checked_number(value, raw: str, param: str):
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        _refuse(param, raw, f"is out of range: integers are {INT64_MIN} to {INT64_MAX}.")
    if isinstance(value, float) and not math.isfinite(value):
        _refuse(param, raw, "is out of range: a number must be finite.")
    return value


def _check_literal(value, raw: str, param: str) -> None:
    """Walk a literal's values (without recursion): plain data only, MAX_ITEMS at most."""
    pending, seen = [value], 0
    while pending:
        item = pending.pop()
        seen += 1
        if seen > MAX_ITEMS + 1:
            _refuse(param, raw, f"has more than {MAX_ITEMS} values; send fewer at a time.")
        if isinstance(item, (list, tuple)):
            pending.extend(item)
        elif isinstance(item, dict):
            if not all(isinstance(key, str) for key in item):
                _refuse(param, raw, "has a dict key that is not a string.")
            pending.extend(item)  # the keys are strings to check too
            pending.extend(item.values())
        elif isinstance(item, _SCALARS):
            if isinstance(item, str) and "\x00" in item:  # an escape: `('\x00',)`
                _refuse(param, raw, "contains a NUL character.")
            _checked_number(item, raw, param)
        else:
            _refuse(param, raw, f"holds a {type(item).__name__}; use numbers, strings, "
                    "True, False, None, lists, tuples or dicts.")


def coerce_value(raw: str, param: str = "django") -> Any:
    """Alyx's value rules: None, booleans, numbers, Python list/tuple literals, else a string
    (the empty string included)."""
    if "\x00" in raw:  # only the last value of a parameter passes the form's own check
        _refuse(param, raw.replace("\x00", "\\x00"), "contains a NUL character.")
    if raw == "None":
        return None
    if raw.lower() in {"true", "false"}:
        return raw.lower() == "true"
    if _INTEGER.fullmatch(raw):
        if len(raw.lstrip("0")) > 19:  # also keeps int() below Python's limit on digits
            _refuse(param, raw, f"is out of range: integers are {INT64_MIN} to {INT64_MAX}.")
        return _checked_number(int(raw), raw, param)
    if _DECIMAL.fullmatch(raw):
        return _checked_number(float(raw), raw, param)
    if raw and raw[0] in "([" and raw[-1] in ")]":
        try:
            value = ast.literal_eval(raw)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            _refuse(param, raw, "is not a valid list or tuple literal.")
        _check_literal(value, raw, param)
        return value
    return raw
