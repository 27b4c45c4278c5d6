"""Labs and the people in them (Alyx's misc app)."""
from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "mirror.people"
    label = "people"
    verbose_name = "Labs and users"
