"""Alyx's pagination: limit/offset, 250 rows by default, at most 1000 a page."""
import re

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from mirror.core import kept_counts

#: The largest `limit` or `offset` read: far past any table, and within the databases' 64-bit
#: LIMIT/OFFSET together (2**63 overflowed them, and the error read as a clash of names).
MAX_VALUE = 10**18
_DIGITS = re.compile(r"[0-9]+")


def _non_negative_int(request, name: str):
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not _DIGITS.fullmatch(raw.strip()):
        shown = raw if len(raw) <= 40 else f"{raw[:37]}..."
        raise ValidationError({name: [f"'{shown}' is not an integer of 0 or more."]})
    if len(raw.strip().lstrip("0")) > 19 or int(raw) > MAX_VALUE:  # no int() of 5,000 digits
        raise ValidationError({name: [f"{name} must be at most {MAX_VALUE:,}."]})
    return int(raw)


class AlyxLimitOffsetPagination(LimitOffsetPagination):
    """Envelope `{count, next, previous, results}`; a larger `limit` is capped at 1000.

    Unlike DRF, a malformed `limit` or `offset` is refused with 400 instead of being ignored,
    and the page is read before the count: a page that ends short of `limit` gives the count
    (offset + its rows) without the COUNT query, which reads every matching row.
    """

    default_limit = 250
    max_limit = 1000
    limit_query_description = "Rows per page (default 250, at most 1000)."
    offset_query_description = "Index of the first row to return."

    envelope_help = {"count": "Rows matching the query, over all pages.",
                     "next": "URL of the next page, or null on the last one.",
                     "previous": "URL of the previous page, or null on the first one.",
                     "results": "This page's rows."}

    def get_paginated_response_schema(self, schema):
        envelope = super().get_paginated_response_schema(schema)
        for name, text in self.envelope_help.items():
            envelope["properties"][name] = {**envelope["properties"][name], "description": text}
        return envelope

    def get_limit(self, request):
        value = _non_negative_int(request, self.limit_query_param)
        if value is None or value == 0:
            return self.default_limit
        return min(value, self.max_limit)

    def get_offset(self, request):
        return _non_negative_int(request, self.offset_query_param) or 0

    def get_count(self, queryset) -> int:
        """The exact count: a whole big table's from its trigger-kept row count
        (mirror.core.rowcount), a filtered list's kept until the data changes
        (mirror.core.kept_counts)."""
        if isinstance(queryset, QuerySet):
            return kept_counts.count(queryset)
        return queryset.count()

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit, self.offset = self.get_limit(request), self.get_offset(request)
        page = list(queryset[self.offset:self.offset + self.limit])
        if page and len(page) < self.limit or not page and self.offset == 0:
            self.count = self.offset + len(page)
        else:
            self.count = self.get_count(queryset)
        self.display_page_controls = self.count > self.limit
        return page
