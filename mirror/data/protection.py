"""Who may protect and unprotect datasets over the API: staff alone.

A dataset carrying a protected tag cannot be deleted by anyone, by any path (its session, its
file records: mirror.core.deletion). It stops being protected only when the tag leaves it, the
tag is unprotected or the tag is deleted, so each of those, and protecting in the first place,
is staff-only: adding or removing a protected tag on a dataset; creating, changing or deleting
a protected tag; making a tag protected. A protected dataset is published data: apart from its
annotations (QC, `json`, unprotected tags) only staff change it. Nor may anyone move a protected
dataset's file records away or mark them missing, or retire it as the default revision by
registering the same file again.
"""
from rest_framework.exceptions import PermissionDenied

from mirror.core.deletion import UNPROTECT
from mirror.core.serializers import differs
from mirror.data.models import Dataset

RULE = ("a protected tag keeps datasets from being deleted, and only staff may protect or "
        "unprotect them: ask an administrator")
COPY_LOCATION = ("dataset", "data_repository", "relative_path", "exists")


def _staff(user) -> bool:
    return bool(user and user.is_staff)


def _refuse(what: str):
    raise PermissionDenied(f"Only staff can {what}: {RULE}.")


def check_dataset_tags(user, dataset: Dataset | None, tags) -> None:
    """Tags given for a dataset (a new one when `dataset` is None) add or remove no protected
    tag, unless `user` is staff."""
    if _staff(user) or tags is None:
        return
    before = set(dataset.tags.all()) if dataset is not None else set()
    moved = sorted(tag.name for tag in before ^ set(tags) if tag.protected)
    if moved:
        _refuse(f"add or remove a protected tag ({', '.join(moved)}) on a dataset")


def check_dataset_change(user, dataset: Dataset, changes: dict) -> None:
    """A protected dataset's fields other than its annotations stay as they are, unless `user`
    is staff (its file, name, session or revision are what was published)."""
    if _staff(user) or not dataset.is_protected:
        return
    changed = sorted(name for name, value in changes.items()
                     if name not in Dataset.ANNOTATION_FIELDS and differs(dataset, name, value))
    if changed:
        _refuse(f"change a protected dataset's {', '.join(changed)} (its qc, json and tags "
                "stay editable)")


def check_tag_write(user, tag, changes: dict) -> None:
    """Creating (`tag` None) or changing a tag: protected ones, and protecting, are staff's."""
    if _staff(user):
        return
    if tag is None:
        if changes.get("protected"):
            _refuse("create a protected tag")
        return
    if tag.protected and any(differs(tag, name, value) for name, value in changes.items()):
        _refuse(f"change the protected tag '{tag.name}'")
    if not tag.protected and changes.get("protected"):
        _refuse("make a tag protected")


def check_tag_delete(user, tag) -> None:
    if tag.protected and not _staff(user):
        _refuse(f"delete the protected tag '{tag.name}'")


def check_copy_change(record, changes: dict) -> None:
    """A protected dataset's file record keeps its dataset, repository and path (for anyone:
    moving it away, then deleting it, would delete the protected dataset's file)."""
    moved = [name for name in COPY_LOCATION
             if name in changes and differs(record, name, changes[name])]
    if moved and record.is_protected:
        raise PermissionDenied(f"This file record is a copy of a protected dataset: its "
                               f"{', '.join(moved)} cannot change; {UNPROTECT}.")


def check_not_superseding(pk, *, session, collection: str, name: str) -> None:
    """A new default dataset of the same session, collection and name retires the older ones
    (Alyx's rule, `Dataset.save`): refused while one of those is protected."""
    older = Dataset.objects.filter(session=session, collection=collection, name=name,
                                   default_dataset=True).exclude(pk=pk)
    if Dataset.protected_rows(older).exists():
        raise PermissionDenied(f"A protected dataset {collection}/{name} of this session is the "
                               f"default revision, and this one would retire it; send "
                               f"`default_dataset: false`, or {UNPROTECT}.")
