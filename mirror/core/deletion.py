"""What a delete takes with it, checked before anything goes: imported and protected records are
never deleted, or rewritten, as a side effect of deleting something else.

Deleting a session deletes its datasets and their file records (CASCADE) and clears the parent of
its child sessions (SET_NULL). The rules for the record named in the request (imported records
are deleted upstream; protected datasets not at all) hold for everything the delete reaches, in
the API and in the admin alike. A model says which of its rows are protected with a
`protected_rows(queryset)` classmethod (datasets with a protected tag, and their file records).
"""
from dataclasses import dataclass

from django.db import router, transaction
from django.db.models import Count, Q
from django.db.models.deletion import Collector

from mirror.core.models import MirrorModel
from mirror.core.provenance import LOCAL

UNPROTECT = "a staff user must remove the protected tag (or unprotect it) first"


@dataclass(frozen=True)
class Refusal:
    """Why a delete may not happen: `protected` (403) or imported records (409)."""

    protected: bool
    message: str


def _collect(objs) -> Collector:
    collector = Collector(using=router.db_for_write(type(objs[0])), origin=objs[0])
    collector.collect(objs)  # a PROTECT or RESTRICT relation raises here, as delete() would
    return collector


def _reached(collector):
    """(model, queryset, effect) for every set of rows the delete would remove or change."""
    for model, instances in collector.data.items():
        yield model, model._base_manager.filter(pk__in=[obj.pk for obj in instances]), "delete"
    for queryset in collector.fast_deletes:
        yield queryset.model, queryset, "delete"
    for (field, _value), batches in collector.field_updates.items():
        for batch in batches:
            if not hasattr(batch, "model"):
                batch = field.model._base_manager.filter(pk__in=[obj.pk for obj in batch])
            yield batch.model, batch, f"change (clear `{field.name}` of)"


def _plural(model, count: int) -> str:
    meta = model._meta
    return f"{count} {meta.verbose_name if count == 1 else meta.verbose_name_plural}"


def _named(objs) -> str:
    model = type(objs[0])
    return f"this {model._meta.verbose_name}" if len(objs) == 1 else \
        f"these {_plural(model, len(objs))}"


def _imported_named(objs) -> Refusal | None:
    record = next((obj for obj in objs if obj.is_imported), None)
    if record is None:
        return None
    where = f"{record.source} (id {record.source_id})" if len(objs) == 1 else record.source
    return Refusal(False, f"{_named(objs).capitalize()} comes from {where}: delete it there; "
                   "the next import marks it.")


def _counts(model, rows) -> dict:
    """How many of `rows` are imported and how many protected: one query."""
    counted = {"imported": Count("pk", filter=~Q(source=LOCAL))}
    protected_rows = getattr(model, "protected_rows", None)
    if protected_rows is not None:
        counted["protected"] = Count("pk", filter=Q(pk__in=protected_rows(
            model._base_manager.all()).values("pk")))
    return {"protected": 0, **rows.order_by().aggregate(**counted)}


def _imported_reached(objs, model, rows, effect: str, count: int) -> Refusal:
    sources = sorted(set(rows.exclude(source=LOCAL).values_list("source", flat=True)))
    return Refusal(False, f"Deleting {_named(objs)} would {effect} {_plural(model, count)} "
                   f"imported from {', '.join(sources)}: those change upstream, and the next "
                   "import brings the change.")


def _upstream_link_owners(link_model, links):
    """For rows of a many-to-many link table: (owner model, owner rows, field name) when the
    list is an upstream field of its owner (a session's `users`), so that removing a link
    rewrites the owner; nothing for annotation lists (a dataset's `tags`)."""
    owner = link_model._meta.auto_created
    if not owner or not issubclass(owner, MirrorModel):
        return
    for field in owner._meta.many_to_many:
        if field.remote_field.through is link_model and field.name not in owner.ANNOTATION_FIELDS:
            yield owner, owner._base_manager.filter(
                pk__in=links.values(field.m2m_field_name() + "_id")), field.name


def _refusal(collector, objs) -> Refusal | None:
    named = {(type(obj), obj.pk) for obj in objs}
    for model, rows, effect in _reached(collector):
        if not issubclass(model, MirrorModel):  # many-to-many link rows
            for owner, owners, name in _upstream_link_owners(model, rows):
                imported = owners.exclude(source=LOCAL).count()
                if imported:
                    return _imported_reached(objs, owner, owners, f"change the `{name}` of",
                                             imported)
            continue
        counts = _counts(model, rows)
        if counts["imported"]:
            return _imported_reached(objs, model, rows, effect, counts["imported"])
        if not counts["protected"]:
            continue
        protected = model.protected_rows(rows).values_list("pk", flat=True).distinct()
        if all((model, pk) in named for pk in protected):
            return Refusal(True, f"{_named(objs).capitalize()} is protected (a dataset with a "
                           f"protected tag, or its file record): {UNPROTECT}.")
        return Refusal(True, f"Deleting {_named(objs)} would {effect} "
                       f"{_plural(model, counts['protected'])} that are protected (a dataset "
                       f"with a protected tag, or its file record): {UNPROTECT}.")
    return None


def refusal(objs) -> Refusal | None:
    """Why deleting `objs` (records of one model) is not allowed, or None."""
    objs = list(objs)
    if not objs:
        return None
    return _imported_named(objs) or _refusal(_collect(objs), objs)


def delete_unless_refused(objs) -> Refusal | None:
    """Delete `objs` and what they take with them, or nothing and say why (one transaction)."""
    objs = list(objs)
    if not objs:
        return None
    refused = _imported_named(objs)
    if refused is not None:
        return refused
    with transaction.atomic(using=router.db_for_write(type(objs[0]))):
        collector = _collect(objs)
        refused = _refusal(collector, objs)
        if refused is None:
            collector.delete()
    return refused
