"""The `django=` query parameter of Alyx, parsed safely and held to the API's public fields.

Alyx passes `django=<lookup>,<value>[,<lookup>,<value>…]` straight to `QuerySet.filter()` and
builds values with `eval`. Here values are read as plain data (mirror.core.lookup_values), and
every lookup is walked field by field: each step must be a field the API shows (a model's
`PUBLIC_FIELDS`), a relation to another public model, or a lookup/transform Django knows for that
field. Anything else (a password, a token, a field the API hides, an unknown lookup) is refused
with a message naming what is allowed. A key may appear more than once (Alyx refuses that); a
leading `~` excludes instead of filters.

What one request may cost is bounded: no regular expressions (one can backtrack for minutes on a
single row, and SQLite runs Python's `re` inside one step of a statement, out of any timeout's
reach), at most MAX_RELATION_HOPS relations a lookup, MAX_PAIRS pairs a request over every
parameter of this form, and a lookup across a to-many relation is matched in a subquery of keys,
so it neither multiplies the list's rows nor adds its joins to the list's own FROM clause (nor,
on PostgreSQL, to the list's own join planning).
"""
import contextlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, FieldError
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import NotSupportedError, connections, models
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ValidationError

from mirror.core.lookup_values import coerce_value

PARAM = "django"
#: Relations one lookup may cross: from /datasets, `session__subject__lab__name` crosses three.
MAX_RELATION_HOPS = 3
#: Parts of one lookup: relations, the field, JSON keys, transforms and the lookup itself.
MAX_LOOKUP_PARTS = 12
#: Lookup/value pairs in one request, over `django`, `json` and `extended_qc` together.
MAX_PAIRS = 10
#: A LIMIT no subquery reaches. PostgreSQL merges an IN subquery into the list's own join
#: search, whose planning time grows steeply with the tables joined (ten 3-relation lookups
#: took 9 s to plan, 70 ms of them to run); a LIMIT keeps each subquery planned on its own (ten:
#: 100 ms), and it is still hashed and joined, never rescanned per row.
_PLAN_APART = 2**62
REFUSED_LOOKUPS = ("regex", "iregex")
TEXT_LOOKUPS = ("exact, iexact, contains, icontains, startswith, istartswith, endswith, "
                "iendswith or in")


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


