"""Sessions as Alyx shows them: a light list record and a full detail with its datasets."""
from django.db.models import OuterRef
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mirror.actions import reads
from mirror.actions.models import Session
from mirror.actions.numbers import MAX_NUMBER, session_number_taken, sessions_in_folder
from mirror.core import json_rows
from mirror.core.fields import (
    LinkedRecordField,
    LocalDateTimeField,
    NaturalKeyRelatedField,
    QCField,
    SelfLinkField,
)
from mirror.core.json_rows import JSONRows
from mirror.core.rows import QC_LABELS, iso, links
from mirror.core.serializers import PROVENANCE_FIELDS, MirrorSerializer
from mirror.data.links import add_uuid_string, base_url, dataset_data_url
from mirror.data.models import Dataset
from mirror.data.selectors import downloadable_datasets, file_records_prefetch
from mirror.people.models import Lab, User
from mirror.subjects.models import Project, Subject


class SessionDatasetSerializer(serializers.ModelSerializer):
    """A downloadable dataset inside session detail: what ONE's list_datasets and load_* read."""

    dataset_type = serializers.CharField(source="dataset_type.name", read_only=True,
                                         help_text="Dataset type name, e.g. trials.table.")
    data_url = serializers.SerializerMethodField(help_text="Download URL (contains the UUID).")
    url = SelfLinkField("datasets", help_text="The dataset's URL (ends in its UUID).")
    revision = serializers.SerializerMethodField(help_text="Revision name, or ''.")
    default_revision = serializers.SerializerMethodField(
        help_text="The string 'True' or 'False' (Alyx's form, which ONE compares with 'True').")
    qc = QCField(read_only=True, help_text="QC outcome: NOT_SET, PASS, WARNING, FAIL, CRITICAL.")

    class Meta:
        model = Dataset
        fields = ("id", "name", "dataset_type", "data_url", "url", "file_size", "hash",
                  "version", "collection", "revision", "default_revision", "qc")

    def get_data_url(self, dataset) -> str | None:
        return dataset_data_url(self.context["request"], dataset)

    def get_revision(self, dataset) -> str:
        return dataset.revision.name if dataset.revision_id else ""

    def get_default_revision(self, dataset) -> str:
        return str(bool(dataset.default_dataset))


def _dataset_records(session_id, request) -> list[dict]:
    """SessionDatasetSerializer's output for a session, from rows (one prepared query)."""
    link = links(request, "datasets")
    return [{
        "id": str(pk), "name": name, "dataset_type": kind,
        "data_url": path and base_url(request, root) + add_uuid_string(path, pk),
        "url": link(pk), "file_size": size, "hash": md5, "version": version,
        "collection": collection, "revision": revision or "",
        "default_revision": str(bool(default)), "qc": QC_LABELS[qc],
    } for (pk, name, kind, size, md5, version, collection, revision, default, qc, path,
           root) in reads.session_datasets(session_id)]


class SessionListSerializer(MirrorSerializer):
    """The light record of /sessions, the shape ONE's search reads."""

    subject = serializers.CharField(source="subject.nickname", read_only=True,
                                    help_text="The subject's nickname.")
    lab = serializers.CharField(source="lab.name", read_only=True, allow_null=True,
                                help_text="The lab's name.")
    projects = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name",
                                            help_text="Names of the session's projects.")
    url = SelfLinkField("sessions", help_text="This record's URL (ends in its UUID).")

    class Meta:
        model = Session
        fields = ("id", "subject", "start_time", "number", "lab", "projects", "url",
                  "task_protocol", *PROVENANCE_FIELDS)

    ROW_COLUMNS = ("id", "subject__nickname", "start_time", "number", "lab__name",
                   "task_protocol", "source", "source_id", "imported_at", "upstream_deleted_at")

    @classmethod
    def eager_load(cls, queryset):
        return queryset.select_related("subject", "lab").prefetch_related("projects")

    @classmethod
    def row_expressions(cls) -> dict:
        """Row columns beyond `ROW_COLUMNS`: the projects' names, in the page's statement."""
        return {"project_names": JSONRows(Session.projects.through.objects.filter(
            session_id=OuterRef("pk")).order_by("project__name").values("project__name"))}

    @classmethod
    def render_rows(cls, rows, request) -> list[dict]:
        """The fields above from rows of `ROW_COLUMNS` and `row_expressions()`."""
        link = links(request, "sessions")
        return [{"id": str(row["id"]), "subject": row["subject__nickname"],
                 "start_time": iso(row["start_time"]), "number": row["number"],
                 "lab": row["lab__name"], "projects": json_rows.rows(row["project_names"]),
                 "url": link(row["id"]), "task_protocol": row["task_protocol"],
                 "source": row["source"], "source_id": row["source_id"],
                 "imported_at": iso(row["imported_at"]),
                 "upstream_deleted_at": iso(row["upstream_deleted_at"])} for row in rows]


@extend_schema_field({"type": "array", "items": {"type": "object"}, "maxItems": 0})
class NotMirroredField(serializers.ReadOnlyField):
    """An Alyx field for data this mirror does not hold (water, probes…): always empty."""

    def __init__(self, empty, **kwargs):
        self.empty = empty
        kwargs.setdefault("help_text", "Not mirrored: always empty (kept for Alyx clients).")
        super().__init__(source="*", **kwargs)

    def to_representation(self, value):
        return self.empty


