"""Admin forms that keep the protection rules of mirror.data.protection (the API's rules).

Admin users are staff, so the staff-only rules pass; the rules that hold for everyone (a
protected dataset's copies stay where they are; a new default revision does not retire a
protected dataset) are checked here, as a form error rather than a 403.
"""
from contextlib import contextmanager

from django import forms
from rest_framework.exceptions import PermissionDenied

from mirror.core.admin import UpstreamLockedForm
from mirror.data import protection
from mirror.data.models import Dataset

SUPERSEDING_KEY = ("session", "collection", "name")


@contextmanager
def _as_form_error():
    try:
        yield
    except PermissionDenied as refused:
        raise forms.ValidationError(str(refused.detail)) from None


class ProtectedCopyCheck:
    """A file record form: a protected dataset's copy keeps its dataset, repository, path and
    `exists`."""

    def clean(self):
        cleaned = super().clean()
        if not self.instance._state.adding:
            changes = {name: cleaned[name] for name in protection.COPY_LOCATION
                       if name in cleaned and name in self.changed_data}
            with _as_form_error():
                protection.check_copy_change(self.instance, changes)
        return cleaned


class FileRecordForm(ProtectedCopyCheck, forms.ModelForm):
    pass


class FileRecordInlineForm(ProtectedCopyCheck, UpstreamLockedForm):
    pass


class DatasetForm(forms.ModelForm):
    """A dataset saved as the default revision does not retire a protected one."""

    def clean(self):
        cleaned = super().clean()
        adding = self.instance._state.adding
        default = cleaned.get("default_dataset", self.instance.default_dataset)
        touched = adding or any(name in self.changed_data
                                for name in (*SUPERSEDING_KEY, "default_dataset"))
        if default and touched:
            key = {name: cleaned[name] if name in cleaned else getattr(self.instance, name)
                   for name in SUPERSEDING_KEY}
            with _as_form_error():
                protection.check_not_superseding(None if adding else self.instance.pk, **key)
        return cleaned

    class Meta:
        model = Dataset
        fields = "__all__"
