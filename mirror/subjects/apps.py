"""Projects and subjects (Alyx's subjects app)."""
from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    name = "mirror.subjects"
    label = "subjects"
    verbose_name = "Projects and subjects"
