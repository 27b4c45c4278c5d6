"""Datasets and file records, and the repositories, formats, types, revisions and tags they use."""
from pathlib import Path

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from mirror.core.models import JSON_HELP, MirrorModel
from mirror.core.qc import QC
from mirror.data.paths import (
    repository_file,
    repository_root,
    validate_collection,
    validate_component,
    validate_relative_path,
)

NAME_HELP = "Unique name, used in URLs."


class DataRepository(MirrorModel):
    """Where files live. A `local` repository is a directory on this server, served under /data."""

    LOCAL, REMOTE = "local", "remote"
    TYPES = [(LOCAL, "local: a directory on this server"), (REMOTE, "remote: files at data_url")]

    name = models.CharField(max_length=255, unique=True, validators=[validate_component],
                            help_text=NAME_HELP + " A local repository's folder under "
                            "MIRROR_DATA_ROOT: letters, digits, '.', '_', '-', not '.' or '..'.")
    repository_type = models.CharField(max_length=16, choices=TYPES, default=LOCAL,
                                       help_text="`local`: files under MIRROR_DATA_ROOT/<name>, "
                                       "served by this server; `remote`: files at `data_url`.")
    hostname = models.CharField(max_length=255, blank=True, default="",
                                help_text="Host name of the server holding the files.")
    data_url = models.URLField(max_length=1000, null=True, blank=True,
                               help_text="HTTP root of the files, ending in '/'. Empty for a "
                               "local repository: this server's /data/ is used.")
    timezone = models.CharField(max_length=64, blank=True, default="",
                                help_text="IANA time zone of the server.")
    globus_path = models.CharField(max_length=1000, blank=True, default="",
                                   help_text="Path prefix shown as `data_repository_path`.")
    globus_endpoint_id = models.UUIDField(null=True, blank=True,
                                          help_text="Globus endpoint UUID, if any.")
    globus_is_personal = models.BooleanField(default=False, help_text="A personal (not server) "
                                             "repository; ONE only loads from server ones.")
    json = models.JSONField(null=True, blank=True, help_text=JSON_HELP)

    PUBLIC_FIELDS = ("id", "name", "repository_type", "hostname", "data_url", "timezone",
                     "globus_path", "globus_endpoint_id", "globus_is_personal", "json", "source",
                     "source_id", "imported_at", "file_records", "labs")

    class Meta(MirrorModel.Meta):
        ordering = ("name",)
        verbose_name_plural = "data repositories"

    def __str__(self):
        return self.name

    @property
    def is_local(self) -> bool:
        return self.repository_type == self.LOCAL

    @property
    def directory(self) -> Path:
        """The directory of a local repository's files, checked to lie inside MIRROR_DATA_ROOT
        (mirror.data.paths.UnsafePath if the name would lead elsewhere)."""
        return repository_root(self.name)

    def file(self, relative_path: str) -> Path:
        """One of its files, checked to resolve inside the repository (UnsafePath if not)."""
        return repository_file(self.name, relative_path)


class DataFormat(MirrorModel):
    """A file format (`npy`, `csv`, …) and how to load it."""

    name = models.CharField(max_length=255, unique=True, help_text=NAME_HELP)
    description = models.TextField(blank=True, default="", help_text="What the format is.")
    file_extension = models.CharField(max_length=255, blank=True, default="", validators=[
        RegexValidator(r"^\.[^.]+$", "An extension with its dot, e.g. .npy")],
        help_text="File extension with its dot, e.g. .npy")
    matlab_loader_function = models.CharField(max_length=255, blank=True, default="",
                                              help_text="MATLAB function that loads the format.")
    python_loader_function = models.CharField(max_length=255, blank=True, default="",
                                              help_text="Python function that loads the format.")
    json = models.JSONField(null=True, blank=True, help_text=JSON_HELP)

    PUBLIC_FIELDS = ("id", "name", "description", "file_extension", "matlab_loader_function",
                     "python_loader_function", "json", "source", "source_id", "imported_at")

    class Meta(MirrorModel.Meta):
        ordering = ("name",)

    def __str__(self):
        return self.name


