"""A hand-downloaded Labvanced export gives the same mirror as the REST pull."""
import pytest
from django.core.management import CommandError

from mirror.actions.models import Session
from tests.fakes.labvanced_export import build_gui_export
from tests.importers.helpers import mirror_import, state


@pytest.mark.parametrize("as_zip", [True, False])
def test_export_import_matches_rest(connection, tmp_path, settings, as_zip):
    export = build_gui_export(tmp_path / "export", exp_id=4107, as_zip=as_zip)
    connection.settings = {**connection.settings, "study_name": "Speaker Gaze Task"}
    connection.save()
    out, _ = mirror_import("gaze-study", "--from-file", str(export))
    assert "succeeded: sessions 5 created; subjects 4 created" in out
    from_file = state(connection.repository)
    again, _ = mirror_import("gaze-study", "--from-file", str(export))
    assert "sessions 5 unchanged; subjects 4 unchanged; projects 1 unchanged; " \
        "datasets 19 unchanged; no file written." in again

    Session.objects.all().delete()
    settings.MIRROR_DATA_ROOT = tmp_path / "rest"
    mirror_import("gaze-study")
    from_rest = state(connection.repository)
    assert from_rest["datasets"] == from_file["datasets"]
    assert from_rest["files"] == from_file["files"]
    # times, numbers and subjects agree; the REST listing adds the study version
    assert {k: v[:4] for k, v in from_rest["sessions"].items()} == \
        {k: v[:4] for k, v in from_file["sessions"].items()}


def test_missing_export_names_the_fix(connection, tmp_path):
    with pytest.raises(CommandError, match="does not exist: give the export's .zip"):
        mirror_import("gaze-study", "--from-file", str(tmp_path / "nope.zip"))


def test_not_a_labvanced_export(connection, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandError, match="no sessions.csv inside"):
        mirror_import("gaze-study", "--from-file", str(tmp_path / "empty"))
