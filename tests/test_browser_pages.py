"""The pages people browse: the browsable API's Filters dialog, Markdown descriptions, the
mirror's branding and icon, the admin's sessions list, JSON fields and connection page."""
import re

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from importers.models import Connection, ImportRun
from mirror.actions.models import Session
from mirror.data.models import DataRepository
from mirror.people.models import Lab
from tests import factories

HTML = {"HTTP_ACCEPT": "text/html"}


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def filters_form(page: str) -> str:
    return page.split('id="filtersModal"', 1)[1].split("</form>", 1)[0]


def test_filters_dialog_has_every_filter_named_as_in_the_url(admin_client, lab_world):
    page = admin_client.get("/sessions?subject=SUBJ01", **HTML).content.decode()
    form = filters_form(page)
    for name in ("subject", "date_range", "dataset_types", "django", "source", "qc"):
        assert f'name="{name}"' in form, name
        assert f">{name}:</label>" in form, name
    assert 'value="SUBJ01"' in form  # filled in from the query
    assert "`" not in form  # help texts are plain text in a form


def test_the_filters_form_submitted_empty_filters_nothing(admin_client, lab_world):
    """Submitting the dialog sends every field, most of them empty: that is no filter."""
    form = filters_form(admin_client.get("/sessions", **HTML).content.decode())
    names = sorted(set(re.findall(r'name="(\w+)"', form)))
    everything = admin_client.get("/sessions").json()["count"]
    response = admin_client.get("/sessions?" + "&".join(f"{name}=" for name in names))
    assert response.status_code == 200 and response.json()["count"] == everything


def test_descriptions_are_rendered_as_markdown(admin_client, db):
    page = admin_client.get("/sessions", **HTML).content.decode()
    assert "<code>/sessions?subject=" in page
    assert "`/sessions?subject=" not in page


def test_pages_are_branded_with_the_mirrors_icon(admin_client, client, db):
    api = admin_client.get("/", **HTML).content.decode()
    assert "Alyx mirror</span>" in api and "Django REST framework" not in api
    assert "<title>Endpoint Index – Alyx mirror</title>" in api
    admin_page = admin_client.get("/admin/").content.decode()
    assert "Alyx mirror administration" in admin_page and "Django administration" not in admin_page
    for page in (api, admin_page, client.get("/docs").content.decode()):
        assert "mirror/favicon.svg" in page
    icon = client.get("/favicon.ico")
    assert icon.status_code == 302 and icon["Location"] == "/static/mirror/favicon.svg"
    assert finders.find("mirror/favicon.svg")  # collectstatic serves it; DEBUG, the finders


def test_sessions_list_shows_what_a_lab_scans_for(admin_client, lab_world):
    page = admin_client.get("/admin/actions/session/").content.decode()
    headers = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', page)
    assert headers == ["started", "subject_nickname", "number", "task_protocol", "n_trials",
                       "qc", "source"]
    assert 'white-space:nowrap">SUBJ01<' in page


def test_empty_json_fields_are_empty_not_null(admin_client, lab_world):
    session = Session.objects.filter(source="local").first()
    session.extended_qc = None
    session.save()
    page = admin_client.get(f"/admin/actions/session/{session.pk}/change/").content.decode()
    textarea = re.search(r'<textarea name="extended_qc"[^>]*>(.*?)</textarea>', page, re.S)
    assert textarea.group(1).strip() == ""
    form = {"subject": session.subject_id, "lab": session.lab_id, "number": session.number,
            "start_time_0": f"{session.start_time:%Y-%m-%d}",
            "start_time_1": f"{session.start_time:%H:%M:%S}", "type": session.type,
            "qc": session.qc, "extended_qc": "", "json": "", "users": [], "projects": [],
            "task_protocol": session.task_protocol, "name": "", "narrative": "",
            "data_dataset_session_related-TOTAL_FORMS": 0,
            "data_dataset_session_related-INITIAL_FORMS": 0}
    response = admin_client.post(f"/admin/actions/session/{session.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    session.refresh_from_db()
    assert session.extended_qc is None and session.json is None


@pytest.fixture
def connection_with_runs(db, settings):
    settings.MIRROR_PUBLIC_URL = "https://mirror.example.org"
    lab = Lab.objects.create(name="gazelab")
    repository = DataRepository.objects.create(name="gazelab_labvanced")
    connection = Connection.objects.create(
        name="gaze", source="labvanced", base_url="https://www.labvanced.com",
        credential="secret-credential-value", target="4107", lab=lab, repository=repository)
    for i in range(7):
        ImportRun.objects.create(connection=connection, status="succeeded",
                                 finished_at=timezone.now(),
                                 counts={"kinds": {"sessions": {"created": i}}})
    ImportRun.objects.create(connection=connection, status="failed", dry_run=True,
                             error="HTTP 401 from Labvanced: the token was refused.\nmore detail")
    return connection


def test_connection_page_shows_recent_runs_credential_and_webhook(admin_client,
                                                                  connection_with_runs):
    connection = connection_with_runs
    page = admin_client.get(f"/admin/importers/connection/{connection.pk}/change/")
    page = page.content.decode()
    assert f"https://mirror.example.org/hooks/labvanced/{connection.webhook_token}" in page
    assert "secret-credential-value" not in page
    assert "Credential stored" in page
    runs = page.split("Last 5 import runs", 1)[1]
    assert runs.count("form-row has_original") == 5
    assert "failed" in runs and "HTTP 401 from Labvanced: the token was refused." in runs
    assert "more detail" not in runs
    assert "sessions 6 created" in runs and "sessions 1 created" not in runs  # newest first
    assert "All runs (8)" in page and f"connection__id__exact={connection.pk}" in page


def test_view_only_staff_see_no_webhook_url(client, connection_with_runs):
    viewer = factories.make_user("viewer", is_staff=True)
    from django.contrib.auth.models import Permission
    viewer.user_permissions.add(Permission.objects.get(codename="view_connection"))
    client.force_login(viewer)
    page = client.get(f"/admin/importers/connection/{connection_with_runs.pk}/change/")
    assert page.status_code == 200
    assert connection_with_runs.webhook_token not in page.content.decode()
