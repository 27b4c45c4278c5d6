"""The small lookup tables: repositories, formats, dataset types, revisions, tags."""
from rest_framework.exceptions import PermissionDenied

from mirror.core.fields import NaturalKeyRelatedField
from mirror.core.serializers import PROVENANCE_FIELDS, MirrorSerializer
from mirror.data import protection
from mirror.data.models import DataFormat, DataRepository, DatasetType, Revision, Tag
from mirror.people.models import User


class DataRepositorySerializer(MirrorSerializer):
    class Meta:
        model = DataRepository
        fields = ("id", "name", "timezone", "globus_path", "hostname", "data_url",
                  "repository_type", "globus_endpoint_id", "globus_is_personal", "json",
                  *PROVENANCE_FIELDS)


class DataFormatSerializer(MirrorSerializer):
    class Meta:
        model = DataFormat
        fields = ("id", "name", "json", "description", "file_extension",
                  "matlab_loader_function", "python_loader_function", *PROVENANCE_FIELDS)


class DatasetTypeSerializer(MirrorSerializer):
    created_by = NaturalKeyRelatedField(slug_field="username", queryset=User.objects.all(),
                                        required=False, allow_null=True,
                                        help_text="Username of the type's author.")

    class Meta:
        model = DatasetType
        fields = ("id", "name", "created_by", "description", "filename_pattern",
                  *PROVENANCE_FIELDS)

    @classmethod
    def eager_load(cls, queryset):
        return queryset.select_related("created_by")

    def validate_filename_pattern(self, pattern):
        """A pattern types everyone's files (`*` would match every file, and ONE's registration
        would then find two types for each): only staff set one; anyone adds a type without."""
        user = self.requesting_user
        if pattern and not (user is not None and user.is_staff):
            raise PermissionDenied("Only staff can give a dataset type a filename pattern: it "
                                   "types everyone's files. Leave filename_pattern empty, or "
                                   "ask an administrator.")
        return pattern or None


class RevisionSerializer(MirrorSerializer):
    class Meta:
        model = Revision
        fields = ("id", "name", "json", "description", "created_datetime", *PROVENANCE_FIELDS)


class TagSerializer(MirrorSerializer):
    class Meta:
        model = Tag
        fields = ("id", "name", "json", "description", "protected", "public", "hash",
                  *PROVENANCE_FIELDS)
        extra_kwargs = {"protected": {"help_text": "Datasets with this tag cannot be deleted "
                                      "(by anyone, by any path). Only staff create, change or "
                                      "delete a protected tag, or make a tag protected."}}

    def validate(self, attrs):
        protection.check_tag_write(self.requesting_user, self.instance, attrs)
        return attrs
