"""Shared building blocks of every app: base model, API plumbing, the `django=` filter."""
from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mirror.core"
    label = "core"
    verbose_name = "Mirror core"
