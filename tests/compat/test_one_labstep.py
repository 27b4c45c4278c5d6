"""The real ONE client (ONE-api 3.6.1) reads a mirrored Labstep experiment: lists its datasets,
loads its data-field table as a DataFrame and downloads an attachment with upstream's bytes."""
import hashlib

import pandas as pd
import pytest

from mirror.actions.models import Session
from tests.fakes.labstep import FakeLabstep
from tests.importers.helpers import make_connection, mirror_import


@pytest.fixture
def fake():
    with FakeLabstep(api_key="one-test-key") as server:
        yield server


@pytest.fixture
def imported(live_server, user, fake):
    make_connection("eln", "labstep", lab="notebook", target="1801", base_url=fake.base_url,
                    credential="one-test-key", settings={"requests_per_second": None})
    out, _ = mirror_import("eln")
    assert "succeeded" in out
    return Session.objects.get(source_id="1801/5001")


def test_one_lists_loads_the_data_fields_and_downloads_an_attachment(one_client, imported,
                                                                      fake):
    eid = str(imported.pk)
    names = set(one_client.list_datasets(eid))
    assert {"alf/_labstep_datafields.table.csv", "alf/_labstep_protocols.body.json"} <= names
    fields = one_client.load_dataset(eid, "_labstep_datafields.table.csv")
    assert isinstance(fields, pd.DataFrame)
    assert list(fields.columns) == ["name", "type", "value", "unit", "when"]
    assert fields.set_index("name").loc["Sampling rate", "unit"] == "Hz"
    (attachment,) = [n for n in names if "_2042." in n]
    collection, name = attachment.split("/", 1)
    path = one_client.load_dataset(eid, name, collection=collection, download_only=True)
    assert hashlib.md5(path.read_bytes()).hexdigest() == fake.file_content(2042).md5()
