"""Deterministic UUIDs: the same upstream record always maps to the same key."""
import uuid

from mirror.core.provenance import deterministic_uuid


def test_same_input_same_uuid():
    assert deterministic_uuid("labvanced", "session", "42") == deterministic_uuid(
        "labvanced", "session", "42")


def test_source_kind_and_id_all_matter():
    keys = {deterministic_uuid(*args) for args in [("labvanced", "session", "42"),
                                                   ("labstep", "session", "42"),
                                                   ("labvanced", "subject", "42"),
                                                   ("labvanced", "session", "43")]}
    assert len(keys) == 4
    assert all(key.version == 5 for key in keys) and all(isinstance(k, uuid.UUID) for k in keys)