class DatasetType(MirrorModel):
    """What a dataset holds, in ALF terms (`trials.intervals`)."""

    name = models.CharField(max_length=255, unique=True, help_text=NAME_HELP)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   help_text="Who defined the type.")
    description = models.TextField(blank=True, default="", help_text="What the datasets hold.")
    filename_pattern = models.CharField(max_length=255, null=True, blank=True, unique=True,
                                        help_text="Files matching this pattern get this type, "
                                        "e.g. *trials.intervals.*")
    json = models.JSONField(null=True, blank=True, help_text=JSON_HELP)

    PUBLIC_FIELDS = ("id", "name", "created_by", "description", "filename_pattern", "json",
                     "source", "source_id", "imported_at")

    class Meta(MirrorModel.Meta):
        ordering = ("name",)

    def __str__(self):
        return self.name


class Revision(MirrorModel):
    """An ALF revision: datasets re-made later live in a `#revision#` folder."""

    name = models.CharField(max_length=255, unique=True, validators=[RegexValidator(
        r"^[\w.-]+$", "Letters, digits, '.', '_' and '-' only (ALF revision).")],
        help_text=NAME_HELP)
    description = models.TextField(blank=True, default="", help_text="Why the revision was made.")
    created_datetime = models.DateTimeField(auto_now_add=True, null=True,
                                            help_text="When the revision was recorded.")
    json = models.JSONField(null=True, blank=True, help_text=JSON_HELP)

    PUBLIC_FIELDS = ("id", "name", "description", "created_datetime", "json", "source",
                     "source_id", "imported_at")

    class Meta(MirrorModel.Meta):
        ordering = ("name",)

    def __str__(self):
        return self.name


class Tag(MirrorModel):
    """A label on datasets; a protected tag stops them from being deleted."""

    name = models.CharField(max_length=255, unique=True, help_text=NAME_HELP)
    description = models.TextField(blank=True, default="", help_text="What the tag marks.")
    protected = models.BooleanField(default=False,
                                    help_text="Datasets with this tag cannot be deleted.")
    public = models.BooleanField(default=False, help_text="Datasets with this tag are public.")
    hash = models.CharField(max_length=64, blank=True, default="",
                            help_text="Checksum of the tagged datasets (Alyx).")
    json = models.JSONField(null=True, blank=True, help_text=JSON_HELP)

    PUBLIC_FIELDS = ("id", "name", "description", "protected", "public", "hash", "json",
                     "source", "source_id", "imported_at", "datasets")

    class Meta(MirrorModel.Meta):
        ordering = ("name",)

    def __str__(self):
        return self.name


