"""Labs and users, as Alyx's misc.Lab and misc.LabMember."""
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models

from mirror.core.models import JSON_HELP, MirrorModel


class Lab(MirrorModel):
    """A lab: owns subjects and sessions, and lists the data repositories it uses."""

    name = models.CharField(max_length=255, validators=[RegexValidator(r"^\w+$", "Letters, digits "
                            "and underscores only (Alyx's rule).")], help_text="The lab's name.")
    institution = models.CharField(max_length=255, blank=True, default="",
                                   help_text="The institution the lab belongs to.")
    address = models.CharField(max_length=255, blank=True, default="",
                               help_text="The lab's postal address.")
    timezone = models.CharField(max_length=64, blank=True, default="",
                                help_text="IANA time zone of the lab, e.g. Europe/London.")
    repositories = models.ManyToManyField("data.DataRepository", blank=True, related_name="labs",
                                          help_text="Data repositories that hold the lab's files.")
    reference_weight_pct = models.FloatField(default=0.0, help_text="Alyx's water restriction: "
                                             "weight (%) of the reference weight in the minimum.")
    zscore_weight_pct = models.FloatField(default=0.0, help_text="Alyx's water restriction: "
                                          "weight (%) of the z-scored weight in the minimum.")
    json = models.JSONField(null=True, blank=True, help_text=JSON_HELP)

    PUBLIC_FIELDS = ("id", "name", "institution", "address", "timezone", "repositories",
                     "reference_weight_pct", "zscore_weight_pct", "json", "source", "source_id",
                     "imported_at", "subjects", "sessions", "members")
    ANNOTATION_FIELDS = ("json",)

    class Meta(MirrorModel.Meta):
        ordering = ("name",)
        constraints = [
            *MirrorModel.Meta.constraints,
            models.UniqueConstraint(fields=["source", "name"], name="people_lab_unique_name"),
        ]

    def __str__(self):
        return self.name


class User(AbstractUser, MirrorModel):
    """A lab member with a UUID key (Alyx's LabMember)."""

    labs = models.ManyToManyField(Lab, blank=True, related_name="members",
                                  help_text="Labs the user belongs to.")
    allowed_users = models.ManyToManyField("self", blank=True, symmetrical=False,
                                           help_text="Users allowed to act on this user's records.")
    is_stock_manager = models.BooleanField(default=False,
                                           help_text="Manages the lab's animal stock (Alyx).")
    read_only = models.BooleanField(default=False, help_text="May only read through the API "
                                    "(Alyx's is_public_user).")
    json = models.JSONField(null=True, blank=True, help_text=JSON_HELP)

    PUBLIC_FIELDS = ("id", "username", "first_name", "last_name", "labs",  # no email: private
                     "allowed_users", "is_stock_manager", "source", "source_id", "imported_at",
                     "subjects_responsible", "sessions", "projects")
    ANNOTATION_FIELDS = ("json",)

    class Meta(MirrorModel.Meta):
        ordering = ("username",)
