"""/import-runs lists runs read-only; connections and their credentials never appear."""
from django.core.management import CommandError

from importers.models import ImportRun
from tests.importers.conftest import TOKEN
from tests.importers.helpers import mirror_import


def test_runs_are_listed_read_only(api, connection):
    mirror_import("gaze-study")
    body = api.get("/import-runs", {"connection": "gaze-study"}).json()
    assert body["count"] == 1
    run = body["results"][0]
    assert (run["status"], run["created"], run["source"], run["target"]) == (
        "succeeded", 29, "labvanced", "4107")
    assert api.get(f"/import-runs/{run['id']}").json()["id"] == run["id"]
    assert api.post("/import-runs", {}, format="json").status_code == 405
    assert api.delete(f"/import-runs/{run['id']}").status_code == 405


def test_filters_and_strictness(api, connection):
    ImportRun.objects.create(connection=connection, status="failed", error="x")
    assert api.get("/import-runs", {"status": "failed"}).json()["count"] == 1
    assert api.get("/import-runs", {"status": "succeeded"}).json()["count"] == 0
    assert api.get("/import-runs", {"nope": "1"}).status_code == 400


def test_credential_is_not_in_any_response(api, connection):
    mirror_import("gaze-study")
    for url in ("/import-runs", "/", "/sessions", "/labs"):
        assert TOKEN not in api.get(url).content.decode()


def test_admin_keeps_the_credential_write_only(client, connection, django_user_model):
    admin = django_user_model.objects.create(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get("/admin/importers/connection/")
    change = client.get(f"/admin/importers/connection/{connection.pk}/change/")
    assert listing.status_code == change.status_code == 200
    assert TOKEN not in listing.content.decode() and TOKEN not in change.content.decode()
    assert connection.webhook_token in change.content.decode()
    assert client.get("/admin/importers/importrun/").status_code == 200


def test_origin_paths_are_shown_to_staff_only(api, connection, tmp_path):
    """A --from-file run's origin is a path on the server: others see `file`."""
    from tests.api.conftest import token_client
    from tests.factories import make_user
    from tests.fakes.labvanced_export import build_gui_export

    export = build_gui_export(tmp_path / "export", exp_id=4107, as_zip=True)
    mirror_import("gaze-study", "--from-file", str(export))
    missing = tmp_path / "secret-folder" / "nope.zip"
    try:
        mirror_import("gaze-study", "--from-file", str(missing))
    except CommandError:
        pass
    mirror_import("gaze-study")
    staff = token_client(make_user("root", is_staff=True))
    reader = token_client(make_user("reader", read_only=True))
    shown = {client: client.get("/import-runs").json()["results"] for client in (staff, reader)}
    assert sorted(run["origin"] for run in shown[staff]) == sorted(
        ["api", str(export), str(missing)])
    assert "secret-folder" in " ".join(run["error"] for run in shown[staff])
    for client in (api, reader):
        body = client.get("/import-runs").content.decode()
        runs = client.get("/import-runs").json()["results"]
        assert sorted(run["origin"] for run in runs) == ["api", "file", "file"]
        assert str(tmp_path) not in body and "secret-folder" not in body
        failed = next(run for run in runs if run["status"] == "failed")
        assert "does not exist" in failed["error"]
