"""The real ONE client loads a Labvanced session's trials like any IBL dataset."""
import pandas as pd
import pytest

from importers.models import Connection
from mirror.data.models import DataRepository
from mirror.people.models import Lab
from tests.fakes.labvanced_export import build_gui_export
from tests.fakes.labvanced_store import DEFAULT_FIXTURES
from tests.importers.helpers import mirror_import


@pytest.fixture
def imported(live_server, user, tmp_path):
    lab = Lab.objects.create(name="gazelab")
    repository = DataRepository.objects.create(name="gazelab_labvanced")
    Connection.objects.create(name="gaze", source="labvanced", target="4107", lab=lab,
                              repository=repository, settings={"study_name": "Speaker Gaze"})
    mirror_import("gaze", "--from-file", str(build_gui_export(tmp_path / "export")))


def test_load_object_returns_the_trials_table(one_client, imported):
    eids = one_client.search(subject="LV-a7Kq2Xw9Lm", number=2)
    assert len(eids) == 1
    trials = one_client.load_object(eids[0], "trials")
    table = pd.DataFrame(dict(trials))
    assert len(table) > 0 and {"Trial_Nr", "response", "rt"} <= set(table.columns)
    raw = one_client.load_dataset(eids[0], "_labvanced_raw.trials.csv",
                                  collection="raw_labvanced_data", download_only=True)
    assert raw.read_bytes() == (DEFAULT_FIXTURES / "4107" / "sessions" / "259601" /
                                "trials.csv").read_bytes()
