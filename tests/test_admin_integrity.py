"""The admin keeps the API's integrity rules: protected and imported data survive every delete
(single, cascading, bulk), and staff flagged read-only only read."""
import datetime

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse

from importers.models import Connection
from mirror.actions.models import Session
from mirror.data.models import DataRepository, Dataset, FileRecord, Tag
from tests import factories


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def frozen(db):
    """A dataset with a file record, carrying the protected tag `published`."""
    dataset = factories.make_dataset("_ibl_a.times.npy")
    factories.make_file_record("lab/a/_ibl_a.times.npy", dataset=dataset, exists=True)
    dataset.tags.add(Tag.objects.create(name="published", protected=True))
    return dataset


def _bulk_delete(client, model, pks):
    return client.post(_url(model, "changelist"), {
        "action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: [str(pk) for pk in pks],
        "post": "yes"})


def test_session_with_a_protected_dataset_cannot_be_deleted(admin_client, frozen):
    page = _url(Session, "delete", frozen.session_id)
    response = admin_client.get(page)
    assert response.status_code == 200
    assert any("protected" in str(item) for item in response.context["protected"])
    admin_client.post(page, {"post": "yes"})
    assert Dataset.objects.filter(pk=frozen.pk).exists()


def test_bulk_delete_keeps_protected_datasets_and_their_sessions(admin_client, frozen):
    local = factories.make_dataset("_ibl_b.times.npy", session=frozen.session)
    response = _bulk_delete(admin_client, Dataset, [frozen.pk, local.pk])
    assert response.status_code == 200  # the confirmation page again, naming what blocks
    assert Dataset.objects.filter(pk__in=[frozen.pk, local.pk]).count() == 2
    _bulk_delete(admin_client, Session, [frozen.session_id])
    assert Session.objects.filter(pk=frozen.session_id).exists()


def test_copy_of_a_protected_dataset_cannot_be_deleted(admin_client, frozen):
    copy = frozen.file_records.get()
    assert admin_client.get(_url(FileRecord, "delete", copy.pk)).status_code == 403
    _bulk_delete(admin_client, FileRecord, [copy.pk])
    assert FileRecord.objects.filter(pk=copy.pk).exists()


def test_protected_dataset_page_cannot_delete_its_copies(admin_client, frozen):
    response = admin_client.get(_url(Dataset, "change", frozen.pk))
    (form,) = response.context["inline_admin_formsets"][0].formset.forms
    assert form.fields["DELETE"].disabled


def test_parent_of_an_imported_session_cannot_be_deleted(admin_client, db):
    subject = factories.make_subject("SUBJ01")
    parent = factories.make_session(subject=subject)
    factories.make_session(subject=subject, parent_session=parent, source="labvanced",
                           source_id="4107/9", start_time=datetime.datetime(2020, 1, 1, 11))
    admin_client.post(_url(Session, "delete", parent.pk), {"post": "yes"})
    assert Session.objects.filter(pk=parent.pk).exists()


def test_staff_may_delete_a_protected_tag_then_the_dataset(admin_client, frozen):
    """Unprotecting is staff's to do, and the admin is staff's."""
    tag = Tag.objects.get(name="published")
    assert admin_client.post(_url(Tag, "delete", tag.pk), {"post": "yes"}).status_code == 302
    assert admin_client.post(_url(Dataset, "delete", frozen.pk),
                             {"post": "yes"}).status_code == 302
    assert not Dataset.objects.filter(pk=frozen.pk).exists()


def test_local_session_deletes_as_before(admin_client, db):
    session = factories.make_session()
    factories.make_dataset("_ibl_c.times.npy", session=session)
    assert admin_client.post(_url(Session, "delete", session.pk),
                             {"post": "yes"}).status_code == 302
    assert not Session.objects.filter(pk=session.pk).exists()


# Staff flagged read-only.

@pytest.fixture
def read_only_staff(db):
    return factories.make_user("auditor", is_staff=True, is_superuser=True, read_only=True)


@pytest.mark.parametrize("model_admin", list(admin.site._registry.values()),
                         ids=lambda model_admin: str(model_admin))
def test_every_admin_refuses_writes_to_read_only_staff(read_only_staff, model_admin):
    """Every page of the admin, Django's own (groups) included: reading stays, writing goes."""
    request = RequestFactory().get("/admin/")
    request.user = read_only_staff
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_read_only_staff_reads_but_cannot_post(client, read_only_staff):
    client.force_login(read_only_staff)
    subject = factories.make_subject("SUBJ01")
    page = _url(type(subject), "change", subject.pk)
    assert client.get(page).status_code == 200
    client.post(page, {"nickname": "renamed", "lab": subject.lab_id, "sex": "U"})
    subject.refresh_from_db()
    assert subject.nickname == "SUBJ01"
    assert client.post(_url(type(subject), "delete", subject.pk),
                       {"post": "yes"}).status_code == 403
    assert client.get(_url(type(subject), "add")).status_code == 403


@pytest.fixture
def connection(db):
    return Connection.objects.create(
        name="gaze-study", source="labvanced", target="4107", credential="lv-secret-token-123",
        lab=factories.make_lab("gazelab"),
        repository=DataRepository.objects.create(name="gazelab_labvanced"))


def _view_only_staff():
    user = factories.make_user("viewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_connection"))
    return user


