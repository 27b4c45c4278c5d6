"""Build the cache tables from the database and publish them (`manage.py mirror_one_cache`).

A build writes into a temporary folder beside the published files and then renames them into
place, so a client never downloads a half-written zip and a failed build leaves the last good
tables served.
"""
import json
import os
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq

from mirror.onecache import tables
from mirror.onecache.store import INFO_FILE, ZIP_FILE, tables_dir

# The oldest ONE that reads these tables as they are (qc and default_revision columns).
MIN_API_VERSION = "2.10.0"


def build(origin: str, tag: str | None = None) -> dict:
    """Write both tables from the database and publish them; return the new cache_info."""
    target = tables_dir(tag)  # UnsafePath (a ValueError) for a tag that cannot name a folder
    target.mkdir(parents=True, exist_ok=True)
    created = datetime.now().isoformat(sep=" ", timespec="seconds")
    metadata = {"date_created": created, "origin": origin, "min_api_version": MIN_API_VERSION}
    if tag is not None:
        metadata["database_tags"] = [tag]
    with tempfile.TemporaryDirectory(dir=target, prefix=".building-") as work:
        work = Path(work)
        counts = _write_tables(work, metadata, tag)
        info = {**metadata, "tables": {
            name: {"nrecs": counts[name], "size": (work / f"{name}.pqt").stat().st_size}
            for name in ("sessions", "datasets")}}
        (work / INFO_FILE).write_text(json.dumps(info, indent=1))
        with zipfile.ZipFile(work / ZIP_FILE, "w", zipfile.ZIP_STORED) as bundle:
            for name in ("sessions.pqt", "datasets.pqt", INFO_FILE):  # parquet is compressed
                bundle.write(work / name, name)
        os.replace(work / ZIP_FILE, target / ZIP_FILE)
        os.replace(work / INFO_FILE, target / INFO_FILE)
    return info


def _write_tables(folder: Path, metadata: dict, tag: str | None) -> dict:
    one_metadata = {b"one_metadata": json.dumps(metadata).encode()}
    counts = {"sessions": 0, "datasets": 0}
    with (pq.ParquetWriter(folder / "sessions.pqt",
                           tables.SESSIONS_SCHEMA.with_metadata(one_metadata)) as sessions,
          pq.ParquetWriter(folder / "datasets.pqt",
                           tables.DATASETS_SCHEMA.with_metadata(one_metadata)) as datasets):
        for batch in tables.batches(tag):
            sessions.write_batch(batch.sessions)
            datasets.write_batch(batch.datasets)
            counts["sessions"] += batch.sessions.num_rows
            counts["datasets"] += batch.datasets.num_rows
    return counts
