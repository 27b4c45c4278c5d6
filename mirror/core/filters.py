"""The base filterset every endpoint extends, and the filter types shared between apps."""
import datetime

import django_filters
from django import forms
from django.db import models
from rest_framework.exceptions import ValidationError

from mirror.core import django_lookup
from mirror.core.provenance import SOURCE_CHOICES
from mirror.core.qc import qc_value

DJANGO_HELP = (
    "Alyx's generic filter: `<lookup>,<value>` pairs, e.g. `django=pk__in,('<uuid>','<uuid>')` "
    "or `django=~subject__nickname__icontains,test`. Lookups are limited to the fields this API "
    "shows; a key may be repeated; `~` excludes. No `regex`/`iregex`; at most 3 relations a "
    "lookup and 10 pairs a request (with `json` and `extended_qc`)."
)


#: Items of a comma-separated list filter (`users=`, `datasets=`, `dataset_types=`): each one
#: is a subquery more, which PostgreSQL plans with the others (10 of each: 35 ms; 20: 400 ms).
MAX_LIST_ITEMS = 10


def comma_list(value: str, name: str) -> list[str]:
    """The distinct non-empty items of `a,b,c`, in order; more than MAX_LIST_ITEMS is a 400."""
    items = list(dict.fromkeys(item for item in (part.strip() for part in value.split(","))
                               if item))
    if len(items) > MAX_LIST_ITEMS:
        raise ValidationError({name: [f"{len(items)} items; at most {MAX_LIST_ITEMS} a request."]})
    return items


def parse_iso_date(raw: str, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw.strip()[:10])
    except ValueError:
        raise ValidationError({name: [f"'{raw}' is not a date (YYYY-MM-DD)."]}) from None


class QCFilter(django_filters.CharFilter):
    """A QC value given by name (any case) or number; `lookup_expr` picks exact / lte."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        try:
            number = qc_value(value)
        except ValueError as exc:
            raise ValidationError({self.field_name: [str(exc)]}) from None
        return super().filter(qs, number)


class DateRangeFilter(django_filters.CharFilter):
    """`date_range=<first>,<last>`: inclusive dates of `field_name` (a datetime)."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        bounds = [part for part in value.split(",")]
        if len(bounds) != 2 or not all(part.strip() for part in bounds):
            raise ValidationError({"date_range": [
                f"'{value}' must be two dates, 'YYYY-MM-DD,YYYY-MM-DD' "
                "(the same date twice for one day)."
            ]})
        first, last = (parse_iso_date(part, "date_range") for part in bounds)
        if first > last:
            raise ValidationError({"date_range": [f"{first} is after {last}."]})
        # A half-open interval of wall-clock times, not `__date` (a function of the column,
        # which no index serves): the same rows, read from the field's index.
        start = datetime.datetime.combine(first, datetime.time.min)
        if last >= datetime.date.max:
            return qs.filter(**{f"{self.field_name}__gte": start})
        end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
        return qs.filter(**{f"{self.field_name}__gte": start, f"{self.field_name}__lt": end})


