"""Admin pages for labs, users and API tokens (Alyx's misc admin)."""
from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from rest_framework.authtoken.admin import TokenAdmin as DRFTokenAdmin
from rest_framework.authtoken.models import Token, TokenProxy

from mirror.core.admin import MirrorAdmin, ProvenanceAdminMixin, ReadOnlyAccountsMixin
from mirror.people.models import Lab, User


@admin.register(Lab)
class LabAdmin(MirrorAdmin):
    fields = ("name", "institution", "address", "timezone", "repositories",
              "reference_weight_pct", "zscore_weight_pct", "json")
    list_display = ("name", "institution", "timezone", "source", "imported_at")
    list_filter = ("timezone",)
    search_fields = ("name", "institution")
    autocomplete_fields = ("repositories",)


@admin.register(User)
class UserAdmin(ProvenanceAdminMixin, DjangoUserAdmin):
    """Django's user admin plus Alyx's lab-member fields; passwords and staff flags stay local."""

    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Alyx", {"fields": ("labs", "allowed_users", "is_stock_manager", "read_only", "json")}),
    )
    list_display = ("username", "email", "first_name", "last_name", "lab_names", "is_staff",
                    "is_active", "read_only", "source")
    list_filter = ("is_staff", "is_superuser", "is_active", "read_only", "is_stock_manager",
                   "labs", "groups")
    autocomplete_fields = ("labs", "allowed_users")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("labs")

    @admin.display(description="labs")
    def lab_names(self, user):
        return ", ".join(lab.name for lab in user.labs.all())


def _masked_key(token) -> str:
    """The first four characters of a token key: enough to tell keys apart, useless to log in."""
    return f"{token.key[:4]}…" if token.key else "—"


# A token's own str() is its key, and the admin shows str() in page titles, messages, delete
# confirmations (a user's tokens are listed there) and the recent-actions log: mask it everywhere.
Token.__str__ = _masked_key

admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(ReadOnlyAccountsMixin, DRFTokenAdmin):
    """DRF's token admin with the key masked: secrets are never shown in lists or pages."""

    list_display = ("masked_key", "user", "created")
    list_select_related = ("user",)
    fields = ("user", "masked_key", "created")
    readonly_fields = ("masked_key", "created")
    autocomplete_fields = ("user",)

    @admin.display(description="key")
    def masked_key(self, token):
        return _masked_key(token)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ReadOnlyAccountsMixin, DjangoGroupAdmin):
    """Django's group admin, read-only for read-only accounts like every other page."""


def _with_read_only_rule(model, base) -> None:
    """Re-register a third-party admin page with the read-only accounts' rule."""
    admin.site.unregister(model)
    admin.site.register(model, type(base.__name__, (ReadOnlyAccountsMixin, base), {}))


# django-axes' pages (failed logins, lockouts): a read-only account must not lift a lockout.
for _model, _base in ((AccessAttempt, AccessAttemptAdmin), (AccessLog, AccessLogAdmin),
                      (AccessFailureLog, AccessFailureLogAdmin)):
    _with_read_only_rule(_model, _base)
