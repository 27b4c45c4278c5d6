"""Where the published cache tables are: `cache.zip` and `cache_info.json`, read by the views.

Untagged tables live in MIRROR_CACHE_TABLES_ROOT; tables for a dataset tag in
`<root>/tags/<tag>/`. On several app servers the root must be one shared directory. This module
imports no pyarrow: app workers only serve the files (mirror.onecache.build writes them).
"""
import json
from pathlib import Path

from django.conf import settings

from mirror.data.paths import UnsafePath, check_component

INFO_FILE, ZIP_FILE = "cache_info.json", "cache.zip"


def tables_dir(tag: str | None = None) -> Path:
    """The folder of the tables (of one tag); UnsafePath for a tag that is not a plain name
    (`..` would be the untagged tables' folder)."""
    root = Path(settings.MIRROR_CACHE_TABLES_ROOT)
    if tag is None:
        return root
    tags = (root / "tags").resolve()
    folder = (tags / check_component(tag, "tag")).resolve()
    if folder.parent != tags:
        raise UnsafePath(f"tag {tag!r} does not lie inside the cache tables' folder")
    return folder


def read_info(tag: str | None = None) -> dict | None:
    """The published tables' description, or None if none have been built (for that tag)."""
    try:
        return json.loads((tables_dir(tag) / INFO_FILE).read_text())
    except (FileNotFoundError, UnsafePath):
        return None


def zip_path(tag: str | None = None) -> Path | None:
    """The published zip's path (which may not exist yet); None for a tag that is no name."""
    try:
        return tables_dir(tag) / ZIP_FILE
    except UnsafePath:
        return None