class AllOfFilter(django_filters.CharFilter):
    """A comma-separated list: rows linked to *all* the listed values of `field_name`
    (`<many-to-many field>__<key>`).

    Each value is matched in a subquery of the link table, not a join of its own: joins
    multiply the rows (a DISTINCT over them all) and add two tables to the list's FROM per
    value; a subquery of the model itself is a third table, which PostgreSQL plans in time
    that grows steeply with the values (20: 3.9 s, against 24 ms for the link table's)."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        relation, key = self.field_name.split("__", 1)
        field = qs.model._meta.get_field(relation)
        links = field.remote_field.through.objects
        for item in comma_list(value, relation):
            linked = links.filter(**{f"{field.m2m_reverse_field_name()}__{key}": item})
            qs = qs.filter(pk__in=linked.values(field.m2m_field_name()))
        return qs


class RelatedKeyFilter(django_filters.CharFilter):
    """`<relation>__<key>`, matched in a subquery of the related table (`relation__in=(…)`).

    The relation's index then serves the filter; with a join, the planner may walk the whole
    table in page order and test every row (SQLite did: 24 ms instead of 2 for one subject).
    """

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        relation, key = self.field_name.split("__", 1)
        related = qs.model._meta.get_field(relation).related_model
        matches = related._base_manager.filter(**{f"{key}__{self.lookup_expr}": value})
        return qs.filter(**{f"{relation}__in": matches.values("pk")})


class StrictNullBooleanField(forms.NullBooleanField):
    """true/false/1/0 in any case, or nothing; Django's field reads anything else as "no
    filter" (`/import-runs?dry_run=maybe` listed every run)."""

    widget = forms.TextInput
    VALUES = {"true": True, "1": True, "false": False, "0": False, "": None}

    def to_python(self, value):
        if isinstance(value, str):
            value = self.VALUES.get(value.strip().lower(), value)
        if value is None or isinstance(value, bool):
            return value
        raise forms.ValidationError(f"'{value}' is not a boolean; use true or false.",
                                    code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictNullBooleanField


class IntegerFilter(django_filters.NumberFilter):
    """A whole number: `1.5` is an error, not the rows of 1 (`001` and `1.0` are 1)."""

    field_class = forms.IntegerField


class LookupPairsFilter(django_filters.CharFilter):
    """A parameter of `django=` form (`<lookup>,<value>…`), which may be repeated: every value
    given is applied (django-filter hands `filter` only the last). The filterset bounds the
    pairs of all of them together (mirror.core.django_lookup.MAX_PAIRS)."""

    def filter(self, qs, value):
        return self.apply(qs, self.parent.data.getlist(self.field_name))

    def apply(self, qs, texts: list[str]):
        """`django=` itself: lookups over the model's public fields."""
        return django_lookup.apply(qs, texts)


class LocalDateTimeFilter(django_filters.DateTimeFilter):
    """A wall-clock time, as stored: an offset in the value is dropped, not converted."""

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        return super().filter(qs, value)


_FORM_CLASSES: dict = {}  # (filterset class, names of the filters given) -> form class
_FORM_CLASSES_KEPT = 512


class MirrorFilterSet(django_filters.FilterSet):
    """Provenance filters and `django=` for every endpoint; subclasses add Alyx's filters.

    Filters made from `Meta.fields` take their description from the model field's help_text.
    """

    FILTER_DEFAULTS = {**django_filters.FilterSet.FILTER_DEFAULTS,
                       models.DateTimeField: {"filter_class": LocalDateTimeFilter},
                       models.BooleanField: {"filter_class": StrictBooleanFilter},
                       **{field: {"filter_class": IntegerFilter} for field in (
                           models.IntegerField, models.BigIntegerField,
                           models.SmallIntegerField, models.PositiveIntegerField,
                           models.PositiveBigIntegerField, models.PositiveSmallIntegerField)}}

    source = django_filters.ChoiceFilter(choices=SOURCE_CHOICES,
                                         help_text="Only records from this source.")
    source_id = django_filters.CharFilter(help_text="The record's identifier on its source.")
    django = LookupPairsFilter(help_text=DJANGO_HELP)

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None,
                 every_filter=False):
        # django-filter deep-copies every declared filter and validates a form of all of them on
        # each request (~2 ms for /sessions' 35 filters); only the parameters given can filter.
        # `every_filter` keeps them all, for the browsable API's form of filters.
        if data is not None and prefix is None and not every_filter:
            self.base_filters = {name: filter_ for name, filter_ in self.base_filters.items()
                                 if name in data}
        super().__init__(data, queryset, request=request, prefix=prefix)

    def get_form_class(self):
        """django-filter builds a new form class (and a form field per filter) on each request;
        the class for a set of given filters is the same every time, so it is kept (a bounded
        number of them: the sets come from query strings)."""
        key = (type(self), tuple(self.filters))
        form_class = _FORM_CLASSES.get(key)
        if form_class is None:
            if len(_FORM_CLASSES) >= _FORM_CLASSES_KEPT:
                _FORM_CLASSES.clear()
            form_class = _FORM_CLASSES[key] = super().get_form_class()
        return form_class

    @classmethod
    def filter_for_field(cls, field, field_name, lookup_expr=None):
        filter_ = super().filter_for_field(field, field_name, lookup_expr)
        if field.help_text and not filter_.extra.get("help_text"):
            filter_.extra["help_text"] = field.help_text
        return filter_

    def filter_queryset(self, queryset):
        django_lookup.check_pair_count({
            name: self.data.getlist(name) for name, filter_ in self.filters.items()
            if isinstance(filter_, LookupPairsFilter)})
        return super().filter_queryset(queryset)
