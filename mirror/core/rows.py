"""The read fast path: a page rendered from value rows, not from model instances.

DRF renders a page by building a model instance per row and per related row, then calling every
field's `get_attribute` and `to_representation`: at 100–1000 rows a page that is most of a list
request's time (10–20x what the database needs). A serializer that defines `ROW_COLUMNS` and
`render_rows(rows, request)` is listed from one `values()` query, to-many fields included as
JSON columns (`row_expressions()`, mirror.core.json_rows), and renders plain dicts. Its output
must equal its DRF output byte for byte (tests/api/test_rows.py checks each); writes and the
OpenAPI schema still use the DRF fields.
"""
from django.http import Http404
from rest_framework.response import Response

from mirror.core import kept_counts, kept_positions
from mirror.core.fields import api_root, parse_uuid
from mirror.core.qc import QC

QC_LABELS = {int(choice): choice.label for choice in QC}


def iso(value) -> str | None:
    """DRF's DateTimeField output for a naive (wall-clock) datetime (text stays as it is)."""
    return value if value is None or isinstance(value, str) else value.isoformat()


def links(request, endpoint: str):
    """`pk -> http://host/<endpoint>/<pk>` (None stays None), the host read once per page."""
    prefix = f"{api_root(request)}/{endpoint}/"
    return lambda pk: None if pk is None else f"{prefix}{pk}"


def row_values(queryset, serializer_class):
    """The `values()` queryset a row-rendering serializer reads: its `ROW_COLUMNS`, and the
    columns its `row_expressions()` adds (to-many fields as JSON, mirror.core.json_rows)."""
    expressions = getattr(serializer_class, "row_expressions", dict)()
    return queryset.values(*serializer_class.ROW_COLUMNS, **expressions)


class Rows:
    """What the paginator needs of a list: a slice of rows from the filtered `values()`
    queryset (keys and times already as text, mirror.core.text_values), and a count. The
    count comes from `counted()`, the same filters on the plain model queryset (the joins that
    fetch the rows' related names would only slow a COUNT), built only when a count is needed:
    a page shorter than its limit needs none."""

    def __init__(self, rows, counted):
        self.rows, self.counted = rows, counted
        self.version = None  # the data's version the page was read at, when known

    def count(self) -> int:
        return kept_counts.count(self.counted(), version=self.version)

    def __getitem__(self, page: slice) -> list[dict]:
        rows, self.version = kept_positions.read(self.rows, page.start or 0, page.stop)
        return rows


# Per viewset and serializer, its ordered `values()` queryset: building one resolves every
# column's joins (a tenth of a small page's time), so it is built once and cloned per request.
_ROW_QUERYSETS: dict[tuple, object] = {}


class RowReadMixin:
    """For viewsets: list from rows when the list serializer can render them, and read one
    record by UUID from rows when the serializer has `render_record(pk, request)` (which must
    read the rows the viewset's queryset holds; filters given on a detail URL are checked first).

    The fast read skips object permissions: no permission class here defines any.
    """

    def _written(self, serializer) -> dict:
        """A created or updated record as the API shows it, read back by the fast path (DRF
        would render it from the saved instance, whose prefetches the write has dropped)."""
        if not hasattr(type(serializer), "render_record"):
            return serializer.data
        return type(serializer).render_record(serializer.instance.pk, self.request)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        data = self._written(serializer)
        return Response(data, status=201, headers=self.get_success_headers(data))

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data,
                                         partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        if getattr(instance, "_prefetched_objects_cache", None):
            instance._prefetched_objects_cache = {}
        return Response(self._written(serializer))

    def retrieve(self, request, *args, **kwargs):
        serializer_class = self.get_serializer_class()
        value = self.kwargs[self.lookup_url_kwarg]
        key = parse_uuid(value) if len(value) == 36 else None
        if key is None or not hasattr(serializer_class, "render_record"):
            return super().retrieve(request, *args, **kwargs)
        if request.query_params and not self.filter_queryset(
                self.queryset.all()).filter(pk=key).exists():
            record = None  # the filters given exclude it
        else:
            record = serializer_class.render_record(key, request)
        if record is None:
            raise Http404(f"No {self.queryset.model._meta.verbose_name} '{value}'.")
        return Response(record)

    def list(self, request, *args, **kwargs):
        serializer_class = self.get_serializer_class()
        if not hasattr(serializer_class, "ROW_COLUMNS"):
            return super().list(request, *args, **kwargs)
        key = (type(self), serializer_class)
        rows = _ROW_QUERYSETS.get(key)
        if rows is None:
            rows = _ROW_QUERYSETS[key] = row_values(
                self.queryset.all().order_by(*self.ordering), serializer_class)
        page = self.paginate_queryset(Rows(self.filter_queryset(rows.all()),
                                           lambda: self.filter_queryset(self.queryset.all())))
        return self.get_paginated_response(serializer_class.render_rows(page, request))
