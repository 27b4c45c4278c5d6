"""What every admin shares: provenance shown read-only, the API's lock on imported records, its
rules on deleting, and read-only accounts that only read."""
from functools import cached_property
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import ProtectedError, Q, RestrictedError
from django.urls import reverse
from django.utils.html import format_html

from mirror.core import deletion
from mirror.core.fields import parse_uuid
from mirror.core.serializers import PROVENANCE_FIELDS, importer_json_changed


def upstream_fields(model) -> tuple[str, ...]:
    """Fields an importer owns on a non-local record: the API's fields, less the annotations.

    The same rule as `MirrorSerializer.update`: what the API shows (`PUBLIC_FIELDS`) is locked on
    an imported record, except the model's `ANNOTATION_FIELDS`. Fields the API never shows (a
    user's password, staff flags, groups) stay local and editable.
    """
    public = getattr(model, "PUBLIC_FIELDS", None)
    fields = [*model._meta.concrete_fields, *model._meta.many_to_many]
    return tuple(
        field.name for field in fields
        if field.editable and field.name not in PROVENANCE_FIELDS
        and field.name not in model.ANNOTATION_FIELDS
        and (public is None or field.name in public)
    )


def changelist_link(model, label: str, **params) -> str:
    """A link to `model`'s admin list filtered by `params` (e.g. a session's datasets)."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(params), label)


def nowrap(text: str) -> str:
    """A list cell kept on one line (a nickname like `LV-a7Kq2Xw9Lm` wrapped at its dash)."""
    return format_html('<span style="white-space:nowrap">{}</span>', text)


def is_read_only(request) -> bool:
    return bool(getattr(request.user, "read_only", False))


class ReadOnlyAccountsMixin:
    """Accounts flagged `read_only` (staff and superusers too) see admin pages, change nothing.

    The API's rule (mirror.core.permissions); every ModelAdmin of the site carries this mixin
    (tests/test_admin_integrity.py walks the registry).
    """

    def has_add_permission(self, request, *args):
        return not is_read_only(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return not is_read_only(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not is_read_only(request) and super().has_delete_permission(request, obj)


class ProvenanceAdminMixin(ReadOnlyAccountsMixin):
    """Provenance read-only and filterable; imported records keep their upstream fields.

    Searching for a UUID (or an API URL ending in one) is an indexed exact match on
    `uuid_search_fields`; other terms go to `search_fields`. Imported records cannot be deleted
    here (the API's rule: delete them upstream), nor can protected ones, nor anything whose
    delete would take imported or protected records with it (mirror.core.deletion): the
    confirmation page, single or bulk, lists why instead of deleting.
    """

    uuid_search_fields: tuple[str, ...] = ("pk",)

    def get_list_filter(self, request):
        return ("source", *super().get_list_filter(request))

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), *PROVENANCE_FIELDS]
        if obj is not None and obj.is_imported:
            readonly += upstream_fields(type(obj))
        return tuple(dict.fromkeys(readonly))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None or not obj.is_imported or "json" not in form.base_fields:
            return form

        class ImporterJsonLocked(form):
            def clean_json(self):
                json = self.cleaned_data.get("json")
                if importer_json_changed(self.instance, json):
                    raise forms.ValidationError(
                        f"json.{obj.source} comes from {obj.source} and is read-only here: "
                        f"keep it as it is (the rest of json is yours to edit).")
                return json

        return ImporterJsonLocked

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"]
                                          if f not in PROVENANCE_FIELDS]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if obj is None:
            return fieldsets
        description = None
        if obj.is_imported:
            description = (f"Imported from {obj.source}: fields that come from there are "
                           f"read-only here; change them on {obj.source} and import again.")
        return [*fieldsets, ("Provenance", {"fields": PROVENANCE_FIELDS,
                                            "description": description})]

    def get_search_results(self, request, queryset, search_term):
        key = parse_uuid(search_term) if search_term else None
        if key is None:
            return super().get_search_results(request, queryset, search_term)
        match = Q()
        for name in self.uuid_search_fields:
            match |= Q(**{name: key})
        return queryset.filter(match), False

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.is_imported or getattr(obj, "is_protected", False)):
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if not protected:  # else a PROTECT relation already blocks, and is listed
            refused = deletion.refusal(objs)
            if refused is not None:
                protected = [*protected, refused.message]
        return deleted, counts, perms_needed, protected

    @staticmethod
    def _delete_or_refuse(objs) -> None:
        """Check and delete in one transaction (mirror.core.deletion), as the API does: a tag
        added or a record imported between the confirmation page and the POST still counts."""
        try:
            refused = deletion.delete_unless_refused(objs)
        except (ProtectedError, RestrictedError) as error:
            raise PermissionDenied(str(error.args[0])) from error
        if refused is not None:
            raise PermissionDenied(refused.message)

    def delete_model(self, request, obj):
        self._delete_or_refuse([obj])

    def delete_queryset(self, request, queryset):
        self._delete_or_refuse(queryset)


class BlankNullJSONField(forms.JSONField):
    """A nullable JSON field shown empty when it holds nothing, not as a literal `null`;
    left empty, it saves nothing (None)."""

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)


class MirrorAdmin(ProvenanceAdminMixin, admin.ModelAdmin):
    """The base of every mirrored model's admin."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.JSONField) and db_field.null:
            kwargs.setdefault("form_class", BlankNullJSONField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class UpstreamLockedForm(forms.ModelForm):
    """An inline row whose record is imported shows its upstream fields disabled (ignored on POST).

    Inline `readonly_fields` apply to every row alike; this applies the lock row by row.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding and self.instance.is_imported:
            for name in upstream_fields(type(self.instance)):
                if name in self.fields:
                    self.fields[name].disabled = True


class MirrorInlineFormSet(forms.BaseInlineFormSet):
    """Imported rows cannot be deleted from the parent's page either, nor the rows of a
    protected parent (a protected dataset's file records)."""

    @cached_property
    def parent_is_protected(self) -> bool:
        if self.instance._state.adding:
            return False
        return bool(getattr(self.instance, "is_protected", False))

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields and (form.instance.is_imported or self.parent_is_protected):
            form.fields["DELETE"].disabled = True


class LimitedInlineFormSet(forms.BaseInlineFormSet):
    """Shows at most `limit` related rows, loaded in one query (for read-only inlines)."""

    limit = 20

    def get_queryset(self):
        if not hasattr(self, "_limited"):
            self._limited = list(super().get_queryset()[: self.limit])
        return self._limited
