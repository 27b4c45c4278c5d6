"""The real ONE client (ONE-api 3.6.1) loads a HyperStudy participant's events table and
downloads one of their recordings (md5 checked)."""
import hashlib

import pandas as pd
import pytest

from mirror.actions.models import Session
from tests.fakes.hyperstudy import FakeHyperStudy
from tests.importers.helpers import make_connection, mirror_import


@pytest.fixture
def fake():
    with FakeHyperStudy(api_key="hst_test_one_key") as server:
        yield server


@pytest.fixture
def participant_session(live_server, user, fake):
    make_connection("dyads", "hyperstudy", lab="dyadlab", target="exp_hs_001",
                    base_url=fake.api_url, credential="hst_test_one_key")
    out, _ = mirror_import("dyads")
    assert "succeeded" in out
    return Session.objects.get(source_id="exp_hs_001/room_002/user_003")


def test_one_loads_events_and_downloads_a_recording(one_client, participant_session, fake):
    eid = str(participant_session.pk)
    events = one_client.load_dataset(eid, "_hyperstudy_events.table.csv")
    assert isinstance(events, pd.DataFrame) and len(events) == 10
    assert {"onset", "onset_sec", "eventType", "participantId"} <= set(events.columns)
    assert set(events["participantId"]) == {"user_003"}
    path = one_client.load_dataset(eid, "_hyperstudy_recording.EG_video_003.mp4",
                                   collection="raw_video_data", download_only=True)
    assert hashlib.md5(path.read_bytes()).hexdigest() == \
        fake.recording_content("EG_video_003").md5()
