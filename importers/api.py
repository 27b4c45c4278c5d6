"""/import-runs: the record of every import, read-only (connections and credentials stay out)."""
import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from importers.models import ImportRun
from mirror.core.filters import StrictBooleanFilter

FILE_ORIGIN = "file"


class ImportRunSerializer(serializers.ModelSerializer):
    """A run as every user sees it; where a `--from-file` import read from (a path on the
    server) is shown to staff alone, in `origin` and in `error`."""

    connection = serializers.CharField(source="connection.name", read_only=True,
                                       help_text="The connection's name.")
    source = serializers.CharField(source="connection.source", read_only=True,
                                   help_text="The platform imported from.")
    target = serializers.CharField(source="connection.target", read_only=True,
                                   help_text="What was mirrored (experiment, workspace).")

    class Meta:
        model = ImportRun
        fields = ("id", "connection", "source", "target", "status", "dry_run", "origin",
                  "started_at", "heartbeat_at", "finished_at", "created", "updated", "unchanged",
                  "deleted", "failed", "counts", "error", "watermark")
        extra_kwargs = {
            "id": {"help_text": "The run's UUID."},
            "status": {"help_text": "running, succeeded, partial (some records failed), failed "
                       "or abandoned (its process died)."},
            "dry_run": {"help_text": "Counted only; nothing was written."},
            "started_at": {"help_text": "When the run started."},
            "finished_at": {"help_text": "When it ended (null while running)."},
            "created": {"help_text": "Records created."},
            "updated": {"help_text": "Records changed upstream and updated here."},
            "unchanged": {"help_text": "Records already up to date."},
            "failed": {"help_text": "Records that could not be imported (see `error`)."},
            "deleted": {"help_text": "Records found gone upstream and marked."},
            "origin": {"help_text": "`api` (a pull from the platform's API), or, for an import "
                       "of an export file, the file's path on the server (staff) or `file` "
                       "(everyone else)."},
            "heartbeat_at": {"help_text": "Last sign of life of the running import."},
            "error": {"help_text": "What went wrong, and what to do about it."},
            "counts": {"help_text": "The outcomes per kind of record (`kinds`: sessions, "
                       "subjects, projects, datasets), the files written and their bytes "
                       "(`files`), and notes (such as a --since that matched nothing)."},
        }

    def to_representation(self, run):
        data = super().to_representation(run)
        user = getattr(self.context.get("request"), "user", None)
        if run.origin and run.origin != "api" and not (user and user.is_staff):
            data["origin"] = FILE_ORIGIN
            data["error"] = data["error"].replace(run.origin, "the export file")
        return data


class ImportRunFilterSet(django_filters.FilterSet):
    connection = django_filters.CharFilter(field_name="connection__name",
                                           help_text="Connection name.")
    source = django_filters.CharFilter(field_name="connection__source",
                                       help_text="labvanced, labstep or hyperstudy.")
    status = django_filters.ChoiceFilter(choices=ImportRun.STATUSES, help_text="Run status.")
    dry_run = StrictBooleanFilter(help_text="true: dry runs only; false: real runs.")

    class Meta:
        model = ImportRun
        fields = ("connection", "source", "status", "dry_run")


@extend_schema_view(retrieve=extend_schema(parameters=[OpenApiParameter(
    "id", str, OpenApiParameter.PATH, description="The run's UUID.")]))
class ImportRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Import runs, newest first. Filters: connection, source, status, dry_run.

    Example: `/import-runs?connection=gaze-study&status=failed`.
    """

    queryset = ImportRun.objects.select_related("connection").order_by("-started_at", "id")
    serializer_class = ImportRunSerializer
    filterset_class = ImportRunFilterSet
    lookup_value_regex = "[0-9a-fA-F-]{36}"
