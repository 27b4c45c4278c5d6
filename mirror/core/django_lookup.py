"""The `django=` query parameter of Alyx, parsed safely and held to the API's public fields.

Alyx passes `django=<lookup>,<value>[,<lookup>,<value>…]` straight to `QuerySet.filter()` and
builds values with `eval`. Here values are read with `ast.literal_eval`, and every lookup is walked
field by field: each step must be a field the API shows (a model's `PUBLIC_FIELDS`), a relation to
another public model, or a lookup/transform Django knows for that field. Anything else (a password,
a token, a field the API hides, an unknown lookup) is refused with a message naming what is allowed.
A key may appear more than once (Alyx refuses that); a leading `~` excludes instead of filters.
"""
import ast
import contextlib
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, FieldError
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ValidationError

PARAM = "django"


@dataclass(frozen=True)
class LookupPair:
    lookup: str
    value: Any
    exclude: bool


def split_outside_brackets(text: str) -> list[str]:
    """Split on commas that are not inside (), [] or {}."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(depth - 1, 0)
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts]


def coerce_value(raw: str) -> Any:
    """Alyx's value rules: None, booleans, numbers, Python list/tuple literals, else a string."""
    if raw == "None":
        return None
    if raw.lower() in {"true", "false"}:
        return raw.lower() == "true"
    if raw.isdigit():
        return int(raw)
    if raw.replace(".", "", 1).isdigit():
        return float(raw)
    if raw[:1] in "([" and raw[-1:] in ")]":
        try:
            return ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            message = f"'{raw}' is not a valid list or tuple literal."
            raise ValidationError({PARAM: [message]}) from None
    return raw


def parse(text: str, param: str = PARAM) -> list[LookupPair]:
    """Parse one `django=` value (or another parameter of that form) into lookup/value pairs."""
    items = split_outside_brackets(text)
    if len(items) % 2 or not all(items[::2]):
        raise ValidationError({param: [f"'{text}' must be pairs of lookup and value: "
                                       f"{param}=<lookup>,<value>[,<lookup>,<value>]"]})
    pairs = []
    for lookup, raw in zip(items[::2], items[1::2], strict=True):
        exclude = lookup.startswith("~")
        pairs.append(LookupPair(lookup.lstrip("~"), coerce_value(raw), exclude))
    return pairs


def public_fields(model) -> tuple[str, ...]:
    return tuple(getattr(model, "PUBLIC_FIELDS", ()))


def _refuse(lookup: str, why: str):
    raise ValidationError({PARAM: [f"Lookup '{lookup}': {why}"]})


def _public_field(model, name: str):
    if name not in public_fields(model):
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def check_lookup(model, lookup: str) -> bool:
    """Refuse a lookup that leaves the public schema; return True if it spans a to-many relation.

    Only relations can reach other tables, so every relation step is checked against the
    allow-list; past a plain field the remaining parts are transforms and lookups, which Django
    itself validates (an unknown one is a FieldError, turned into 400 by `apply`).
    """
    parts = lookup.split("__")
    current, relation, many = model, None, False
    for index, part in enumerate(parts):
        field = _public_field(current, current._meta.pk.name if part == "pk" else part)
        if field is None:
            is_last = index == len(parts) - 1
            if relation is not None and is_last and relation.get_lookup(part) is not None:
                return many  # e.g. session__isnull, subject__in: a lookup on the relation itself
            _refuse(lookup, f"'{part}' is not a public field of {current._meta.verbose_name}; "
                    f"use one of: {', '.join(sorted(public_fields(current)))}.")
        if not field.is_relation:
            return many
        many = many or field.many_to_many or field.one_to_many
        relation, current = field, field.related_model
        if not public_fields(current):
            _refuse(lookup, f"'{part}' leads to data the API does not show.")
    return many


def _plain_field(model, lookup: str):
    """The first non-relation field a (checked) lookup reaches, or None."""
    current = model
    for part in lookup.split("__"):
        try:
            field = current._meta.get_field(current._meta.pk.name if part == "pk" else part)
        except FieldDoesNotExist:
            return None
        if not field.is_relation:
            return field
        current = field.related_model
    return None


def _wall_clock(value):
    """A datetime string with an offset keeps its wall-clock time (the API's rule for times)."""
    if isinstance(value, (list, tuple)):
        return type(value)(_wall_clock(item) for item in value)
    parsed = parse_datetime(value) if isinstance(value, str) else None
    return parsed.replace(tzinfo=None) if parsed is not None and parsed.tzinfo else value


def apply_pair(queryset, lookup: str, pair: LookupPair, param: str = PARAM):
    """Filter (or exclude) by one lookup; a value the lookup or the database refuses is a 400.

    The SQL is compiled here, so values the database adapter rejects (a datetime with an offset
    on SQLite) fail now, not later as a 500; a regular expression is checked the same way.
    """
    method = queryset.exclude if pair.exclude else queryset.filter
    if isinstance(_plain_field(queryset.model, lookup), models.DateTimeField):
        pair = LookupPair(pair.lookup, _wall_clock(pair.value), pair.exclude)
    try:
        if lookup.endswith("regex"):
            re.compile(str(pair.value))
        filtered = method(**{lookup: pair.value})
        with contextlib.suppress(EmptyResultSet):  # e.g. `pk__in,()`: no rows, not an error
            filtered.query.sql_with_params()
    except (FieldError, DjangoValidationError, ValueError, TypeError, re.error) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, DjangoValidationError) else exc
        raise ValidationError({param: [f"Lookup '{lookup}': {message}"]}) from None
    return filtered


def apply(queryset, raw_values: list[str]):
    """Filter `queryset` by every `django=` value given (repeated keys are all applied)."""
    needs_distinct = False
    for text in raw_values:
        for pair in parse(text):
            needs_distinct |= check_lookup(queryset.model, pair.lookup)
            queryset = apply_pair(queryset, pair.lookup, pair)
    return queryset.distinct() if needs_distinct else queryset
