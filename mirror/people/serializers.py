"""Labs and users as Alyx shows them."""
from rest_framework import serializers

from mirror.core.fields import NaturalKeyRelatedField
from mirror.core.serializers import PROVENANCE_FIELDS, MirrorSerializer
from mirror.data.models import DataRepository
from mirror.people.models import Lab, User


class LabSerializer(MirrorSerializer):
    repositories = NaturalKeyRelatedField(
        many=True, required=False, slug_field="name", queryset=DataRepository.objects.all(),
        help_text="Names of the data repositories holding the lab's files.")

    class Meta:
        model = Lab
        fields = ("id", "name", "institution", "address", "timezone", "repositories",
                  "reference_weight_pct", "zscore_weight_pct", "json", *PROVENANCE_FIELDS)

    @classmethod
    def eager_load(cls, queryset):
        return queryset.prefetch_related("repositories")


def may_see_email(viewer, user) -> bool:
    """E-mail addresses are for staff and for the user themself."""
    return bool(viewer and viewer.is_authenticated and (viewer.is_staff or viewer.pk == user.pk))


class UserSerializer(MirrorSerializer):
    email = serializers.EmailField(
        required=False, allow_blank=True, allow_null=True, max_length=254,
        help_text="E-mail address: shown to staff and to the user themself, null to others.")
    subjects_responsible = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="nickname",
        help_text="Nicknames of the subjects this user is responsible for.")
    lab = NaturalKeyRelatedField(source="labs", many=True, required=False, slug_field="name",
                                 queryset=Lab.objects.all(), help_text="Names of the user's labs.")
    allowed_users = NaturalKeyRelatedField(many=True, required=False, slug_field="username",
                                           queryset=User.objects.all(),
                                           help_text="Usernames allowed to act for this user.")

    class Meta:
        model = User
        fields = ("id", "username", "email", "first_name", "last_name", "subjects_responsible",
                  "lab", "allowed_users", "is_stock_manager", *PROVENANCE_FIELDS)
        extra_kwargs = {"first_name": {"help_text": "Given name."},
                        "last_name": {"help_text": "Family name."}}

    @classmethod
    def eager_load(cls, queryset):
        return queryset.prefetch_related("subjects_responsible", "labs", "allowed_users")

    def to_representation(self, user):
        data = super().to_representation(user)
        if not may_see_email(self.requesting_user, user):
            data["email"] = None
        return data

    def validate_email(self, value):
        return value or ""

    def create(self, validated_data):
        user = super().create(validated_data)
        user.set_unusable_password()  # passwords are set by an administrator, never over the API
        user.save(update_fields=["password"])
        return user
