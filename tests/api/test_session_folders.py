"""A session's folder `<lab>/Subjects/<subject>/<date>/<NNN>` is its own (issue 11, item 3)."""
import datetime

from mirror.actions.models import Session


def test_a_taken_number_is_refused_naming_the_next_free_one(api, lab_world):
    taken = lab_world.sessions[0]
    body = {"subject": taken.subject.nickname, "start_time": "2020-01-01T18:00:00",
            "number": taken.number}
    response = api.post("/sessions", body, format="json")
    assert response.status_code == 400
    message = response.json()["number"][0]
    assert str(taken.pk) in message and "next free number is 2" in message
    assert api.post("/sessions", {**body, "number": 2}, format="json").status_code == 201


def test_moving_a_session_onto_a_taken_folder_is_refused(api, lab_world):
    first, second = lab_world.sessions[:2]  # one subject, two days, both number 1
    response = api.patch(f"/sessions/{second.pk}", {"start_time": "2020-01-01T12:00:00"},
                         format="json")
    assert response.status_code == 400 and "number" in response.json()
    assert Session.objects.get(pk=second.pk).start_time == datetime.datetime(2020, 1, 2, 10, 0)


def test_saving_a_session_again_is_fine(api, lab_world):
    session = lab_world.sessions[0]
    record = api.get(f"/sessions/{session.pk}").json()
    keep = {key: record[key] for key in ("subject", "start_time", "number", "lab")}
    assert api.put(f"/sessions/{session.pk}", keep, format="json").status_code == 200
