"""The read fast path (mirror.core.rows) renders exactly what the DRF serializers render."""
import json

import pytest
from rest_framework.test import APIRequestFactory

from mirror.actions.models import Session
from mirror.actions.serializers import SessionListSerializer, SessionSerializer
from mirror.core.rows import Rows, row_values
from mirror.data.dataset_serializers import DatasetSerializer
from mirror.data.models import DataRepository, Dataset, FileRecord, Revision, Tag
from tests import factories


@pytest.fixture
def rich_world(user):
    """Edge cases: tags, a revision, a personal copy, a dataset of no session, a child session."""
    world = factories.make_world(user, n_subjects=2, sessions_per_subject=2)
    personal = DataRepository.objects.create(name="rig", globus_is_personal=True,
                                             data_url="http://rig.example.org/files")
    protected = Tag.objects.create(name="frozen", protected=True)
    public = Tag.objects.create(name="released", public=True)
    revision = Revision.objects.create(name="2024-01-01")
    first = world.datasets[0]
    first.tags.add(protected, public)
    FileRecord.objects.create(dataset=first, data_repository=personal,
                              relative_path="x/y/_ibl_trials.table.csv", exists=True)
    Dataset.objects.filter(pk=world.datasets[1].pk).update(revision=revision, qc=40,
                                                           json={"a": [1, 2]})
    orphan = factories.make_dataset("orphan.npy", session=world.sessions[0])
    Dataset.objects.filter(pk=orphan.pk).update(session=None)
    child = world.sessions[1]
    child.parent_session = world.sessions[0]
    child.extended_qc = {"task": 0.5}
    child.save()
    child.projects.add(factories.make_project("another"))
    return world


def _same(fast, drf) -> bool:
    """Equal values with keys in the same order (the JSON is compared byte for byte)."""
    return json.dumps(fast) == json.dumps(drf)


def _context():
    return {"request": APIRequestFactory().get("/")}


@pytest.mark.parametrize(("serializer", "model", "ordering"), [
    (SessionListSerializer, Session, ("-start_time", "id")),
    (DatasetSerializer, Dataset, ("-created_datetime", "id")),
], ids=["sessions", "datasets"])
def test_list_rows(rich_world, serializer, model, ordering):
    """Both ways a page's rows arrive (values() dicts, and the cursor path with text keys and
    times) render what DRF renders."""
    queryset = model.objects.order_by(*ordering)
    drf = serializer(serializer.eager_load(queryset), many=True, context=_context()).data
    for rows in (list(row_values(queryset, serializer)),
                 Rows(row_values(queryset, serializer), queryset.all)[0:100]):
        assert _same(serializer.render_rows(rows, _context()["request"]), drf)


def test_session_detail_record(rich_world):
    for session in rich_world.sessions:
        queryset = Session.objects.filter(pk=session.pk)
        drf = SessionSerializer(SessionSerializer.eager_load(queryset).get(),
                                context=_context()).data
        assert _same(SessionSerializer.render_record(session.pk, _context()["request"]), drf)
