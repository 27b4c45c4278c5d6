"""The admin: every model lists, searches, filters, adds and edits, in a fixed number of queries."""
import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token, TokenProxy

from mirror.actions.models import Session
from mirror.core.admin import upstream_fields
from mirror.data.models import (
    DataFormat,
    DataRepository,
    Dataset,
    DatasetType,
    FileRecord,
    Revision,
    Tag,
)
from mirror.people.models import Lab, User
from mirror.subjects.models import Project, Subject
from tests import factories

UPSTREAM = "labvanced"


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Admin pages link static files; tests have no collected manifest, so skip hashing."""
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def make_token(i: int) -> TokenProxy:
    token = Token.objects.create(user=factories.make_user(f"tokenuser{i:02d}"))
    return TokenProxy.objects.get(key=token.key)  # the admin's model: its pk is the user's


def make_member(i: int, **provenance) -> User:
    user = factories.make_user(f"user{i:02d}", **provenance)
    user.labs.add(factories.make_lab(f"userlab{i:02d}"))
    return user


@dataclass(frozen=True)
class Case:
    """One admin under test: how to make its i-th record, a term matching record 1, a filter."""

    model: type
    build: Callable[..., object]
    search: str
    filter: str  # a list-filter query string that every record `build` makes matches


CASES = {
    "lab": Case(Lab, lambda i, **p: factories.make_lab(f"lab{i:02d}", timezone="Europe/London",
                                                      **p), "lab01", "timezone=Europe/London"),
    "user": Case(User, lambda i, **p: make_member(i, **p), "user01", "is_staff__exact=0"),
    "project": Case(Project, lambda i, **p: factories.make_project(f"project{i:02d}", **p),
                    "project01", "source__exact=local"),
    "subject": Case(Subject, lambda i, **p: factories.make_subject(
        f"SUBJ{i:02d}", lab=factories.make_lab(f"sublab{i:02d}"),
        responsible_user=factories.make_user(f"keeper{i:02d}"), **p), "SUBJ01",
        "alive=yes&sex__exact=U"),
    "session": Case(Session, lambda i, **p: factories.make_session(
        subject=factories.make_subject(f"SESS{i:02d}", lab=factories.make_lab(f"seslab{i:02d}")),
        start_time=datetime.datetime(2020, 1 + i % 12, 1, 10, 0), **p), "SESS01",
        "start_time__year=2020&qc__exact=0"),
    "datarepository": Case(DataRepository, lambda i, **p: DataRepository.objects.create(
        name=f"repo{i:02d}", **p), "repo01", "repository_type__exact=local"),
    "dataformat": Case(DataFormat, lambda i, **p: DataFormat.objects.create(
        name=f"format{i:02d}", **p), "format01", "source__exact=local"),
    "datasettype": Case(DatasetType, lambda i, **p: DatasetType.objects.create(
        name=f"type{i:02d}", created_by=factories.make_user(f"maker{i:02d}"), **p), "type01",
        "source__exact=local"),
    "revision": Case(Revision, lambda i, **p: Revision.objects.create(name=f"rev{i:02d}", **p),
                     "rev01", "source__exact=local"),
    "tag": Case(Tag, lambda i, **p: Tag.objects.create(name=f"tag{i:02d}", **p), "tag01",
                "protected__exact=0&public__exact=0"),
    "dataset": Case(Dataset, lambda i, **p: factories.make_dataset(
        f"_ibl_obj{i:02d}.times.npy", session=factories.make_session(
            subject=factories.make_subject(f"DSUBJ{i:02d}")),
        revision=Revision.objects.create(name=f"dsrev{i:02d}"),
        dataset_type=DatasetType.objects.create(name=f"dstype{i:02d}"), **p),
        "obj01", "qc__exact=0&default_dataset__exact=1"),
    "filerecord": Case(
        FileRecord,
        lambda i, **p: factories.make_file_record(
            f"lab/Subjects/s/2020-01-01/001/alf/_ibl_obj{i:02d}.times.npy", exists=True,
            repository=DataRepository.objects.create(name=f"frrepo{i:02d}"), **p),
        "obj01", "exists__exact=1"),
    "token": Case(TokenProxy, lambda i: make_token(i), "tokenuser01", "created__gte=2000-01-01"),
}
MIRROR_CASES = [name for name in CASES if name != "token"]


def url(case: Case, view: str, *args) -> str:
    opts = case.model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def imported(i: int) -> dict:
    return {"source": UPSTREAM, "source_id": f"up-{i}"}


def shown_fields(adminform) -> set[str]:
    names = set()
    for _, options in adminform.fieldsets:
        for entry in options["fields"]:
            names.update(entry if isinstance(entry, (list, tuple)) else [entry])
    return names


def test_every_model_has_an_admin_and_a_case():
    """A model added to an app without an admin page (or without a case here) fails this test."""
    for label in ("people", "subjects", "actions", "data"):
        for model in apps.get_app_config(label).get_models():
            assert admin.site.is_registered(model), model
            assert model in {case.model for case in CASES.values()}, model


@pytest.mark.parametrize("name", CASES)
def test_changelist_lists_searches_and_filters(admin_client, name):
    """The list shows the records, a search finds one, a list filter is accepted."""
    case = CASES[name]
    for i in range(3):
        case.build(i)
    response = admin_client.get(url(case, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 3
    response = admin_client.get(url(case, "changelist"), {"q": case.search})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    response = admin_client.get(f"{url(case, 'changelist')}?{case.filter}")
    assert response.status_code == 200  # an unknown lookup would redirect to ?e=1
    assert response.context["cl"].result_count == 3


@pytest.mark.parametrize("name", MIRROR_CASES)
def test_uuid_search_and_source_filter(admin_client, name):
    """A UUID finds exactly its record; the source filter separates imported records."""
    case = CASES[name]
    records = [case.build(0), case.build(1), case.build(2, **imported(2))]
    response = admin_client.get(url(case, "changelist"), {"q": str(records[1].pk)})
    assert [row.pk for row in response.context["cl"].result_list] == [records[1].pk]
    response = admin_client.get(url(case, "changelist"), {"source__exact": UPSTREAM})
    assert [row.pk for row in response.context["cl"].result_list] == [records[2].pk]


@pytest.mark.parametrize("name", CASES)
def test_add_and_change_pages_render(admin_client, name):
    """The add page and an existing record's change page render."""
    case = CASES[name]
    record = case.build(0)
    assert admin_client.get(url(case, "add")).status_code == 200
    assert admin_client.get(url(case, "change", record.pk)).status_code == 200