def parse(text: str, param: str = PARAM) -> list[LookupPair]:
    """Parse one `django=` value (or another parameter of that form) into lookup/value pairs."""
    items = split_outside_brackets(text)
    if len(items) % 2 or not all(items[::2]):
        raise ValidationError({param: [f"'{text}' must be pairs of lookup and value: "
                                       f"{param}=<lookup>,<value>[,<lookup>,<value>]"]})
    if len(items) // 2 > MAX_PAIRS:
        raise ValidationError({param: [_too_many(len(items) // 2)]})
    pairs = []
    for lookup, raw in zip(items[::2], items[1::2], strict=True):
        exclude = lookup.startswith("~")
        lookup = lookup.lstrip("~")
        check_parts(lookup, param)
        pairs.append(LookupPair(lookup, coerce_value(raw, param), exclude))
    return pairs


def _too_many(count: int) -> str:
    return (f"{count} lookups; a request may send at most {MAX_PAIRS} over django, json and "
            "extended_qc together.")


def count_pairs(texts) -> int:
    """How many lookup/value pairs these parameter values hold (a lone lookup counts too)."""
    return sum((len(split_outside_brackets(text)) + 1) // 2 for text in texts if text)


def check_pair_count(values: dict[str, list[str]]) -> None:
    """Refuse a request whose parameters of this form (name -> values) hold too many pairs."""
    count = count_pairs(text for texts in values.values() for text in texts)
    if count > MAX_PAIRS:
        raise ValidationError({name: [_too_many(count)] for name, texts in values.items()
                               if any(texts)})


def check_parts(lookup: str, param: str = PARAM) -> None:
    """Refuse a lookup that is too long, or a regular expression (see the module docstring)."""
    if "\x00" in lookup:
        _refuse(lookup.replace("\x00", "\\x00"), "contains a NUL character.", param)
    parts = lookup.split("__")
    if len(parts) > MAX_LOOKUP_PARTS:
        _refuse(lookup, f"has {len(parts)} parts; at most {MAX_LOOKUP_PARTS}.", param)
    for part in parts:
        if part in REFUSED_LOOKUPS:
            _refuse(lookup, f"'{part}' is refused (a regular expression can take minutes on "
                    f"one row); use {TEXT_LOOKUPS}.", param)


def public_fields(model) -> tuple[str, ...]:
    return tuple(getattr(model, "PUBLIC_FIELDS", ()))


def _refuse(lookup: str, why: str, param: str = PARAM):
    shown = lookup if len(lookup) <= 120 else f"{lookup[:117]}..."
    raise ValidationError({param: [f"Lookup '{shown}': {why}"]})


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
    current, relation, many, hops = model, None, False, 0
    for index, part in enumerate(parts):
        field = _public_field(current, current._meta.pk.name if part == "pk" else part)
        if field is None:
            is_last = index == len(parts) - 1
            if relation is not None and is_last and relation.get_lookup(part) is not None:
                return many  # e.g. session__isnull, subject__in: a lookup on the relation itself
            _refuse(lookup, f"'{part}' is not a public field of {current._meta.verbose_name}; "
                    f"use one of: {', '.join(sorted(public_fields(current)))}.")
        if not field.is_relation:
            if "contained_by" in parts[index + 1:] and not isinstance(field, models.JSONField):
                # PostgreSQL's range lookup, which DRF's import of contrib.postgres registers on
                # every number and date field: a query string cannot give it a range.
                _refuse(lookup, "'contained_by' needs a range; use range, gte or lte.")
            return many
        hops += 1
        if hops > MAX_RELATION_HOPS:
            _refuse(lookup, f"'{part}' would be its relation number {hops}; a lookup crosses at "
                    f"most {MAX_RELATION_HOPS} (e.g. session__subject__lab__name from /datasets).")
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


def _check_params(params, using: str) -> None:
    """SQLite binds only scalars; a list left as one (a JSON key compared with `gt` to a
    list) would fail when the page is read, a 500."""
    if connections[using].vendor == "sqlite" and any(
            isinstance(value, (list, tuple, dict)) for value in params):
        raise TypeError("a list, tuple or dict is not a value this lookup takes here.")


def _fitted(lookup: str, value):
    """The value in the shape its lookup needs, where Django passes it on unchecked (the
    database then refused it when the page was read: `UPPER(3)`, `jsonb ? 0`, a BETWEEN given
    a string's characters, an IN of 40,000 letters past SQLite's parameter limit)."""
    last = lookup.rsplit("__", 1)[-1]
    if last in ("iexact", "has_key") and value is not None:
        if isinstance(value, (list, tuple, dict)):
            raise TypeError(f"'{last}' takes one value, not a list.")
        return str(value)
    if last == "range" and not (isinstance(value, (list, tuple)) and len(value) == 2):
        raise TypeError("'range' takes two values: (low, high).")
    if last in ("in", "has_keys", "has_any_keys") and not isinstance(value, (list, tuple)):
        # a string would be taken letter by letter, one SQL parameter each
        raise TypeError(f"'{last}' takes a list or tuple, e.g. {last},('a', 'b').")
    return value


def apply_pair(queryset, lookup: str, pair: LookupPair, param: str = PARAM):
    """Filter (or exclude) by one lookup; a value the lookup or the database refuses is a 400.

    The SQL is compiled here, so values the database adapter rejects (a datetime with an offset
    on SQLite, a year past 9999, a lookup the database lacks, such as PostgreSQL's range
    lookups on SQLite) fail now, not later as a 500.
    """
    method = queryset.exclude if pair.exclude else queryset.filter
    if isinstance(_plain_field(queryset.model, lookup), models.DateTimeField):
        pair = LookupPair(pair.lookup, _wall_clock(pair.value), pair.exclude)
    try:
        filtered = method(**{lookup: _fitted(lookup, pair.value)})
        with contextlib.suppress(EmptyResultSet):  # e.g. `pk__in,()`: no rows, not an error
            _check_params(filtered.query.sql_with_params()[1], queryset.db)
    except (FieldError, DjangoValidationError, NotSupportedError, NotImplementedError,
            ValueError, TypeError, IndexError, OverflowError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, DjangoValidationError) else exc
        raise ValidationError({param: [f"Lookup '{lookup}': {message}"]}) from None
    return filtered


def _apply_to_many(queryset, pair: LookupPair):
    """A lookup across a to-many relation, as `pk IN (<keys matching it>)`: the list's rows are
    not multiplied (no DISTINCT needed), and the relation's joins stay in the subquery."""
    matching = apply_pair(queryset.model._base_manager.all(), pair.lookup,
                          LookupPair(pair.lookup, pair.value, exclude=False))
    keys = matching.values("pk")[:_PLAN_APART]
    return queryset.exclude(pk__in=keys) if pair.exclude else queryset.filter(pk__in=keys)


def apply(queryset, raw_values: list[str]):
    """Filter `queryset` by every `django=` value given (repeated keys are all applied)."""
    for text in raw_values:
        if not text:
            continue
        for pair in parse(text):
            if check_lookup(queryset.model, pair.lookup):
                queryset = _apply_to_many(queryset, pair)
            else:
                queryset = apply_pair(queryset, pair.lookup, pair)
    return queryset
