"""Where the published cache tables are: `cache.zip` and `cache_info.json`, read by the views.

Untagged tables live in MIRROR_CACHE_TABLES_ROOT; tables for a dataset tag in
`<root>/tags/<tag>/`. On several app servers the root must be one shared directory. This module
imports no pyarrow: app workers only serve the files (mirror.onecache.build writes them).
"""
import json
from pathlib import Path

from django.conf import settings

INFO_FILE, ZIP_FILE = "cache_info.json", "cache.zip"


def tables_dir(tag: str | None = None) -> Path:
    root = Path(settings.MIRROR_CACHE_TABLES_ROOT)
    return root if tag is None else root / "tags" / tag


def read_info(tag: str | None = None) -> dict | None:
    """The published tables' description, or None if none have been built."""
    try:
        return json.loads((tables_dir(tag) / INFO_FILE).read_text())
    except FileNotFoundError:
        return None


def zip_path(tag: str | None = None) -> Path:
    return tables_dir(tag) / ZIP_FILE