@pytest.mark.parametrize("name", MIRROR_CASES)
def test_imported_record_keeps_upstream_fields(admin_client, name):
    """Upstream fields are read-only on an imported record, editable on a local one."""
    case = CASES[name]
    locked = set(upstream_fields(case.model))
    local = admin_client.get(url(case, "change", case.build(0).pk)).context["adminform"]
    assert locked <= set(local.form.fields)
    adminform = admin_client.get(url(case, "change", case.build(1, **imported(1)).pk)
                                 ).context["adminform"]
    assert locked <= shown_fields(adminform)  # every field the API shows is on the page
    assert not locked & set(adminform.form.fields)
    assert locked <= set(adminform.readonly_fields)
    annotations = set(case.model.ANNOTATION_FIELDS) & shown_fields(adminform)
    assert annotations and annotations <= set(adminform.form.fields)


@pytest.mark.parametrize("name", CASES)
def test_changelist_queries_do_not_grow_with_rows(admin_client, name):
    """Twenty rows cost the same queries as two: no per-row queries in the list."""
    case = CASES[name]
    for i in range(2):
        case.build(i)
    admin_client.get(url(case, "changelist"))  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url(case, "changelist"))
    for i in range(2, 20):
        case.build(i)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url(case, "changelist"))
    assert response.context["cl"].result_count >= 20
    assert len(many.captured_queries) == len(few.captured_queries), [
        query["sql"] for query in many.captured_queries]


def test_posting_to_an_imported_record_changes_annotations_only(admin_client):
    """A forged upstream field is ignored; the annotation is saved."""
    subject = factories.make_subject("SUBJ01", **imported(1))
    response = admin_client.post(url(CASES["subject"], "change", subject.pk), {
        "nickname": "renamed", "description": "left-handed", "json": "null"})
    assert response.status_code == 302
    subject.refresh_from_db()
    assert (subject.nickname, subject.description) == ("SUBJ01", "left-handed")


