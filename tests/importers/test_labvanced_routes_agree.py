"""REST, --from-file and the webhook agree: one study name, and no route undoes another."""
import json

import pytest

from mirror.actions.models import Session
from mirror.subjects.models import Project
from tests.fakes.labvanced_export import build_gui_export
from tests.importers.helpers import mirror_import

LISTED = "Speaker Gaze Task (4107)"  # the fake's listing: experiment_name
VERSIONED = {"Speaker Gaze Task v3", "Speaker Gaze Task v4"}  # its sessions ran two versions


def _webhook_start(client, connection, nr):
    response = client.post(
        f"/hooks/labvanced/{connection.webhook_token}/setPlayerSessionStartedTime",
        json.dumps({"expSessionNr": nr, "expId": 4107, "start_time": "2026-03-02 09:30:00+01"}),
        content_type="application/json", HTTP_ORIGIN="https://www.labvanced.com")
    assert response.status_code == 200, response.content


def _protocols(sessions) -> set[str]:
    return set(sessions.values_list("task_protocol", flat=True))


def _project_names() -> list[str]:
    return list(Project.objects.values_list("name", flat=True))


def test_a_webhook_session_leaves_the_listing_name_alone(client, connection):
    mirror_import("gaze-study")
    assert _project_names() == [LISTED]
    _webhook_start(client, connection, 990001)
    assert _project_names() == [LISTED]
    live = Session.objects.get(source_id="4107/990001")
    assert live.task_protocol == "Speaker Gaze Task"
    assert [p.name for p in live.projects.all()] == [LISTED]
    out, _ = mirror_import("gaze-study")  # and the next REST run changes nothing
    assert _project_names() == [LISTED]
    assert "updated" not in out and "sessions 5 unchanged" in out, out


def test_a_rest_run_names_the_project_a_webhook_opened(client, connection):
    _webhook_start(client, connection, 990002)
    assert _project_names() == ["Labvanced study 4107 (4107)"]
    mirror_import("gaze-study")
    assert _project_names() == [LISTED]
    assert _protocols(Session.objects.exclude(source_id="4107/990002")) == VERSIONED


@pytest.mark.parametrize("study_name", [None, "My own name for it"])
def test_an_export_keeps_the_listing_name(connection, tmp_path, study_name):
    """--from-file knows the connection's study_name at best: the listing's name wins."""
    mirror_import("gaze-study")
    if study_name:
        connection.settings = {**connection.settings, "study_name": study_name}
        connection.save()
    export = build_gui_export(tmp_path / "export", exp_id=4107, as_zip=True)
    Session.objects.all().delete()
    mirror_import("gaze-study", "--from-file", str(export))
    assert _project_names() == [LISTED]
    assert _protocols(Session.objects.all()) == VERSIONED


def test_the_configured_name_wins_over_a_guess(client, connection):
    connection.settings = {**connection.settings, "study_name": "Gaze pilot"}
    connection.save()
    _webhook_start(client, connection, 990003)
    assert _project_names() == ["Gaze pilot (4107)"]
    assert Session.objects.get(source_id="4107/990003").task_protocol == "Gaze pilot"


def _webhook_finish(client, connection, nr):
    response = client.post(
        f"/hooks/labvanced/{connection.webhook_token}/finishExpSession",
        json.dumps({"expSessionNr": nr, "expId": 4107}), content_type="application/json",
        HTTP_ORIGIN="https://www.labvanced.com")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("finished", [False, True], ids=["live", "finished"])
def test_a_listing_does_not_mark_a_session_only_the_webhook_has_seen(client, connection,
                                                                     finished):
    _webhook_start(client, connection, 990004)
    if finished:
        _webhook_finish(client, connection, 990004)
    mirror_import("gaze-study")
    mirror_import("gaze-study")
    webhook_only = Session.objects.get(source_id="4107/990004")
    assert webhook_only.upstream_deleted_at is None


def test_a_listed_session_that_goes_missing_is_still_marked(connection, fake):
    mirror_import("gaze-study")
    fake.store.delete(259515)
    mirror_import("gaze-study")
    assert Session.objects.get(source_id="4107/259515").upstream_deleted_at is not None
