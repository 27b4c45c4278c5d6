"""What every serializer shares: provenance fields, the lock on importer-owned fields, and
updates that write only what changed."""
from django.db import DatabaseError, models, transaction
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.serializers import raise_errors_on_nested_writes

from mirror.core.exceptions import Conflict
from mirror.core.fields import LocalDateTimeField

PROVENANCE_FIELDS = ("source", "source_id", "imported_at", "upstream_deleted_at")


def differs(instance, name: str, value) -> bool:
    """Would setting `name` to `value` change the record? (A relation compares keys only.)"""
    field = instance._meta.get_field(name)
    if field.many_to_many:
        current = set(getattr(instance, name).values_list("pk", flat=True))
        return current != {item.pk for item in value}
    if field.is_relation:
        return getattr(instance, field.attname) != (None if value is None else value.pk)
    return getattr(instance, name) != value


def importer_json_changed(instance, json) -> bool:
    """Would `json` change `json[<source>]`, the part of an imported record's `json` that its
    importer owns (upstream metadata, the fingerprint that tells a re-import what changed)?"""
    def owned(value):
        return value.get(instance.source) if isinstance(value, dict) else None
    return owned(instance.json) != owned(json)


def upstream_changes(instance, changes: dict) -> list[str]:
    """The importer-owned fields `changes` would alter on an imported record (none on a local
    one): every field but the model's `ANNOTATION_FIELDS`, and `json.<source>`."""
    if not instance.is_imported:
        return []
    locked = [name for name, value in changes.items()
              if name not in instance.ANNOTATION_FIELDS and differs(instance, name, value)]
    if "json" in changes and importer_json_changed(instance, changes["json"]):
        locked.append(f"json.{instance.source}")
    return sorted(locked)


def save_changes(instance, changes: dict):
    """Write only the fields `changes` alters (plus `auto_now` times), then the to-many lists.

    A full `save()` writes every column from the copy read at the start of the request, so two
    concurrent PATCHes of different fields (or a PUT sending back a whole record) would undo
    each other; with `update_fields` each request writes what it changed and nothing else.
    To-many lists are replaced only when given, in the same transaction as the columns (so a
    failed list leaves the columns unchanged too). A record deleted meanwhile is a 404.
    """
    with transaction.atomic():
        return _save_changes(instance, changes)


def _save_changes(instance, changes: dict):
    changed = {name: value for name, value in changes.items() if differs(instance, name, value)}
    many = {name: value for name, value in changed.items()
            if instance._meta.get_field(name).many_to_many}
    columns = [name for name in changed if name not in many]
    for name in columns:
        setattr(instance, name, changed[name])
    if changed:
        columns += [field.name for field in instance._meta.concrete_fields
                    if getattr(field, "auto_now", False)]
        try:
            instance.save(update_fields=columns)
        except DatabaseError as error:
            if type(error) is not DatabaseError:  # Django's own "did not affect any rows"
                raise
            raise NotFound(f"This {instance._meta.verbose_name} was deleted meanwhile.") \
                from error
    for name, value in many.items():
        getattr(instance, name).set(value)
    return instance


class MirrorSerializer(serializers.ModelSerializer):
    """Base serializer: provenance is read-only, and imported records keep upstream fields.

    On a record whose `source` is not `local`, an update that would change a field outside the
    model's `ANNOTATION_FIELDS`, or `json[<source>]` (the importer's part of `json`), is refused
    with 409 naming those fields; sending the current value (as ONE's PUT of a whole record
    does) is fine. Datetimes are wall-clock, as stored: an
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

    @property
    def requesting_user(self):
        """Who sends the request (None outside one: then no staff-only write is allowed)."""
        return getattr(self.context.get("request"), "user", None)

    @classmethod
    def eager_load(cls, queryset):
        """Add the joins and prefetches this serializer's fields need (no per-row queries)."""
        return queryset

    def create(self, validated_data):
        """The record and its to-many lists in one transaction: a failed list leaves no record."""
        with transaction.atomic():
            return super().create(validated_data)

    def update(self, instance, validated_data):
        locked = upstream_changes(instance, validated_data)
        if locked:
            editable = [f"json (send json.{instance.source} back as it is)"
                        if name == "json" else name for name in instance.ANNOTATION_FIELDS]
            raise Conflict({
                "detail": (
                    f"{', '.join(locked)} of this {instance._meta.verbose_name} come from "
                    f"{instance.source} (id {instance.source_id}) and are read-only here: "
                    f"change them on {instance.source} and import again. Editable here: "
                    f"{', '.join(editable)}."
                ),
                "read_only_fields": locked,
            })
        raise_errors_on_nested_writes("update", self, validated_data)
        return save_changes(instance, validated_data)
