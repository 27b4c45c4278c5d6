"""`manage.py one_params`: print (or `--write`) the ONE client settings for this server."""
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mirror.core.one_params import one_params, one_snippet, params_dir, params_key, params_write


class Command(BaseCommand):
    help = ("Print the ONE client params for this server (ONE cannot discover its file server); "
            "--write saves them where ONE reads them, without any password.")

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default=settings.MIRROR_PUBLIC_URL,
                            help="The URL clients use (default: MIRROR_PUBLIC_URL).")
        parser.add_argument("--username", default="", help="Your login on this server.")
        parser.add_argument("--write", action="store_true",
                            help="Write ~/.one/.<host_port> and map it in ~/.one/.caches.")
        parser.add_argument("--cache-dir", type=Path, default=None,
                            help="With --write: where ONE downloads files "
                            "(default: kept, or ~/Downloads/ONE/<host_port>).")

    def handle(self, *args, base_url, username, write, cache_dir, **options):
        try:
            params = one_params(base_url=base_url, username=username,
                                files_prefix=settings.MIRROR_FILES_PREFIX,
                                files_auth=settings.MIRROR_FILES_AUTH)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(params, indent=4))
        if settings.MIRROR_FILES_AUTH == "basic":
            self.stdout.write("Files need HTTP Basic auth: fill in HTTP_DATA_SERVER_LOGIN and "
                              "HTTP_DATA_SERVER_PWD with your username and password on this "
                              "server.")
        if write:
            path = params_write(params, cache_dir=cache_dir)
            self.stdout.write(f"Wrote {path} (no password).")
        else:
            path = params_dir() / f".{params_key(params['ALYX_URL'])}"
            self.stdout.write(f"Save this as {path}, or run again with --write.")
        self.stdout.write(one_snippet(params))