@pytest.mark.parametrize("make_viewer", [lambda: factories.make_user(
    "auditor", is_staff=True, is_superuser=True, read_only=True), _view_only_staff],
    ids=["read-only superuser", "staff with view permission"])
def test_view_only_connection_page_shows_no_secret(client, admin_client, connection,
                                                   make_viewer):
    """A view-only page prints fields as text: the credential and the webhook path stay off."""
    page = _url(Connection, "change", connection.pk)
    assert connection.webhook_token in admin_client.get(page).content.decode()
    client.force_login(make_viewer())
    response = client.get(page)
    assert response.status_code == 200 and "gaze-study" in response.content.decode()
    assert connection.webhook_token not in response.content.decode()
    assert "lv-secret-token-123" not in response.content.decode()


def test_admin_keeps_the_importers_json(admin_client, db):
    """As over the API: json.<source> of an imported record is the importer's."""
    subject = factories.make_subject("SUBJ01", source="labvanced", source_id="4107/s1",
                                     json={"labvanced": {"code": "s1"}, "note": "a"})
    page = _url(type(subject), "change", subject.pk)
    response = admin_client.post(page, {"description": "", "json": '{"labvanced": {"code": "x"}}'})
    assert response.status_code == 200 and "json.labvanced" in response.content.decode()
    response = admin_client.post(page, {"description": "",
                                        "json": '{"labvanced": {"code": "s1"}, "note": "b"}'})
    assert response.status_code == 302
    subject.refresh_from_db()
    assert subject.json == {"labvanced": {"code": "s1"}, "note": "b"}


def test_a_leaked_webhook_url_can_be_replaced(admin_client, client, connection):
    """The webhook's path is its only credential: the admin makes a new one on request."""
    old = connection.webhook_token
    page = _url(Connection, "change", connection.pk)
    form = {"name": "gaze-study", "source": "labvanced", "base_url": "", "credential": "",
            "target": "4107", "lab": connection.lab_id, "repository": connection.repository_id,
            "settings": "{}", "enabled": "on", "new_webhook_url": "on",
            "runs-TOTAL_FORMS": "0", "runs-INITIAL_FORMS": "0"}
    response = admin_client.post(page, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    connection.refresh_from_db()
    assert connection.webhook_token != old and connection.credential == "lv-secret-token-123"
    hook = client.post(f"/hooks/labvanced/{old}/recordTrial", "{}",
                       content_type="application/json")
    assert hook.status_code == 404


def _form_data(admin_client, page) -> dict:
    """What the admin page's form would post back unchanged (inline formsets included)."""
    context = admin_client.get(page).context
    data = {}
    for form in [context["adminform"].form, *(form for formset in
                 context["inline_admin_formsets"] for form in formset.formset.forms)]:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = (value if not isinstance(value, (list, tuple))
                                           else [str(item) for item in value])
    for formset in context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(name): management[name].value()
                     for name in management.fields})
    return data


@pytest.mark.parametrize("change", [{"relative_path": "elsewhere/a.npy"}, {"exists": False}])
def test_the_admin_cannot_move_a_protected_copy(admin_client, frozen, change):
    copy = frozen.file_records.get()
    page = _url(FileRecord, "change", copy.pk)
    data = {**_form_data(admin_client, page), **change}
    data = {name: value for name, value in data.items() if value is not False}
    response = admin_client.post(page, data)
    assert response.status_code == 200 and "protected" in response.content.decode()
    assert FileRecord.objects.get(pk=copy.pk).relative_path == copy.relative_path
    assert FileRecord.objects.get(pk=copy.pk).exists


def test_the_dataset_page_cannot_move_a_protected_copy(admin_client, frozen):
    page = _url(Dataset, "change", frozen.pk)
    data = _form_data(admin_client, page)
    (path_key,) = [name for name in data if name.endswith("-relative_path")]
    response = admin_client.post(page, {**data, path_key: "elsewhere/a.npy"})
    assert response.status_code == 200 and "protected" in response.content.decode()
    assert frozen.file_records.get().relative_path == "lab/a/_ibl_a.times.npy"


def test_the_admin_cannot_retire_a_protected_default_revision(admin_client, frozen):
    data = {name: value for name, value in _form_data(
        admin_client, _url(Dataset, "change", frozen.pk)).items() if "-" not in name}
    data.update({"file_records-TOTAL_FORMS": "0", "file_records-INITIAL_FORMS": "0",
                 "default_dataset": "on"})
    response = admin_client.post(_url(Dataset, "add"), data)
    assert response.status_code == 200 and "protected" in response.content.decode()
    assert Dataset.objects.filter(name=frozen.name).count() == 1
    assert Dataset.objects.get(pk=frozen.pk).default_dataset


def test_the_admins_delete_checks_and_deletes_in_one_go(frozen, rf, admin_user):
    """delete_queryset, called with a protected dataset among others, deletes none of them."""
    other = factories.make_dataset("_ibl_b.times.npy")
    request = rf.post("/")
    request.user = admin_user
    with pytest.raises(PermissionDenied, match="protected"):
        admin.site._registry[Dataset].delete_queryset(
            request, Dataset.objects.filter(pk__in=[frozen.pk, other.pk]))
    assert Dataset.objects.filter(pk__in=[frozen.pk, other.pk]).count() == 2
