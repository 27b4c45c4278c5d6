"""Serializer fields shared by every app: natural keys, links that end in the UUID, QC names."""
import uuid

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from mirror.core.qc import QC, QC_NAMES, qc_value

#: Related records one list in a body may name (a session's users, a dataset's tags…).
MAX_RELATED = 1000


def parse_uuid(text) -> uuid.UUID | None:
    """The UUID in `text` (a bare UUID or a URL ending in one), or None."""
    candidate = str(text).strip().rstrip("/")[-36:]
    try:
        return uuid.UUID(candidate)
    except ValueError:
        return None


def api_root(request) -> str:
    """`scheme://host` of the request, computed once per request."""
    root = getattr(request, "_mirror_api_root", None)
    if root is None:
        root = f"{request.scheme}://{request.get_host()}"
        request._mirror_api_root = root
    return root


def record_url(request, endpoint: str, pk) -> str:
    return f"{api_root(request)}/{endpoint}/{pk}"


class BoundedManyRelatedField(serializers.ManyRelatedField):
    """A list of related records: at most MAX_RELATED, each distinct name looked up once.

    Each item is a query: 250,000 copies of one username (a 2.5 MB body) took 90 s."""

    default_error_messages = {**serializers.ManyRelatedField.default_error_messages,
                              "too_many": _("{count} items; at most {limit}.")}

    def to_internal_value(self, data):
        if isinstance(data, list):
            if all(isinstance(item, str) for item in data):
                data = list(dict.fromkeys(data))
            if len(data) > MAX_RELATED:
                self.fail("too_many", count=len(data), limit=MAX_RELATED)
        return super().to_internal_value(data)


class NaturalKeyRelatedField(serializers.SlugRelatedField):
    """A related record shown by its natural key (name, nickname, username).

    Input may be that key or the record's UUID; a key that names several records (possible when
    three platforms feed one database) is refused with the matching UUIDs, so the client can pick.
    """

    default_error_messages = {
        **serializers.SlugRelatedField.default_error_messages,
        "ambiguous": _("'{value}' matches {count} records ({ids}); send the UUID instead."),
    }

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return BoundedManyRelatedField(child_relation=cls(*args, **kwargs), **list_kwargs)

    def to_internal_value(self, data):
        queryset = self.get_queryset()
        key = parse_uuid(data) if len(str(data)) == 36 else None
        if key is not None:
            match = queryset.filter(pk=key).first()
            if match is not None:
                return match
        matches = list(queryset.filter(**{self.slug_field: str(data)})[:5])
        if not matches:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))
        if len(matches) > 1:
            self.fail("ambiguous", value=data, count=len(matches),
                      ids=", ".join(str(m.pk) for m in matches))
        return matches[0]


@extend_schema_field(OpenApiTypes.URI)
class LinkedRecordField(serializers.RelatedField):
    """A foreign key shown as Alyx shows it, `http://host/<endpoint>/<uuid>`.

    Accepts that URL or the bare UUID. Rendering needs only the key, so no query is made.
    """

    default_error_messages = {
        "invalid": _("'{value}' is neither a UUID nor a URL ending in one."),
        "does_not_exist": _("No record with UUID {value}."),
    }

    def __init__(self, endpoint: str, **kwargs):
        self.endpoint = endpoint
        super().__init__(**kwargs)

    def use_pk_only_optimization(self):
        return True

    def to_representation(self, value):
        return record_url(self.context["request"], self.endpoint, value.pk)

    def to_internal_value(self, data):
        key = parse_uuid(data)
        if key is None:
            self.fail("invalid", value=data)
        match = self.get_queryset().filter(pk=key).first()
        if match is None:
            self.fail("does_not_exist", value=key)
        return match


@extend_schema_field(OpenApiTypes.URI)
class SelfLinkField(serializers.Field):
    """The record's own `url`, ending in its UUID (ONE reads ids from `url[-36:]`)."""

    def __init__(self, endpoint: str, **kwargs):
        self.endpoint = endpoint
        kwargs.update(source="pk", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return record_url(self.context["request"], self.endpoint, value)


@extend_schema_field({"type": "string", "enum": QC_NAMES})
class QCField(serializers.Field):
    """QC as Alyx shows it (a name); accepts a name in any case or its number."""

    default_error_messages = {"invalid": _("{message}")}

    def to_representation(self, value):
        return QC(value).label

    def to_internal_value(self, data):
        try:
            return qc_value(data)
        except ValueError as exc:
            self.fail("invalid", message=str(exc))


class LocalDateTimeField(serializers.DateTimeField):
    """Wall-clock time: an offset in the input is dropped, not converted, so the date stays."""

    def enforce_timezone(self, value):
        return value.replace(tzinfo=None)
