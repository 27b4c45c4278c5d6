"""The importers' Django app: connections to source platforms and the record of each run."""
from django.apps import AppConfig


class ImportersConfig(AppConfig):
    name = "importers"
    label = "importers"
    verbose_name = "Importers"