class Dataset(MirrorModel):
    """One ALF file of a session (or of no session), with its checksum and QC."""

    name = models.CharField(max_length=255, validators=[validate_component],
                            help_text="The ALF file name, e.g. _ibl_trials.table.csv")
    session = models.ForeignKey("actions.Session", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="data_dataset_session_related",
                                help_text="The session the dataset belongs to, if any.")
    collection = models.CharField(max_length=255, blank=True, default="", validators=[
        validate_collection],
        help_text="ALF collection (folder in the session), e.g. alf/probe00.")
    revision = models.ForeignKey(Revision, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="datasets", help_text="ALF revision, if any.")
    dataset_type = models.ForeignKey(DatasetType, on_delete=models.PROTECT,
                                     related_name="datasets", help_text="What the dataset holds.")
    data_format = models.ForeignKey(DataFormat, on_delete=models.PROTECT, related_name="datasets",
                                    help_text="The file's format.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   help_text="Who made or registered the dataset.")
    created_datetime = models.DateTimeField(null=True, blank=True,
                                            help_text="When the dataset was made (local time).")
    generating_software = models.CharField(max_length=255, blank=True, default="",
                                           help_text="Software that made the dataset.")
    provenance_directory = models.CharField(max_length=1000, blank=True, default="",
                                            help_text="Where the dataset was made from.")
    file_size = models.BigIntegerField(null=True, blank=True, help_text="Size in bytes.")
    hash = models.CharField(max_length=64, null=True, blank=True, help_text="MD5 hex digest.")
    version = models.CharField(max_length=64, blank=True, default="",
                               help_text="Version of the software that made the dataset.")
    default_dataset = models.BooleanField(default=True, help_text="The current revision of this "
                                          "session/collection/name.")
    qc = models.IntegerField(choices=QC.choices, default=QC.NOT_SET, db_index=True,
                             help_text="QC outcome of the dataset.")
    tags = models.ManyToManyField(Tag, blank=True, related_name="datasets",
                                  help_text="Tags on the dataset.")
    json = models.JSONField(null=True, blank=True, help_text=JSON_HELP)
    auto_datetime = models.DateTimeField(auto_now=True, null=True,
                                         help_text="When the record was last saved.")

    PUBLIC_FIELDS = ("id", "name", "session", "collection", "revision", "dataset_type",
                     "data_format", "created_by", "created_datetime", "generating_software",
                     "provenance_directory", "file_size", "hash", "version", "default_dataset",
                     "qc", "tags", "json", "auto_datetime", "source", "source_id", "imported_at",
                     "file_records")
    ANNOTATION_FIELDS = ("qc", "json", "tags")

    class Meta(MirrorModel.Meta):
        ordering = ("-created_datetime", "id")
        indexes = [models.Index(fields=["session", "name"], name="dataset_session_name"),
                   # /datasets pages in this order: without it each page sorts every row
                   models.Index(fields=["-created_datetime", "id"], name="dataset_newest_first"),
                   # /sessions?datasets=<name> and ONE's path2url look datasets up by name;
                   # PostgreSQL answers the QC bound and the file check from the index alone
                   # (SQLite ignores `include`)
                   models.Index(fields=["name", "session"], include=["qc", "id"],
                                name="dataset_name_session")]

    def __str__(self):
        return f"{self.collection}/{self.name}" if self.collection else self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if self.default_dataset:  # a new default revision retires the older ones (Alyx's rule)
            Dataset.objects.filter(
                session_id=self.session_id, collection=self.collection, name=self.name,
                default_dataset=True,
            ).exclude(pk=self.pk).update(default_dataset=False)

    @property
    def is_protected(self) -> bool:
        return any(tag.protected for tag in self.tags.all())

    @classmethod
    def protected_rows(cls, queryset):
        """The datasets of `queryset` that carry a protected tag (mirror.core.deletion)."""
        return queryset.filter(tags__protected=True)

    @property
    def is_public(self) -> bool:
        return any(tag.public for tag in self.tags.all())


class FileRecord(MirrorModel):
    """Where one copy of a dataset's file is: a repository and a path inside it."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="file_records",
                                help_text="The dataset this file is a copy of.")
    data_repository = models.ForeignKey(DataRepository, on_delete=models.PROTECT,
                                        related_name="file_records",
                                        help_text="The repository holding the copy.")
    relative_path = models.CharField(max_length=1000, validators=[RegexValidator(
        r"^[a-zA-Z0-9_][^\\:]+$", "A relative path without backslashes or colons."),
        validate_relative_path],
        help_text="Path inside the repository, e.g. lab/Subjects/subj/2020-01-01/001/alf/x.npy")
    exists = models.BooleanField(default=False, help_text="The file is really there.")
    name = models.CharField(max_length=255, blank=True, default="",
                            help_text="Optional name of the copy.")
    json = models.JSONField(null=True, blank=True, help_text=JSON_HELP)

    PUBLIC_FIELDS = ("id", "dataset", "data_repository", "relative_path", "exists", "name",
                     "json", "source", "source_id", "imported_at")
    ANNOTATION_FIELDS = ("json",)

    class Meta(MirrorModel.Meta):
        ordering = ("relative_path", "id")
        constraints = [
            *MirrorModel.Meta.constraints,
            models.UniqueConstraint(fields=["data_repository", "relative_path"],
                                    name="data_filerecord_unique_path"),
        ]
        # "Has a downloadable copy" (session detail, ?datasets=, ?dataset_types=) probes a
        # dataset's existing copies: an index-only lookup instead of a hash of every record.
        indexes = [models.Index(fields=["dataset", "data_repository"],
                                condition=models.Q(exists=True),
                                name="filerecord_existing_copies")]

    def __str__(self):
        return f"{self.data_repository_id}:{self.relative_path}"

    @property
    def is_protected(self) -> bool:
        """A copy of a protected dataset is protected with it (deleting it loses the file)."""
        return self.dataset.is_protected

    @classmethod
    def protected_rows(cls, queryset):
        """The copies of `queryset` whose dataset carries a protected tag (mirror.core.deletion)."""
        return queryset.filter(dataset__tags__protected=True)
