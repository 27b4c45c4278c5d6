"""Sessions: Alyx keeps them in its `actions` app, and so do we (Django owns `sessions`)."""
from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "mirror.actions"
    label = "actions"
    verbose_name = "Sessions"
