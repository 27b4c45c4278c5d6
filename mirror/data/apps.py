"""Datasets, their files and the vocabularies that describe them (Alyx's data app)."""
from django.apps import AppConfig


class DataConfig(AppConfig):
    name = "mirror.data"
    label = "data"
    verbose_name = "Data"
