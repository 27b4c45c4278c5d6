"""Projects and subjects, as Alyx's subjects.Project and subjects.Subject."""
import datetime

from django.conf import settings
from django.db import models

from mirror.core.models import JSON_HELP, MirrorModel
from mirror.data.paths import validate_component


class Project(MirrorModel):
    """A project or study: groups subjects and sessions (a Labvanced study, a Labstep project)."""

    name = models.CharField(max_length=255, help_text="The project's name.")
    description = models.TextField(blank=True, default="", help_text="What the project is about.")
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="projects",
                                   help_text="Users working on the project.")
    json = models.JSONField(null=True, blank=True, help_text=JSON_HELP)

    PUBLIC_FIELDS = ("id", "name", "description", "users", "json", "source", "source_id",
                     "imported_at", "subjects", "sessions")
    ANNOTATION_FIELDS = ("json", "description", "users")

    class Meta(MirrorModel.Meta):
        ordering = ("name",)
        constraints = [
            *MirrorModel.Meta.constraints,
            models.UniqueConstraint(fields=["source", "name"], name="subjects_project_unique_name"),
        ]

    def __str__(self):
        return self.name


class Subject(MirrorModel):
    """An animal or a human participant whose sessions are recorded."""

    SEXES = [("M", "Male"), ("F", "Female"), ("U", "Unknown")]

    nickname = models.CharField(max_length=64, validators=[validate_component],
                                help_text="The subject's name, unique within its lab and "
                                "source: letters, digits, '.', '_' and '-' (Alyx's rule), "
                                "not '.' or '..' (it names a folder).")
    lab = models.ForeignKey("people.Lab", on_delete=models.PROTECT, related_name="subjects",
                            help_text="The lab the subject belongs to.")
    responsible_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.SET_NULL,
                                         related_name="subjects_responsible",
                                         help_text="Who is responsible for the subject.")
    projects = models.ManyToManyField(Project, blank=True, related_name="subjects",
                                      help_text="Projects the subject takes part in.")
    sex = models.CharField(max_length=1, choices=SEXES, default="U", help_text="Sex.")
    birth_date = models.DateField(null=True, blank=True, help_text="Date of birth.")
    death_date = models.DateField(null=True, blank=True,
                                  help_text="Date of death; empty while alive.")
    species = models.CharField(max_length=255, blank=True, default="",
                               help_text="e.g. Mus musculus, Homo sapiens.")
    strain = models.CharField(max_length=255, blank=True, default="",
                              help_text="Strain of an animal, e.g. C57BL/6J.")
    line = models.CharField(max_length=255, blank=True, default="",
                            help_text="Genetic line of an animal.")
    litter = models.CharField(max_length=255, blank=True, default="",
                              help_text="Litter the animal was born in.")
    description = models.TextField(blank=True, default="", help_text="Free-text notes.")
    json = models.JSONField(null=True, blank=True, help_text=JSON_HELP)

    PUBLIC_FIELDS = ("id", "nickname", "lab", "responsible_user", "projects", "sex",
                     "birth_date", "death_date", "species", "strain", "line", "litter",
                     "description", "json", "source", "source_id", "imported_at", "sessions")
    ANNOTATION_FIELDS = ("json", "description", "projects")

    class Meta(MirrorModel.Meta):
        ordering = ("nickname",)
        constraints = [
            *MirrorModel.Meta.constraints,
            models.UniqueConstraint(fields=["source", "lab", "nickname"],
                                    name="subjects_subject_unique_nickname"),
        ]

    def __str__(self):
        return self.nickname

    @property
    def alive(self) -> bool:
        return self.death_date is None

    def age_weeks(self, today: datetime.date | None = None) -> int | None:
        if self.birth_date is None:
            return None
        end = self.death_date or today or datetime.date.today()
        return (end - self.birth_date).days // 7
