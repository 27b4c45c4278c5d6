"""Admin for connections (the credential is write-only) and import runs (read-only)."""
from django import forms
from django.contrib import admin

from importers.models import Connection, ImportRun, new_webhook_token
from mirror.core.admin import ReadOnlyAccountsMixin


class ConnectionForm(forms.ModelForm):
    base_url = forms.URLField(required=False, assume_scheme="https",
                              help_text="The platform's API root, e.g. https://www.labvanced.com")
    credential = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False),
        help_text="API token or key. Write-only: leave empty to keep the stored one.")
    new_webhook_url = forms.BooleanField(
        required=False, label="Make a new webhook URL",
        help_text="For a URL that leaked: the old one stops working at once (404); set the new "
        "one as the study's URL Path in Labvanced.")

    class Meta:
        model = Connection
        fields = ("name", "source", "base_url", "credential", "target", "lab", "repository",
                  "settings", "enabled")

    def clean_credential(self):
        new = self.cleaned_data.get("credential")
        return new or (self.instance.credential if self.instance.pk else "")

    def save(self, commit=True):
        if self.cleaned_data.get("new_webhook_url") and self.instance.pk:
            self.instance.webhook_token = new_webhook_token()
        return super().save(commit)


class ImportRunInline(admin.TabularInline):
    model = ImportRun
    fields = ("started_at", "status", "created", "updated", "unchanged", "deleted", "failed")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-started_at")


@admin.register(Connection)
class ConnectionAdmin(ReadOnlyAccountsMixin, admin.ModelAdmin):
    form = ConnectionForm
    list_display = ("name", "source", "target", "lab", "repository", "enabled", "has_credential")
    list_filter = ("source", "enabled", "lab")
    list_select_related = ("lab", "repository")
    search_fields = ("name", "target")
    readonly_fields = ("webhook_path", "created_at")
    autocomplete_fields = ("lab", "repository")
    inlines = (ImportRunInline,)

    # Secrets: the credential is write-only (a view-only page would print it as text), and the
    # webhook path lets anyone write sessions; both are shown only to who may change them.
    SECRET_FIELDS = ("credential", "webhook_path")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        return [field for field in fields if field not in self.SECRET_FIELDS]

    @admin.display(boolean=True, description="credential set")
    def has_credential(self, connection):
        return bool(connection.credential)

    @admin.display(description="webhook URL path (Labvanced: set as the URL Path; keep secret)")
    def webhook_path(self, connection):
        return connection.webhook_path if connection.pk else "-"


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAccountsMixin, admin.ModelAdmin):
    list_display = ("connection", "started_at", "finished_at", "status", "dry_run", "created",
                    "updated", "unchanged", "deleted", "failed")
    list_filter = ("status", "dry_run", "connection__source", "connection")
    list_select_related = ("connection",)
    date_hierarchy = "started_at"
    search_fields = ("connection__name", "error")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