class SessionSerializer(MirrorSerializer):
    """The full record of /sessions/<id>, with its downloadable datasets."""

    subject = NaturalKeyRelatedField(slug_field="nickname", queryset=Subject.objects.all(),
                                     help_text="The subject's nickname (or UUID).")
    users = NaturalKeyRelatedField(many=True, required=False, slug_field="username",
                                   queryset=User.objects.all(),
                                   help_text="Usernames of who ran the session.")
    lab = NaturalKeyRelatedField(slug_field="name", queryset=Lab.objects.all(), required=False,
                                 allow_null=True, help_text="Lab name; defaults to the "
                                 "subject's lab.")
    projects = NaturalKeyRelatedField(many=True, required=False, slug_field="name",
                                      queryset=Project.objects.all(),
                                      help_text="Names of the session's projects.")
    parent_session = LinkedRecordField("sessions", queryset=Session.objects.all(),
                                       required=False, allow_null=True,
                                       help_text="URL (or UUID) of the session this one is "
                                       "part of, if any.")
    start_time = LocalDateTimeField(help_text="Local start time, ISO 8601 without offset "
                                    "(an offset given is dropped, keeping the wall-clock time).")
    end_time = LocalDateTimeField(required=False, allow_null=True,
                                  help_text="Local end time, ISO 8601 without offset.")
    url = SelfLinkField("sessions", help_text="This record's URL (ends in its UUID).")
    qc = QCField(required=False, help_text="Session QC: NOT_SET, PASS, WARNING, FAIL, CRITICAL.")
    location = serializers.SerializerMethodField(help_text="Not mirrored: always null.")
    procedures = NotMirroredField([])
    wateradmin_session_related = NotMirroredField([])
    probe_insertion = NotMirroredField([])
    field_of_view = NotMirroredField([])
    notes = NotMirroredField([])
    data_dataset_session_related = SessionDatasetSerializer(
        many=True, read_only=True, help_text="The session's downloadable datasets.")

    class Meta:
        model = Session
        fields = ("subject", "users", "location", "procedures", "lab", "projects", "type",
                  "task_protocol", "number", "start_time", "end_time", "narrative",
                  "parent_session", "n_correct_trials", "n_trials", "url", "extended_qc", "qc",
                  "wateradmin_session_related", "data_dataset_session_related",
                  "auto_datetime", "id", "json", "probe_insertion", "field_of_view", "notes",
                  "name", *PROVENANCE_FIELDS)
        read_only_fields = ("auto_datetime",)

    @classmethod
    def eager_load(cls, queryset):
        from django.db.models import Prefetch

        datasets = downloadable_datasets().select_related("dataset_type", "revision") \
            .prefetch_related(file_records_prefetch()).order_by("collection", "name", "id")
        return queryset.select_related("subject", "lab").prefetch_related(
            "users", "projects", Prefetch("data_dataset_session_related", queryset=datasets))

    @classmethod
    def render_record(cls, pk, request) -> dict | None:
        """The fields above for the session `pk`, or None (mirror.core.rows): four prepared
        queries (mirror.actions.reads)."""
        found = reads.session_row(pk)
        if not found:
            return None
        row = dict(zip(reads.DETAIL_COLUMNS, found[0], strict=True))
        pk, link = row["id"], links(request, "sessions")
        return {
            "subject": row["subject__nickname"],
            "users": [name for name, in reads.session_users(pk)],
            "location": None, "procedures": [], "lab": row["lab__name"],
            "projects": [name for name, in reads.session_projects(pk)],
            "type": row["type"], "task_protocol": row["task_protocol"], "number": row["number"],
            "start_time": iso(row["start_time"]), "end_time": iso(row["end_time"]),
            "narrative": row["narrative"], "parent_session": link(row["parent_session_id"]),
            "n_correct_trials": row["n_correct_trials"], "n_trials": row["n_trials"],
            "url": link(pk), "extended_qc": row["extended_qc"], "qc": QC_LABELS[row["qc"]],
            "wateradmin_session_related": [],
            "data_dataset_session_related": _dataset_records(pk, request),
            "auto_datetime": iso(row["auto_datetime"]), "id": str(pk), "json": row["json"],
            "probe_insertion": [], "field_of_view": [], "notes": [], "name": row["name"],
            "source": row["source"], "source_id": row["source_id"],
            "imported_at": iso(row["imported_at"]),
            "upstream_deleted_at": iso(row["upstream_deleted_at"])}

    def get_location(self, session) -> str | None:
        return None

    def validate(self, attrs):
        subject = attrs.get("subject") or getattr(self.instance, "subject", None)
        if attrs.get("lab") is None and subject is not None and "lab" in attrs:
            attrs["lab"] = subject.lab
        self._check_folder_free(attrs, subject)
        return attrs

    def _check_folder_free(self, attrs, subject) -> None:
        """Refuse a number that another session of the subject's day already has: both would
        be `<lab>/Subjects/<subject>/<date>/<NNN>`, here and in ONE's cache."""
        current = self.instance
        number = attrs.get("number", getattr(current, "number", None))
        start_time = attrs.get("start_time", getattr(current, "start_time", None))
        lab = attrs.get("lab") or getattr(current, "lab", None) or getattr(subject, "lab", None)
        if None in (number, start_time, lab, subject):
            return
        folder = {"lab_name": lab.name, "nickname": subject.nickname, "day": start_time.date(),
                  "exclude": getattr(current, "pk", None)}
        other = session_number_taken(number=number, **folder)
        if other is not None:
            free = sorted(set(range(1, MAX_NUMBER + 1)) - set(
                sessions_in_folder(**folder).values_list("number", flat=True)))[:1]
            raise serializers.ValidationError({"number": [
                f"Session {other.pk} is already {subject.nickname}/{start_time.date()}/"
                f"{number:03d} in lab {lab.name}"
                + (f"; the next free number is {free[0]}." if free else ".")]})
