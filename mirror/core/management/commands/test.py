"""`manage.py test` would find no tests (they are pytest's): say how to run them instead."""
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "The tests run with pytest: `make test`, or `.venv/bin/python -m pytest [ARGS]`."

    def add_arguments(self, parser):
        parser.add_argument("args", nargs="*")

    def handle(self, *args, **options):
        raise CommandError("The tests run with pytest, not manage.py test: run `make test` "
                           "(or `.venv/bin/python -m pytest` with pytest's arguments).")
