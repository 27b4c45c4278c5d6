"""The base filterset every endpoint extends, and the filter types shared between apps."""
import datetime

import django_filters
from django.db import models
from rest_framework.exceptions import ValidationError

from mirror.core import django_lookup
from mirror.core.provenance import SOURCE_CHOICES
from mirror.core.qc import qc_value

DJANGO_HELP = (
    "Alyx's generic filter: `<lookup>,<value>` pairs, e.g. `django=pk__in,('<uuid>','<uuid>')` "
    "or `django=~subject__nickname__icontains,test`. Lookups are limited to the fields this API "
    "shows; a key may be repeated; `~` excludes."
)


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
        return qs.filter(**{f"{self.field_name}__date__gte": first,
                            f"{self.field_name}__date__lte": last})


class AllOfFilter(django_filters.CharFilter):
    """A comma-separated list: rows linked to *all* the listed values of `field_name`."""

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        for item in (part.strip() for part in value.split(",")):
            if item:
                qs = qs.filter(**{self.field_name: item})
        return qs.distinct()


class LocalDateTimeFilter(django_filters.DateTimeFilter):
    """A wall-clock time, as stored: an offset in the value is dropped, not converted."""

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        return super().filter(qs, value)


class MirrorFilterSet(django_filters.FilterSet):
    """Provenance filters and `django=` for every endpoint; subclasses add Alyx's filters.

    Filters made from `Meta.fields` take their description from the model field's help_text.
    """

    FILTER_DEFAULTS = {**django_filters.FilterSet.FILTER_DEFAULTS,
                       models.DateTimeField: {"filter_class": LocalDateTimeFilter}}

    source = django_filters.ChoiceFilter(choices=SOURCE_CHOICES,
                                         help_text="Only records from this source.")
    source_id = django_filters.CharFilter(help_text="The record's identifier on its source.")
    django = django_filters.CharFilter(method="filter_django", help_text=DJANGO_HELP)

    @classmethod
    def filter_for_field(cls, field, field_name, lookup_expr=None):
        filter_ = super().filter_for_field(field, field_name, lookup_expr)
        if field.help_text and not filter_.extra.get("help_text"):
            filter_.extra["help_text"] = field.help_text
        return filter_

    def filter_django(self, queryset, name, value):
        return django_lookup.apply(queryset, self.data.getlist(name))
