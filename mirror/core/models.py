"""The abstract base of every mirrored model: a UUID key and provenance."""
import uuid

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from mirror.core.provenance import LOCAL, SOURCE_CHOICES, deterministic_uuid

JSON_HELP = "Free-form structured data (JSON)."


# PostgreSQL's integer bound, stated so that validation and the OpenAPI schema are the same on
# every database (SQLite's own bound is 64-bit).
FITS_INT32 = [MaxValueValidator(2**31 - 1)]


class MirrorModel(models.Model):
    """UUID primary key plus provenance (`source`, `source_id`, `imported_at`).

    Records made through the API or admin are `local`. Importers set `source` and `source_id`;
    on first save such a record gets `deterministic_uuid(source, kind, source_id)` as its key, so a
    re-import of the same upstream record lands on the same UUID.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False,
                          help_text="The record's UUID.")
    source = models.CharField(max_length=32, choices=SOURCE_CHOICES, default=LOCAL, db_index=True,
                              help_text="Where the record comes from: `local` (made here) or the "
                              "platform it was imported from.")
    source_id = models.CharField(max_length=255, blank=True, default="",
                                 help_text="The record's identifier on its source platform.")
    imported_at = models.DateTimeField(null=True, blank=True,
                                       help_text="When an importer last wrote the record.")
    upstream_deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="When an import found the record gone from its source "
        "(kept here, marked; null while it exists upstream).")

    #: Fields an importer owns on a non-local record; the API keeps them read-only there.
    #: Subclasses list what stays editable instead (annotations).
    ANNOTATION_FIELDS: tuple[str, ...] = ("json",)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source=LOCAL),
                name="%(app_label)s_%(class)s_unique_upstream_record",
            )
        ]

    @property
    def is_imported(self) -> bool:
        return self.source != LOCAL

    def save(self, *args, **kwargs):
        if self._state.adding and self.source != LOCAL and self.source_id:
            self.id = deterministic_uuid(self.source, self._meta.model_name, self.source_id)
        super().save(*args, **kwargs)


class RowCount(models.Model):
    """The number of rows in a big table, kept exact by triggers (mirror.core.rowcount)."""

    table_name = models.CharField(max_length=63, primary_key=True)
    row_count = models.BigIntegerField()

    class Meta:
        db_table = "core_rowcount"

    def __str__(self):
        return f"{self.table_name}: {self.row_count}"


class DataVersion(models.Model):
    """SQLite's version of the data: one row, bumped by a trigger on every write to any table
    (mirror.core.data_version). PostgreSQL reads its snapshot instead and leaves this row alone."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField()

    class Meta:
        db_table = "core_dataversion"

    def __str__(self):
        return f"data version {self.version}"
