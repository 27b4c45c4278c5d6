"""`manage.py mirror_connection NAME [--source … --target … --lab …] [--credential-env VAR]`.

A new connection needs its source, target and lab; an existing one changes only what is given.
"""
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from importers.models import PUBLIC_BASE_URLS, SOURCES, Connection
from mirror.core.migrations_check import require_migrated
from mirror.data.models import DataRepository
from mirror.people.models import Lab

EXAMPLE = ("mirror_connection mystudy --source labvanced --target 4107 --lab mylab "
           "--credential-env LABVANCED_TOKEN")


def _checked_name(model, value: str) -> str:
    """A lab or repository name, held to its model's rules (it becomes a folder of the data
    root) before anything is written."""
    try:
        model._meta.get_field("name").run_validators(value)
    except ValidationError as error:
        raise CommandError(f"{model._meta.verbose_name} name {value!r}: "
                           f"{' '.join(error.messages)}") from None
    return value


def _credential(variable: str | None) -> str | None:
    if not variable:
        return None
    value = os.environ.get(variable, "")
    if not value:
        raise CommandError(f"${variable} is empty or unset: export the token in it first "
                           f"(`export {variable}=…`), then run this again.")
    return value


def describe(connection) -> str:
    """One line: what a connection mirrors, where to, and its webhook URL (Labvanced)."""
    stored = "stored" if connection.credential else "none"
    line = (f"{connection.name}: {connection.source} {connection.target} from "
            f"{connection.base_url or '(no base URL)'}, lab {connection.lab.name}, files in "
            f"{connection.repository.name}, credential {stored}")
    if connection.webhook_url:
        line += f"\n  webhook URL (keep it secret): {connection.webhook_url}"
    return line


class Command(BaseCommand):
    help = ("Create a connection to a source platform, or change the options given of an "
            "existing one. The credential is read once from the environment variable named by "
            "--credential-env (never from the command line, which shell history keeps) and "
            "stored in the database; to replace it, run this again with the new token in the "
            "variable.")

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="The connection's short name.")
        parser.add_argument("--source", choices=[key for key, _ in SOURCES])
        parser.add_argument("--base-url", help="The platform's API root (default: the "
                            "source's public one: " + ", ".join(
                                f"{source} {url}" for source, url in PUBLIC_BASE_URLS.items())
                            + ").")
        parser.add_argument("--target", help="Experiment id / workspace to mirror.")
        parser.add_argument("--lab", help="Lab name (made if missing).")
        parser.add_argument("--repository", help="Local data repository name (default "
                            "<lab>_<source>, made if missing).")
        parser.add_argument("--credential-env", metavar="VARIABLE", help="Name of the "
                            "environment variable holding the API token (read once, stored).")
        parser.add_argument("--study-name", help="Study name for exports without one.")
        parser.add_argument("--list", action="store_true",
                            help="List connections, with their webhook URLs.")

    def handle(self, *args, **options):
        require_migrated()
        if options["list"]:
            for connection in Connection.objects.select_related("lab", "repository"):
                self.stdout.write(describe(connection))
            return
        if not options["name"]:
            raise CommandError(f"Give the connection's name (e.g. {EXAMPLE}), or --list.")
        connection = Connection.objects.filter(name=options["name"]).first()
        created = connection is None
        if created:
            missing = [flag for flag in ("source", "target", "lab") if not options[flag]]
            if missing:
                raise CommandError(f"Missing for a new connection: {', '.join(missing)} (e.g. "
                                   f"{EXAMPLE}).")
            connection = Connection(name=options["name"], source=options["source"])
        elif options["source"] and options["source"] != connection.source:
            raise CommandError(f"Connection {connection.name} mirrors {connection.source}; a "
                               "connection's source does not change: make a new connection.")
        credential = _credential(options["credential_env"])
        lab_name = options["lab"] and _checked_name(Lab, options["lab"])
        repository_name = options["repository"] or (
            lab_name and f"{lab_name}_{connection.source}")
        if repository_name:
            _checked_name(DataRepository, repository_name)
        with transaction.atomic():
            self._apply(connection, options, credential=credential, lab_name=lab_name,
                        repository_name=repository_name)
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} connection {describe(connection)}")

    @staticmethod
    def _apply(connection, options, *, credential, lab_name, repository_name) -> None:
        if options["base_url"] is not None:
            connection.base_url = options["base_url"]
        if options["target"]:
            connection.target = options["target"]
        if lab_name:
            connection.lab, _ = Lab.objects.get_or_create(name=lab_name, source="local")
        if repository_name:
            connection.repository, _ = DataRepository.objects.get_or_create(
                name=repository_name, defaults={"repository_type": DataRepository.LOCAL})
            connection.lab.repositories.add(connection.repository)
        if credential:
            connection.credential = credential
        if options["study_name"]:
            connection.settings = {**connection.settings, "study_name": options["study_name"]}
        try:
            connection.full_clean()
        except ValidationError as error:
            raise CommandError(_as_text(error)) from None
        connection.save()


def _as_text(error: ValidationError) -> str:
    """A model's validation errors as one message, each Django message led by its field."""
    texts = []
    for field, messages in error.message_dict.items():
        for message in messages:
            own = message.startswith(("base URL", "connection '"))  # Connection.clean's
            texts.append(message if own or field == "__all__"
                         else f"{field.replace('_', ' ')}: {message}")
    return " ".join(texts)
