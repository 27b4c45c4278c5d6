"""What every serializer shares: provenance fields, and the lock on importer-owned fields."""
from django.db import models
from rest_framework import serializers

from mirror.core.exceptions import Conflict
from mirror.core.fields import LocalDateTimeField

PROVENANCE_FIELDS = ("source", "source_id", "imported_at", "upstream_deleted_at")


def _differs(instance, name: str, value) -> bool:
    field = instance._meta.get_field(name)
    if field.many_to_many:
        current = set(getattr(instance, name).values_list("pk", flat=True))
        return current != {item.pk for item in value}
    return getattr(instance, name) != value


class MirrorSerializer(serializers.ModelSerializer):
    """Base serializer: provenance is read-only, and imported records keep upstream fields.

    On a record whose `source` is not `local`, an update that would change a field outside the
    model's `ANNOTATION_FIELDS` is refused with 409 naming those fields; sending the current
    value (as ONE's PUT of a whole record does) is fine. Datetimes are wall-clock, as stored: an
    offset in the input is dropped (converting it could also overflow near year 1 or 9999).
    """

    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DateTimeField: LocalDateTimeField}

    source = serializers.CharField(read_only=True, help_text="Where the record comes from: "
                                   "`local` (made here) or the platform it was imported from.")
    source_id = serializers.CharField(read_only=True,
                                      help_text="The record's identifier on its source platform.")
    imported_at = serializers.DateTimeField(read_only=True,
                                            help_text="When an importer last wrote the record.")
    upstream_deleted_at = serializers.DateTimeField(
        read_only=True, help_text="When an import found the record gone from its source "
        "(null while it exists upstream).")

    @classmethod
    def eager_load(cls, queryset):
        """Add the joins and prefetches this serializer's fields need (no per-row queries)."""
        return queryset

    def update(self, instance, validated_data):
        if instance.is_imported:
            locked = sorted(name for name, value in validated_data.items()
                            if name not in instance.ANNOTATION_FIELDS
                            and _differs(instance, name, value))
            if locked:
                raise Conflict({
                    "detail": (
                        f"{', '.join(locked)} of this {instance._meta.verbose_name} come from "
                        f"{instance.source} (id {instance.source_id}) and are read-only here: "
                        f"change them on {instance.source} and import again. Editable here: "
                        f"{', '.join(instance.ANNOTATION_FIELDS)}."
                    ),
                    "read_only_fields": locked,
                })
        return super().update(instance, validated_data)
