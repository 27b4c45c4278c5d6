"""Projects and subjects as Alyx shows them."""
from rest_framework import serializers

from mirror.core.fields import NaturalKeyRelatedField, SelfLinkField
from mirror.core.serializers import PROVENANCE_FIELDS, MirrorSerializer
from mirror.people.models import Lab, User
from mirror.subjects.models import Project, Subject


class ProjectSerializer(MirrorSerializer):
    users = NaturalKeyRelatedField(many=True, required=False, slug_field="username",
                                   queryset=User.objects.all(),
                                   help_text="Usernames of the project's members.")

    class Meta:
        model = Project
        fields = ("id", "name", "description", "users", "json", *PROVENANCE_FIELDS)

    @classmethod
    def eager_load(cls, queryset):
        return queryset.prefetch_related("users")


class SubjectSerializer(MirrorSerializer):
    url = SelfLinkField("subjects", help_text="This record's URL (ends in its UUID).")
    lab = NaturalKeyRelatedField(slug_field="name", queryset=Lab.objects.all(),
                                 help_text="The lab's name (or UUID).")
    responsible_user = NaturalKeyRelatedField(slug_field="username", queryset=User.objects.all(),
                                              required=False, allow_null=True,
                                              help_text="Username of the responsible person.")
    projects = NaturalKeyRelatedField(many=True, required=False, slug_field="name",
                                      queryset=Project.objects.all(),
                                      help_text="Names of the subject's projects.")
    age_weeks = serializers.SerializerMethodField(
        help_text="Age in whole weeks (up to the death date if dead).")
    alive = serializers.BooleanField(read_only=True, help_text="No death date recorded.")

    class Meta:
        model = Subject
        fields = ("nickname", "url", "id", "responsible_user", "birth_date", "age_weeks",
                  "death_date", "species", "sex", "litter", "strain", "line", "projects", "lab",
                  "description", "alive", "json", *PROVENANCE_FIELDS)

    @classmethod
    def eager_load(cls, queryset):
        return queryset.select_related("lab", "responsible_user").prefetch_related("projects")

    def get_age_weeks(self, subject) -> int | None:
        return subject.age_weeks()
