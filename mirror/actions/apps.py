"""Sessions: Alyx keeps them in its `actions` app, and so do we (the label `sessions` is Django's)."""
from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "mirror.actions"
    label = "actions"
    verbose_name = "Sessions"
