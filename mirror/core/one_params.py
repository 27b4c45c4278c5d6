"""ONE client settings for this server: ONE cannot discover the file server from the REST API.

`one_params()` builds the params ONE keeps per database (`~/.one/.<key>`); `params_write()` puts
them where ONE reads them, using ONE's own file names (see `one.params` and `iblutil.io.params`).
With Basic file auth (the default) ONE's downloader sends HTTP_DATA_SERVER_LOGIN and
HTTP_DATA_SERVER_PWD from that file, which is where ONE's own setup stores them too: the login
is the username, and the password is written only when given (`one_params --password-env VAR`),
with the file readable by its owner alone (0600; it also holds ONE's login token). The Alyx
password (ALYX_PWD) is never written: ONE asks for it itself, then keeps a token.
"""
import json
import os
import re
import sys
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

PARAMS_DIR_NAME = ".one"
CACHES_FILE_NAME = ".caches"
NEVER_WRITTEN = ("ALYX_PWD",)
DATA_SERVER_PWD = "HTTP_DATA_SERVER_PWD"
# Kept from an existing params file when it is rewritten: ONE's cached login token.
KEPT_KEYS = ("TOKEN",)
PARAMS_FILE_MODE = 0o600  # a password and a token: the owner's alone
PARAMS_DIR_MODE = 0o700


def normalise_base_url(base_url: str) -> str:
    """`http(s)://host[:port][/path]` without a trailing slash; ValueError names the fix."""
    url = (base_url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"Base URL {base_url!r} must look like http://host:port "
                         "(set --base-url or MIRROR_PUBLIC_URL).")
    return url


def params_key(base_url: str) -> str:
    """ONE's key for a database URL (`one.params._key_from_url`): scheme dropped, other
    non-word characters turned into '_' (`http://127.0.0.1:8000` → `127.0.0.1_8000`)."""
    url = unicodedata.normalize("NFKC", base_url)
    url = re.sub("^https?://", "", url).strip("/")
    url = re.sub(r"[^.\w\s-]", "_", url.lower())
    return re.sub(r"[-\s]+", "-", url)


def one_params(*, base_url: str, username: str | None, files_prefix: str,
               files_auth: str, password: str | None = None) -> dict:
    """The params ONE needs for this server, in the key order ONE writes them.

    With `basic` file auth the data-server login is the username (and the password, if given);
    ONE sends them after the server's 401 challenge. With `none` there is no login to send.
    """
    if files_auth not in ("none", "basic"):
        raise ValueError(f"MIRROR_FILES_AUTH is {files_auth!r}: use 'none' or 'basic'.")
    url = normalise_base_url(base_url)
    basic = files_auth == "basic"
    return {
        "ALYX_URL": url,
        "ALYX_LOGIN": username or "",
        "HTTP_DATA_SERVER": f"{url}/{files_prefix.strip('/')}",
        "HTTP_DATA_SERVER_LOGIN": (username or None) if basic else None,
        "HTTP_DATA_SERVER_PWD": (password or None) if basic else None,
    }


def params_dir(home: Path | None = None) -> Path:
    """Where ONE keeps its params (`iblutil.io.params.getfile`): ~/.one, or %APPDATA%/.one."""
    if home is None and sys.platform in ("win32", "cygwin"):
        return Path(os.environ["APPDATA"]) / PARAMS_DIR_NAME
    return (home or Path.home()) / PARAMS_DIR_NAME


def _read_json(path: Path) -> dict:
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def _write_private(path: Path, text: str) -> None:
    """Write `text` to a file only its owner may read, whatever mode it had before."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PARAMS_FILE_MODE)
    with os.fdopen(descriptor, "w") as handle:
        os.chmod(path, PARAMS_FILE_MODE)  # an existing file keeps its old mode on open
        handle.write(text)


def params_write(params: dict, *, home: Path | None = None,
                 cache_dir: Path | None = None) -> Path:
    """Write the params file (mode 0600) and map the server to a download cache in `.caches`.

    Without the `.caches` entry ONE would rerun its setup (prompting unless silent). An existing
    cache directory and cached token are kept, and so is a stored data-server password when no
    new one is given for the same login; the Alyx password is never written.
    """
    directory = params_dir(home)
    if not directory.exists():
        directory.mkdir(mode=PARAMS_DIR_MODE, parents=True)
    key = params_key(params["ALYX_URL"])
    path = directory / f".{key}"
    existing = _read_json(path)
    merged = {**params, **{k: existing[k] for k in KEPT_KEYS if k in existing}}
    same_login = existing.get("HTTP_DATA_SERVER_LOGIN") == params["HTTP_DATA_SERVER_LOGIN"]
    if merged.get(DATA_SERVER_PWD) is None and params["HTTP_DATA_SERVER_LOGIN"] and same_login:
        merged[DATA_SERVER_PWD] = existing.get(DATA_SERVER_PWD)
    merged = {k: (None if k in NEVER_WRITTEN else v) for k, v in merged.items()}
    _write_private(path, json.dumps(merged, indent=4))

    caches_path = directory / CACHES_FILE_NAME
    caches = _read_json(caches_path)
    client_map = caches.setdefault("CLIENT_MAP", {})
    default_cache = (home or Path.home()) / "Downloads" / "ONE" / key
    client_map[key] = str(cache_dir or client_map.get(key) or default_cache)
    Path(client_map[key]).mkdir(parents=True, exist_ok=True)
    caches.setdefault("DEFAULT", key)
    caches_path.write_text(json.dumps(caches, indent=4))
    return path


def one_snippet(params: dict) -> str:
    """One line of Python that connects ONE to this server (ONE prompts for the password once,
    then caches a token)."""
    login = params["ALYX_LOGIN"] or "<your username>"
    return (f"from one.api import ONE; one = ONE(base_url={params['ALYX_URL']!r}, "
            f"username={login!r})")
