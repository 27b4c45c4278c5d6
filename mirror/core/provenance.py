"""Where a record came from, and the deterministic UUIDs that make re-imports idempotent."""
import uuid

LOCAL = "local"
SOURCES = ("local", "labvanced", "labstep", "hyperstudy")
SOURCE_CHOICES = [(name, name) for name in SOURCES]

# Fixed namespace: changing it would change every imported record's UUID.
MIRROR_NAMESPACE = uuid.UUID("6f1c2b0e-8f0a-5d47-9a53-2d1d5c1b7a10")


def deterministic_uuid(source: str, kind: str, source_id: str) -> uuid.UUID:
    """UUID5 of (source, kind, upstream id): the same upstream record always gets the same UUID."""
    return uuid.uuid5(MIRROR_NAMESPACE, f"{source}:{kind}:{source_id}")
