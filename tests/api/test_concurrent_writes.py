"""Two PATCHes of different fields of one record, both read before either writes, keep both."""
import threading

import pytest
import requests
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import NotFound
from rest_framework.test import APIRequestFactory

from mirror.core.viewsets import MirrorViewSet
from mirror.urls import ENDPOINTS
from tests import factories
from tests.api.resources import RESOURCES

# Per endpoint, two PATCH bodies that change different fields.
TWO_CHANGES = {
    "labs": ({"institution": "Somewhere"}, {"address": "1 Lab Road"}),
    "users": ({"first_name": "Robert"}, {"last_name": "Jones"}),
    "projects": ({"description": "A longer study."}, {"json": {"grant": 7}}),
    "subjects": ({"species": "Homo sapiens"}, {"strain": "none"}),
    "sessions": ({"narrative": "Went well."}, {"n_trials": 120}),
    "datasets": ({"version": "1.1"}, {"qc": "WARNING"}),
    "files": ({"exists": True}, {"name": "second copy"}),
    "data-repository": ({"hostname": "files.example.org"}, {"timezone": "Europe/Paris"}),
    "data-formats": ({"description": "JSON."}, {"python_loader_function": "json.load"}),
    "dataset-types": ({"description": "Wheel angle."}, {"filename_pattern": "*wheel.angle.*"}),
    "revisions": ({"description": "Second fix."}, {"json": {"reason": "spikes"}}),
    "tags": ({"description": "Released."}, {"public": True}),
}


def _record_id(record: dict) -> str:
    return record.get("id") or record["url"][-36:]


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_updates_of_instances_read_before_either_write_keep_both(lab_world, writer, resource):
    """Each serializer saves only the fields its request changed, whatever the other wrote."""
    client = writer(resource)
    created = client.post(f"/{resource.endpoint}", resource.create(lab_world), format="json")
    assert created.status_code == 201, created.content
    pk = _record_id(created.json())
    viewset = ENDPOINTS[resource.endpoint]
    request = APIRequestFactory().patch("/")
    request.user = factories.make_user("writer2", is_staff=True)
    first, second = (viewset.queryset.get(pk=pk) for _ in range(2))  # both read first
    for instance, change in zip((first, second), TWO_CHANGES[resource.endpoint], strict=True):
        serializer = viewset.serializer_class(instance, data=change, partial=True,
                                              context={"request": request})
        assert serializer.is_valid(), serializer.errors
        serializer.save()
    record = client.get(f"/{resource.endpoint}/{pk}").json()
    for change in TWO_CHANGES[resource.endpoint]:
        assert {name: record[name] for name in change} == change


@pytest.mark.django_db(transaction=True)
def test_concurrent_http_patches_keep_both_fields(live_server, monkeypatch, user):
    """Two real requests on the live server: both load the session, then both write."""
    world = factories.make_world(user, n_subjects=1, sessions_per_subject=1)
    session = world.sessions[0]
    barrier = threading.Barrier(2, timeout=20)
    real_update = MirrorViewSet.perform_update

    def update_after_both_read(self, serializer):
        barrier.wait()  # each request has read the record; neither has written
        real_update(self, serializer)

    monkeypatch.setattr(MirrorViewSet, "perform_update", update_after_both_read)
    headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    url = f"{live_server.url}/sessions/{session.pk}"
    changes = ({"narrative": "Participant was tired."}, {"n_trials": 120})
    answers = []

    def patch(body):
        answers.append(requests.patch(url, json=body, headers=headers, timeout=30))

    threads = [threading.Thread(target=patch, args=(body,)) for body in changes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=40)
    assert [answer.status_code for answer in answers] == [200, 200], [a.text for a in answers]
    session.refresh_from_db()
    assert (session.narrative, session.n_trials) == ("Participant was tired.", 120)


def test_patch_of_a_record_deleted_meanwhile_is_404(api, lab_world):
    """A record gone between the read and the write is 404, not a 500."""
    dataset = factories.dataset_without_file(lab_world.sessions[0])
    viewset = ENDPOINTS["datasets"]
    instance = viewset.queryset.get(pk=dataset.pk)
    dataset.delete()
    request = APIRequestFactory().patch("/")
    request.user = lab_world.user
    serializer = viewset.serializer_class(instance, data={"version": "2"}, partial=True,
                                          context={"request": request})
    assert serializer.is_valid(), serializer.errors
    with pytest.raises(NotFound):
        serializer.save()


def test_a_partial_save_of_a_session_without_a_lab_writes_its_subjects_lab(lab_world):
    """Session.save derives the lab from the subject; with update_fields it writes that too."""
    session = lab_world.sessions[0]
    type(session).objects.filter(pk=session.pk).update(lab=None)
    session.refresh_from_db()
    session.narrative = "Lab comes from the subject."
    session.save(update_fields=["narrative"])
    session.refresh_from_db()
    assert session.lab_id == session.subject.lab_id is not None


def test_a_failed_list_leaves_the_columns_of_a_save_unchanged(lab_world, monkeypatch):
    """save_changes writes columns and to-many lists in one transaction."""
    from django.db import IntegrityError

    from mirror.core.serializers import save_changes

    session = lab_world.sessions[0]
    manager = type(session.users)

    def broken_set(self, objs, **kwargs):
        raise IntegrityError("the list could not be written")

    monkeypatch.setattr(manager, "set", broken_set)
    with pytest.raises(IntegrityError):
        save_changes(session, {"narrative": "Half written?", "users": []})
    session.refresh_from_db()
    assert session.narrative != "Half written?"
