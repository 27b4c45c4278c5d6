"""The one viewset every endpoint declares itself with: Alyx's lookups and write rules."""
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError

from mirror.core import deletion
from mirror.core.exceptions import Conflict
from mirror.core.fields import parse_uuid
from mirror.core.rows import RowReadMixin

DETAIL_ACTIONS = ("retrieve", "update", "partial_update", "destroy")


class MirrorViewSet(RowReadMixin, viewsets.ModelViewSet):
    """List + create, and detail GET / PUT / PATCH / DELETE.

    Subclasses declare `queryset`, `serializer_class` (detail), optionally `list_serializer_class`,
    `filterset_class` and `natural_key` (the name Alyx looks the record up by). A detail URL takes
    the UUID, or the natural key where Alyx uses one; a key shared by several records is refused
    with their UUIDs. Serializers with `render_rows` / `render_record` are read from value rows
    (mirror.core.rows). Imported records cannot be deleted here (delete them upstream), nor
    protected ones, nor anything whose delete would take such records with it
    (mirror.core.deletion).
    """

    natural_key: str | None = None
    list_serializer_class = None
    lookup_field = "pk"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[^/]+"
    ordering: tuple[str, ...] = ("pk",)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The URL parameter is named as in Alyx's schema: {id}, {name}, {nickname}, {username}.
        cls.lookup_url_kwarg = cls.natural_key or "id"
        key = f"{cls.natural_key} or UUID" if cls.natural_key else "UUID"
        detail = extend_schema(parameters=[OpenApiParameter(
            cls.lookup_url_kwarg, str, OpenApiParameter.PATH, description=f"The record's {key}.")])
        extend_schema_view(**dict.fromkeys(DETAIL_ACTIONS, detail))(cls)

    def get_serializer_class(self):
        if self.action == "list" and self.list_serializer_class is not None:
            return self.list_serializer_class
        return self.serializer_class

    def get_queryset(self):
        serializer_class = self.get_serializer_class()
        queryset = self.queryset.all()
        if not (self.action in ("update", "partial_update")
                and hasattr(serializer_class, "render_record")):
            queryset = serializer_class.eager_load(queryset)  # else the answer is read anew
        return queryset.order_by(*self.ordering)

    def get_object(self):
        queryset = self.filter_queryset(self.get_queryset())
        value = self.kwargs[self.lookup_url_kwarg]
        key = parse_uuid(value) if len(value) == 36 else None
        if key is not None:
            matches = list(queryset.filter(pk=key)[:1])
        elif self.natural_key is None:
            raise ValidationError({"id": [f"'{value}' is not a valid UUID."]})
        else:
            matches = list(queryset.filter(**{self.natural_key: value})[:5])
        if not matches:
            raise Http404(f"No {queryset.model._meta.verbose_name} '{value}'.")
        if len(matches) > 1:
            ids = ", ".join(str(match.pk) for match in matches)
            raise ValidationError({self.natural_key: [
                f"'{value}' names {len(matches)} records ({ids}); use the UUID."
            ]})
        self.check_object_permissions(self.request, matches[0])
        return matches[0]

    def perform_destroy(self, instance):
        refused = deletion.delete_unless_refused([instance])
        if refused is not None:
            raise (PermissionDenied if refused.protected else Conflict)(refused.message)
