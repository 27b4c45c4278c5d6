"""`manage.py one_params`: print (or `--write`) the ONE client settings for this server."""
import json
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mirror.core.one_params import (
    DATA_SERVER_PWD,
    one_params,
    one_snippet,
    params_dir,
    params_key,
    params_write,
)


class Command(BaseCommand):
    help = ("Print the ONE client params for this server (ONE cannot discover its file server); "
            "--write saves them where ONE reads them. With Basic file auth, --password-env VAR "
            "also stores the data-server password (never printed) in that file, mode 0600.")

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default=settings.MIRROR_PUBLIC_URL,
                            help="The URL clients use (default: MIRROR_PUBLIC_URL).")
        parser.add_argument("--username", default="", help="Your login on this server.")
        parser.add_argument("--write", action="store_true",
                            help="Write ~/.one/.<host_port> and map it in ~/.one/.caches.")
        parser.add_argument("--password-env", metavar="VAR", default=None,
                            help="With --write: the environment variable holding your password, "
                            "stored as HTTP_DATA_SERVER_PWD for ONE's file downloads.")
        parser.add_argument("--cache-dir", type=Path, default=None,
                            help="With --write: where ONE downloads files "
                            "(default: kept, or ~/Downloads/ONE/<host_port>).")

    def handle(self, *args, base_url, username, write, password_env, cache_dir, **options):
        basic = settings.MIRROR_FILES_AUTH == "basic"
        password = self._password(password_env, write=write, basic=basic, username=username)
        try:
            params = one_params(base_url=base_url, username=username,
                                files_prefix=settings.MIRROR_FILES_PREFIX,
                                files_auth=settings.MIRROR_FILES_AUTH, password=password)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        shown = {**params, DATA_SERVER_PWD: "********" if password else None}
        self.stdout.write(json.dumps(shown, indent=4))
        if write:
            path = params_write(params, cache_dir=cache_dir)
            stored = json.loads(path.read_text()).get(DATA_SERVER_PWD)
            self.stdout.write(f"Wrote {path} (readable by you alone"
                              f"{', with your data-server password' if stored else ''}).")
            if basic and not stored:
                self.stdout.write("Files need your login: ONE's downloads get 401 until you run "
                                  "this again with --password-env VAR (or fill in "
                                  f"{DATA_SERVER_PWD} in {path}).")
        else:
            path = params_dir() / f".{params_key(params['ALYX_URL'])}"
            self.stdout.write(f"Save this as {path}, or run again with --write.")
            if basic:
                self.stdout.write("Files need HTTP Basic auth: HTTP_DATA_SERVER_LOGIN is your "
                                  f"username; {DATA_SERVER_PWD} is your password on this server "
                                  "(--write --password-env VAR stores it).")
        self.stdout.write(one_snippet(params))

    @staticmethod
    def _password(variable: str | None, *, write: bool, basic: bool, username: str) -> str | None:
        if variable is None:
            return None
        if not write:
            raise CommandError("--password-env needs --write: the password is stored in ONE's "
                               "params file, never printed.")
        if not basic:
            raise CommandError("--password-env is for MIRROR_FILES_AUTH=basic: with 'none' files "
                               "need no login.")
        if not username:
            raise CommandError("--password-env needs --username: the password is that user's.")
        password = os.environ.get(variable)
        if not password:
            raise CommandError(f"Environment variable {variable} is not set or empty: export "
                               f"{variable}=<your password> and run again.")
        return password
