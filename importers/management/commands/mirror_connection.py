"""`manage.py mirror_connection NAME --source … --target … --lab … [--credential-env VAR]`."""
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from importers.models import SOURCES, Connection
from mirror.data.models import DataRepository
from mirror.people.models import Lab


class Command(BaseCommand):
    help = ("Create or update a connection to a source platform. The credential is read from an "
            "environment variable, never from the command line (it would land in shell history).")

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?")
        parser.add_argument("--source", choices=[key for key, _ in SOURCES])
        parser.add_argument("--base-url", default="")
        parser.add_argument("--target", help="Experiment id / workspace to mirror.")
        parser.add_argument("--lab", help="Lab name (made if missing).")
        parser.add_argument("--repository", help="Local data repository name (default "
                            "<lab>_<source>, made if missing).")
        parser.add_argument("--credential-env", help="Name of the environment variable "
                            "holding the API token.")
        parser.add_argument("--study-name", help="Study name for exports without one.")
        parser.add_argument("--list", action="store_true", help="List connections.")

    def handle(self, *args, **options):
        if options["list"]:
            for connection in Connection.objects.select_related("lab"):
                self.stdout.write(f"{connection.name}\t{connection.source}\t{connection.target}"
                                  f"\t{connection.lab.name}")
            return
        missing = [flag for flag in ("name", "source", "target", "lab") if not options[flag]]
        if missing:
            raise CommandError(f"Missing: {', '.join(missing)} (e.g. mirror_connection mystudy "
                               "--source labvanced --target 4107 --lab mylab "
                               "--credential-env LABVANCED_TOKEN).")
        credential = ""
        if options["credential_env"]:
            credential = os.environ.get(options["credential_env"], "")
            if not credential:
                raise CommandError(f"${options['credential_env']} is empty or unset.")
        repository_name = options["repository"] or f"{options['lab']}_{options['source']}"
        for model, value in ((Lab, options["lab"]), (DataRepository, repository_name)):
            try:  # the names become folders of the data root: hold them to the models' rules
                model._meta.get_field("name").run_validators(value)
            except ValidationError as error:
                raise CommandError(f"{model._meta.verbose_name} name {value!r}: "
                                   f"{' '.join(error.messages)}") from None
        with transaction.atomic():
            lab, _ = Lab.objects.get_or_create(name=options["lab"], source="local")
            repository, _ = DataRepository.objects.get_or_create(
                name=repository_name,
                defaults={"repository_type": DataRepository.LOCAL})
            lab.repositories.add(repository)
            connection, created = Connection.objects.update_or_create(
                name=options["name"], defaults={
                    "source": options["source"], "base_url": options["base_url"],
                    "target": options["target"], "lab": lab, "repository": repository})
            if credential:
                connection.credential = credential
            if options["study_name"]:
                connection.settings = {**connection.settings,
                                       "study_name": options["study_name"]}
            connection.save()
        self.stdout.write(f"{'Created' if created else 'Updated'} connection {connection.name} "
                          f"({connection.source} {connection.target}, lab {lab.name}, "
                          f"files in {repository.name}).")
