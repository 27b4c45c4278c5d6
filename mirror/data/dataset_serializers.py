"""Datasets and file records as Alyx's /datasets and /files show them."""
from django.db.models import OuterRef
from rest_framework import serializers

from mirror.actions.models import Session
from mirror.core import json_rows, rows
from mirror.core.fields import LinkedRecordField, NaturalKeyRelatedField, QCField, SelfLinkField
from mirror.core.json_rows import JSONRows
from mirror.core.serializers import PROVENANCE_FIELDS, MirrorSerializer
from mirror.core.text_values import uuid_text
from mirror.data import protection
from mirror.data.links import add_uuid_string, base_url, file_record_data_url
from mirror.data.models import (
    DataFormat,
    DataRepository,
    Dataset,
    DatasetType,
    FileRecord,
    Revision,
    Tag,
)
from mirror.data.selectors import COPIES_ORDER, file_records_prefetch
from mirror.people.models import User


class NestedFileRecordSerializer(serializers.ModelSerializer):
    """A file record inside a dataset (Alyx's shape; ONE reads data_url and exists)."""

    data_repository = serializers.CharField(source="data_repository.name", read_only=True,
                                            help_text="The repository's name.")
    data_repository_path = serializers.CharField(source="data_repository.globus_path",
                                                 read_only=True,
                                                 help_text="The repository's path prefix.")
    data_url = serializers.SerializerMethodField(help_text="Download URL (contains the UUID).")

    class Meta:
        model = FileRecord
        fields = ("id", "data_repository", "data_repository_path", "relative_path", "data_url",
                  "exists")

    def get_data_url(self, record) -> str:
        return file_record_data_url(self.context["request"], record)


