"""What every admin shares: provenance shown read-only, and the API's lock on imported records."""
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from mirror.core.fields import parse_uuid
from mirror.core.serializers import PROVENANCE_FIELDS


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


class ProvenanceAdminMixin:
    """Provenance read-only and filterable; imported records keep their upstream fields.

    Searching for a UUID (or an API URL ending in one) is an indexed exact match on
    `uuid_search_fields`; other terms go to `search_fields`. Imported records cannot be deleted
    here (the API's rule: delete them upstream), nor can protected ones.
    """

    uuid_search_fields: tuple[str, ...] = ("pk",)

    def get_list_filter(self, request):
        return ("source", *super().get_list_filter(request))

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), *PROVENANCE_FIELDS]
        if obj is not None and obj.is_imported:
            readonly += upstream_fields(type(obj))
        return tuple(dict.fromkeys(readonly))

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


class MirrorAdmin(ProvenanceAdminMixin, admin.ModelAdmin):
    """The base of every mirrored model's admin."""


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
    """Imported rows cannot be deleted from the parent's page either."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields and form.instance.is_imported:
            form.fields["DELETE"].disabled = True


class LimitedInlineFormSet(forms.BaseInlineFormSet):
    """Shows at most `limit` related rows, loaded in one query (for read-only inlines)."""

    limit = 20

    def get_queryset(self):
        if not hasattr(self, "_limited"):
            self._limited = list(super().get_queryset()[: self.limit])
        return self._limited
