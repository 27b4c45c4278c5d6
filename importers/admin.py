"""Admin for connections (the credential is write-only) and import runs (read-only)."""
from django import forms
from django.contrib import admin

from importers.core.counts import summary_of
from importers.core.summary import run_summary
from importers.models import Connection, ImportRun, new_webhook_token
from mirror.core.admin import LimitedInlineFormSet, ReadOnlyAccountsMixin, changelist_link


class ConnectionForm(forms.ModelForm):
    base_url = forms.URLField(required=False, assume_scheme="https",
                              widget=forms.URLInput(attrs={"size": 60}),
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


class RecentRunsFormSet(LimitedInlineFormSet):
    limit = 5


class ImportRunInline(admin.TabularInline):
    """The connection's last few runs, newest first: how each ended and why; the rest are one
    link away (`all_runs`)."""

    model = ImportRun
    formset = RecentRunsFormSet
    verbose_name_plural = f"last {RecentRunsFormSet.limit} import runs"
    fields = ("started_at", "status", "dry_run", "what_it_did", "short_error")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-started_at")

    @admin.display(description="what it did")
    def what_it_did(self, run):
        return summary_of(run.counts or {})

    @admin.display(description="error")
    def short_error(self, run):
        first_line = (run.error or "").strip().splitlines()[:1]
        return first_line[0][:200] if first_line else "-"


@admin.register(Connection)
class ConnectionAdmin(ReadOnlyAccountsMixin, admin.ModelAdmin):
    form = ConnectionForm
    list_display = ("name", "source", "target", "lab", "repository", "enabled", "has_credential")
    list_filter = ("source", "enabled", "lab")
    list_select_related = ("lab", "repository")
    search_fields = ("name", "target")
    fields = ("name", "source", "base_url", "credential", "credential_stored", "target", "lab",
              "repository", "settings", "enabled", "webhook_url", "new_webhook_url", "all_runs",
              "created_at")
    readonly_fields = ("credential_stored", "webhook_url", "all_runs", "created_at")
    autocomplete_fields = ("lab", "repository")
    inlines = (ImportRunInline,)

    # Secrets: the credential is write-only (a view-only page would print it as text), and the
    # webhook path lets anyone write sessions; both are shown only to who may change them.
    SECRET_FIELDS = ("credential", "webhook_url", "new_webhook_url")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        return [field for field in fields if field not in self.SECRET_FIELDS]

    @admin.display(boolean=True, description="credential set")
    def has_credential(self, connection):
        return bool(connection.credential)

    @admin.display(boolean=True, description="credential stored")
    def credential_stored(self, connection):
        """Whether one is stored (never the value): `credential` above replaces it."""
        return bool(connection.credential)

    @admin.display(description="webhook URL (Labvanced: the study's URL Path; keep it secret)")
    def webhook_url(self, connection):
        return (connection.webhook_url or "-") if connection.pk else "-"

    @admin.display(description="import runs")
    def all_runs(self, connection):
        if not connection.pk:
            return "-"
        count = connection.runs.count()
        return changelist_link(ImportRun, f"All runs ({count})",
                               connection__id__exact=connection.pk)


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAccountsMixin, admin.ModelAdmin):
    list_display = ("connection", "started_at", "finished_at", "status", "dry_run",
                    "what_it_did")
    list_filter = ("status", "dry_run", "connection__source", "connection")
    list_select_related = ("connection",)
    date_hierarchy = "started_at"
    search_fields = ("connection__name", "error")

    def has_add_permission(self, request):
        return False

    @admin.display(description="what it did")
    def what_it_did(self, run):
        return run_summary(run)

    def has_change_permission(self, request, obj=None):
        return False