def test_file_record_inline_locks_imported_rows(admin_client):
    """On a dataset's page an imported file record is disabled, a local one editable."""
    dataset = factories.make_dataset("_ibl_obj.times.npy")
    factories.make_file_record("a/_ibl_obj.times.npy", dataset=dataset, **imported(1))
    factories.make_file_record("b/_ibl_obj.times.npy", dataset=dataset)
    response = admin_client.get(url(CASES["dataset"], "change", dataset.pk))
    forms = response.context["inline_admin_formsets"][0].formset.forms
    by_path = {form.instance.relative_path: form for form in forms}
    imported_form, local_form = by_path["a/_ibl_obj.times.npy"], by_path["b/_ibl_obj.times.npy"]
    assert imported_form.fields["relative_path"].disabled
    assert imported_form.fields["DELETE"].disabled
    assert not local_form.fields["relative_path"].disabled
    assert not local_form.fields["DELETE"].disabled


def test_imported_and_protected_records_cannot_be_deleted(admin_client):
    """As over the API: imported records are deleted upstream, protected datasets not at all."""
    session = factories.make_session()
    imported_dataset = factories.make_dataset("_ibl_a.times.npy", session=session, **imported(1))
    protected = factories.make_dataset("_ibl_b.times.npy", session=session)
    protected.tags.add(Tag.objects.create(name="frozen", protected=True))
    local = factories.make_dataset("_ibl_c.times.npy", session=session)
    case = CASES["dataset"]
    assert admin_client.get(url(case, "delete", imported_dataset.pk)).status_code == 403
    assert admin_client.get(url(case, "delete", protected.pk)).status_code == 403
    assert admin_client.get(url(case, "delete", local.pk)).status_code == 200
    response = admin_client.get(url(CASES["session"], "delete", session.pk))
    assert response.context["perms_lacking"]  # the cascade would delete the imported dataset


def test_token_key_is_never_shown(admin_client, admin_user):
    """The token list, the token page and a user's delete page mask the key."""
    token = Token.objects.create(user=factories.make_user("bob"))
    case = CASES["token"]
    pages = [url(case, "changelist"), url(case, "change", token.user_id),
             url(CASES["user"], "delete", token.user_id)]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200
        assert token.key not in response.content.decode(), page
    assert f"{token.key[:4]}…" in admin_client.get(pages[0]).content.decode()


def test_token_added_in_the_admin_leaves_no_key_in_messages_or_log(admin_client):
    """The success message and the recent-actions log name the token by its masked key."""
    carol = factories.make_user("carol")
    response = admin_client.post(url(CASES["token"], "add"), {"user": carol.pk}, follow=True)
    key = Token.objects.get(user=carol).key
    assert response.status_code == 200
    assert key not in response.content.decode()
    assert key not in LogEntry.objects.get().object_repr
    assert key not in admin_client.get(reverse("admin:index")).content.decode()


def test_user_added_in_the_admin_is_a_local_mirror_user(admin_client):
    """Django's add-user form works with the custom user model and makes a local record."""
    response = admin_client.post(url(CASES["user"], "add"), {
        "username": "dave", "usable_password": "true", "password1": "a-long-password-1",
        "password2": "a-long-password-1"})
    assert response.status_code == 302
    dave = User.objects.get(username="dave")
    assert dave.source == "local" and dave.check_password("a-long-password-1")


def test_session_page_shows_a_few_datasets_and_links_to_all(admin_client):
    """The session's inline is capped; its link lists every dataset of the session."""
    session = factories.make_session()
    for i in range(25):
        factories.make_dataset(f"_ibl_obj{i:02d}.times.npy", session=session)
    response = admin_client.get(url(CASES["session"], "change", session.pk))
    assert len(response.context["inline_admin_formsets"][0].formset.forms) == 20
    assert "All datasets (25)" in response.content.decode()
    response = admin_client.get(url(CASES["dataset"], "changelist"),
                                {"session__id__exact": str(session.pk)})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 25


def test_session_page_queries_do_not_grow_with_datasets(admin_client):
    """The dataset inline loads its rows with their types in a fixed number of queries."""
    session = factories.make_session(start_time=datetime.datetime(2021, 5, 1, 9, 0))
    page = url(CASES["session"], "change", session.pk)
    factories.make_dataset("_ibl_first.times.npy", session=session)
    admin_client.get(page)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(page)
    for i in range(15):
        factories.make_dataset(f"_ibl_obj{i:02d}.times.npy", session=session,
                               revision=Revision.objects.get_or_create(name=f"r{i}")[0])
    with CaptureQueriesContext(connection) as many:
        admin_client.get(page)
    assert len(many.captured_queries) == len(few.captured_queries)