class DatasetSerializer(MirrorSerializer):
    url = SelfLinkField("datasets", help_text="This record's URL (ends in its UUID).")
    session = LinkedRecordField("sessions", queryset=Session.objects.all(), required=False,
                                allow_null=True, help_text="The session's URL (or UUID); "
                                "null for a dataset that belongs to no session.")
    created_by = NaturalKeyRelatedField(slug_field="username", queryset=User.objects.all(),
                                        required=False, allow_null=True,
                                        help_text="Username of who made the dataset.")
    dataset_type = NaturalKeyRelatedField(slug_field="name", queryset=DatasetType.objects.all(),
                                          help_text="Dataset type name, e.g. trials.table.")
    data_format = NaturalKeyRelatedField(slug_field="name", queryset=DataFormat.objects.all(),
                                         help_text="Data format name, e.g. csv.")
    revision = NaturalKeyRelatedField(slug_field="name", queryset=Revision.objects.all(),
                                      required=False, allow_null=True,
                                      help_text="Revision name, or null.")
    tags = NaturalKeyRelatedField(many=True, required=False, slug_field="name",
                                  queryset=Tag.objects.all(), help_text="Names of the tags.")
    experiment_number = serializers.IntegerField(source="session.number", read_only=True,
                                                 allow_null=True,
                                                 help_text="The session's number.")
    file_records = NestedFileRecordSerializer(many=True, read_only=True,
                                              help_text="Where copies of the file are.")
    protected = serializers.BooleanField(source="is_protected", read_only=True,
                                         help_text="Carries a protected tag (cannot be deleted).")
    public = serializers.BooleanField(source="is_public", read_only=True,
                                      help_text="Carries a public tag.")
    qc = QCField(required=False, help_text="QC outcome: NOT_SET, PASS, WARNING, FAIL, CRITICAL.")

    class Meta:
        model = Dataset
        fields = ("url", "id", "name", "created_by", "created_datetime", "dataset_type",
                  "data_format", "collection", "session", "file_size", "hash", "version",
                  "experiment_number", "file_records", "auto_datetime", "revision",
                  "default_dataset", "protected", "public", "tags", "qc", "json",
                  *PROVENANCE_FIELDS)
        read_only_fields = ("auto_datetime",)

    ROW_COLUMNS = ("id", "name", "created_by__username", "created_datetime",
                   "dataset_type__name", "data_format__name", "collection", "session_id",
                   "file_size", "hash", "version", "session__number", "auto_datetime",
                   "revision__name", "default_dataset", "qc", "json", "source", "source_id",
                   "imported_at", "upstream_deleted_at")

    @classmethod
    def eager_load(cls, queryset):
        return queryset.select_related(
            "session", "created_by", "dataset_type", "data_format", "revision"
        ).prefetch_related("tags", file_records_prefetch())

    def validate(self, attrs):
        """Protected tags move by staff alone; a protected dataset changes only its annotations
        and is not retired as default."""
        protection.check_dataset_tags(self.requesting_user, self.instance, attrs.get("tags"))
        if self.instance is not None:
            protection.check_dataset_change(self.requesting_user, self.instance, attrs)
        key = ("session", "collection", "name", "default_dataset")
        if self.instance is None or any(name in attrs for name in key):
            current = {name: attrs[name] if name in attrs else
                       getattr(self.instance, name, Dataset._meta.get_field(name).get_default())
                       for name in key}
            if current.pop("default_dataset"):
                protection.check_not_superseding(getattr(self.instance, "pk", None), **current)
        return attrs

    @classmethod
    def row_expressions(cls) -> dict:
        """Row columns beyond `ROW_COLUMNS`: tags and file records, in the page's statement."""
        return {
            "tag_rows": JSONRows(Tag.datasets.through.objects.filter(
                dataset_id=OuterRef("pk")).order_by("tag__name").values(
                "tag__name", "tag__protected", "tag__public")),
            "file_rows": JSONRows(FileRecord.objects.filter(dataset_id=OuterRef("pk")).order_by(
                *COPIES_ORDER).values(
                "id", "data_repository__name", "data_repository__globus_path", "relative_path",
                "data_repository__data_url", "exists")),
        }

    @classmethod
    def render_rows(cls, page, request) -> list[dict]:
        """The fields above from rows of `ROW_COLUMNS` and `row_expressions()`."""
        dataset_link = rows.links(request, "datasets")
        session_link = rows.links(request, "sessions")
        records = []
        for row in page:
            tags = json_rows.rows(row["tag_rows"])
            records.append({
                "url": dataset_link(row["id"]), "id": str(row["id"]), "name": row["name"],
                "created_by": row["created_by__username"],
                "created_datetime": rows.iso(row["created_datetime"]),
                "dataset_type": row["dataset_type__name"],
                "data_format": row["data_format__name"], "collection": row["collection"],
                "session": session_link(row["session_id"]), "file_size": row["file_size"],
                "hash": row["hash"], "version": row["version"],
                "experiment_number": row["session__number"],
                "file_records": [{
                    "id": uuid_text(pk), "data_repository": repository,
                    "data_repository_path": path, "relative_path": relative,
                    "data_url": base_url(request, url) + add_uuid_string(relative, row["id"]),
                    "exists": bool(exists),
                } for pk, repository, path, relative, url, exists
                    in json_rows.rows(row["file_rows"])],
                "auto_datetime": rows.iso(row["auto_datetime"]),
                "revision": row["revision__name"], "default_dataset": row["default_dataset"],
                "protected": any(tag[1] for tag in tags), "public": any(tag[2] for tag in tags),
                "tags": [tag[0] for tag in tags], "qc": rows.QC_LABELS[row["qc"]],
                "json": row["json"], "source": row["source"], "source_id": row["source_id"],
                "imported_at": rows.iso(row["imported_at"]),
                "upstream_deleted_at": rows.iso(row["upstream_deleted_at"]),
            })
        return records


class FileRecordSerializer(MirrorSerializer):
    url = SelfLinkField("files", help_text="This record's URL (ends in its UUID).")
    dataset = LinkedRecordField("datasets", queryset=Dataset.objects.all(),
                                help_text="The dataset's URL (or UUID).")
    data_repository = NaturalKeyRelatedField(slug_field="name",
                                             queryset=DataRepository.objects.all(),
                                             help_text="The repository's name.")
    data_url = serializers.SerializerMethodField(help_text="Download URL (contains the UUID).")

    class Meta:
        model = FileRecord
        fields = ("url", "id", "dataset", "data_repository", "name", "json", "relative_path",
                  "exists", "data_url", *PROVENANCE_FIELDS)

    @classmethod
    def eager_load(cls, queryset):
        return queryset.select_related("data_repository")

    def validate(self, attrs):
        if self.instance is not None:
            protection.check_copy_change(self.instance, attrs)
        return attrs

    def get_data_url(self, record) -> str:
        return file_record_data_url(self.context["request"], record)
