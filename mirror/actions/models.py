"""Sessions, as Alyx's actions.Session."""
from django.conf import settings
from django.db import models

from mirror.core.models import FITS_INT32, JSON_HELP, MirrorModel
from mirror.core.qc import QC


class Session(MirrorModel):
    """One recording of one subject: an experiment run, a participant's visit to a study."""

    name = models.CharField(max_length=255, blank=True, default="",
                            help_text="Free-form name of the session.")
    subject = models.ForeignKey("subjects.Subject", on_delete=models.PROTECT,
                                related_name="sessions", help_text="The subject recorded.")
    lab = models.ForeignKey("people.Lab", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="sessions",
                            help_text="The lab; defaults to the subject's lab.")
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="sessions",
                                   help_text="Users who ran the session.")
    projects = models.ManyToManyField("subjects.Project", blank=True, related_name="sessions",
                                      help_text="Projects the session belongs to.")
    parent_session = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="child_sessions",
                                       help_text="The session this one is part of, if any.")
    type = models.CharField(max_length=255, blank=True, default="",
                            help_text="e.g. Experiment, Base.")
    number = models.PositiveIntegerField(null=True, blank=True, validators=FITS_INT32,
                                         help_text="The session's number on its day (ALF NNN).")
    task_protocol = models.CharField(max_length=1023, blank=True, default="",
                                     help_text="Task and its version, e.g. choiceWorld_6.4.")
    start_time = models.DateTimeField(db_index=True,
                                      help_text="Local wall-clock start (ISO, no offset).")
    end_time = models.DateTimeField(null=True, blank=True,
                                    help_text="Local wall-clock end (ISO, no offset).")
    narrative = models.TextField(blank=True, default="", help_text="Free-text notes.")
    n_trials = models.PositiveIntegerField(null=True, blank=True, validators=FITS_INT32,
                                           help_text="Number of trials.")
    n_correct_trials = models.PositiveIntegerField(null=True, blank=True, validators=FITS_INT32,
                                                   help_text="Number of correct trials.")
    qc = models.IntegerField(choices=QC.choices, default=QC.NOT_SET, db_index=True,
                             help_text="QC outcome of the session.")
    extended_qc = models.JSONField(null=True, blank=True,
                                   help_text="Results of the session's QC checks, by name.")
    json = models.JSONField(null=True, blank=True, help_text=JSON_HELP)
    auto_datetime = models.DateTimeField(auto_now=True, null=True,
                                         help_text="When the record was last saved.")

    PUBLIC_FIELDS = ("id", "name", "subject", "lab", "users", "projects", "parent_session",
                     "type", "number", "task_protocol", "start_time", "end_time", "narrative",
                     "n_trials", "n_correct_trials", "qc", "extended_qc", "json",
                     "auto_datetime", "source", "source_id", "imported_at",
                     "data_dataset_session_related")
    ANNOTATION_FIELDS = ("narrative", "qc", "extended_qc", "json", "projects")

    class Meta(MirrorModel.Meta):
        ordering = ("-start_time", "id")
        indexes = [models.Index(fields=["-start_time", "id"], name="session_newest_first")]

    def __str__(self):  # ALF's session path: subject/date/number
        return f"{self.subject.nickname}/{self.start_time:%Y-%m-%d}/{self.number or 0:03d}"

    def save(self, *args, **kwargs):
        """A session without a lab takes its subject's lab, and a partial save writes it too."""
        if self.lab_id is None and self.subject_id is not None:
            self.lab_id = self.subject.lab_id
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "lab" not in update_fields:
                kwargs["update_fields"] = [*update_fields, "lab"]
        super().save(*args, **kwargs)
