"""ONE client settings for this server: ONE cannot discover the file server from the REST API.

`one_params()` builds the params ONE keeps per database (`~/.one/.<key>`); `params_write()` puts
them where ONE reads them, using ONE's own file names (see `one.params` and `iblutil.io.params`).
No password is ever written: ONE asks for the Alyx password itself, and with Basic file auth the
user fills in HTTP_DATA_SERVER_LOGIN / HTTP_DATA_SERVER_PWD by hand.
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
PASSWORD_KEYS = ("ALYX_PWD", "HTTP_DATA_SERVER_PWD")
# Kept from an existing params file when it is rewritten: ONE's cached login token (no password).
KEPT_KEYS = ("TOKEN",)


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
               files_auth: str) -> dict:
    """The params ONE needs for this server, in the key order ONE writes them."""
    if files_auth not in ("none", "basic"):
        raise ValueError(f"MIRROR_FILES_AUTH is {files_auth!r}: use 'none' or 'basic'.")
    url = normalise_base_url(base_url)
    return {
        "ALYX_URL": url,
        "ALYX_LOGIN": username or "",
        "HTTP_DATA_SERVER": f"{url}/{files_prefix.strip('/')}",
        # ONE sends these only after a 401 Basic challenge; left for the user to fill in.
        "HTTP_DATA_SERVER_LOGIN": None,
        "HTTP_DATA_SERVER_PWD": None,
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


def params_write(params: dict, *, home: Path | None = None,
                 cache_dir: Path | None = None) -> Path:
    """Write the params file and map the server to a download cache in `.caches`.

    Without the `.caches` entry ONE would rerun its setup (prompting unless silent). An existing
    cache directory and cached token are kept; passwords are never written.
    """
    directory = params_dir(home)
    directory.mkdir(parents=True, exist_ok=True)
    key = params_key(params["ALYX_URL"])
    path = directory / f".{key}"
    existing = _read_json(path)
    merged = {**params, **{k: existing[k] for k in KEPT_KEYS if k in existing}}
    merged = {k: (None if k in PASSWORD_KEYS else v) for k, v in merged.items()}
    path.write_text(json.dumps(merged, indent=4))

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
