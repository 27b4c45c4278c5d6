"""Upstream text made fit for the database, the same on SQLite and PostgreSQL.

PostgreSQL refuses a NUL character anywhere in text or JSON, and enforces column lengths that
SQLite ignores: an upstream value with either used to end an import (or a webhook call) in a
traceback on one database and not the other. Values here are cleaned before any write.
"""
from django.db import models

NUL = "\x00"
MAX_JSON_DEPTH = 32  # deeper structures from outside are refused (they serve no purpose here)


class TooDeep(ValueError):
    """A JSON value nested deeper than MAX_JSON_DEPTH."""


def text(value, max_length: int | None = None) -> str:
    """`value` as text without NUL characters, cut to `max_length` (with '…' when cut)."""
    result = "" if value is None else str(value).replace(NUL, "")
    if max_length is not None and len(result) > max_length:
        result = result[:max_length - 1] + "…"
    return result


def field_text(model, name: str, value) -> str:
    """`text()` cut to the model field's own max_length."""
    field = model._meta.get_field(name)
    return text(value, field.max_length if isinstance(field, models.CharField) else None)


def json_value(value, depth: int = 0):
    """A copy of a JSON value with NUL characters removed from every string and key."""
    if depth > MAX_JSON_DEPTH:
        raise TooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        return value.replace(NUL, "")
    if isinstance(value, dict):
        return {text(key): json_value(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(item, depth + 1) for item in value]
    return value
