"""Alyx's /sessions filters, each with the meaning the contract gives it."""
import datetime

import pytest

from mirror.core.qc import QC
from mirror.data.models import Tag
from tests import factories


def _subjects(api, **params) -> list[str]:
    response = api.get("/sessions", params)
    assert response.status_code == 200, response.content
    return sorted(record["subject"] for record in response.json()["results"])


def _error(api, **params) -> dict:
    response = api.get("/sessions", params)
    assert response.status_code == 400, response.content
    return response.json()


def test_subject_and_nickname_are_exact_any_case(api, lab_world):
    """subject=subj01 finds SUBJ01's sessions and nothing else (no partial match)."""
    assert _subjects(api, subject="subj01") == ["SUBJ01", "SUBJ01"]
    assert _subjects(api, nickname="SUBJ02") == ["SUBJ02", "SUBJ02"]
    assert _subjects(api, subject="SUBJ0") == []


def test_lab_is_exact_any_case(api, lab_world):
    assert len(_subjects(api, lab="TESTLAB")) == 4
    assert _subjects(api, lab="test") == []


@pytest.mark.parametrize("number", ["1", "001"])
def test_number_accepts_zero_padding(api, lab_world, number):
    """ONE's path2eid sends number=001."""
    assert len(_subjects(api, number=number)) == 4
    assert _subjects(api, number="2") == []


def test_number_not_a_number_is_400(api, lab_world):
    assert "number" in _error(api, number="one")


def test_date_range_is_inclusive(api, lab_world):
    """Both bounds count; ONE sends the same date twice for one day."""
    assert len(_subjects(api, date_range="2020-01-01,2020-01-01")) == 2
    assert len(_subjects(api, date_range="2020-01-01,2020-01-02")) == 4
    assert len(_subjects(api, date_range="1677-09-21,2262-04-11")) == 4


@pytest.mark.parametrize("value", ["2020-01-01", "2020-01-01,", "2020-13-01,2020-12-01",
                                   "2020-02-01,2020-01-01", "a,b"])
def test_date_range_malformed_is_400(api, lab_world, value):
    """One date, a bad date or a reversed range is refused (Alyx answers 500)."""
    assert "date_range" in _error(api, date_range=value)


def test_task_protocol_and_projects_contain(api, lab_world):
    assert len(_subjects(api, task_protocol="choiceworld")) == 4
    assert len(_subjects(api, projects="test_proj")) == 4
    assert len(_subjects(api, project="TEST")) == 4
    assert _subjects(api, projects="other") == []


def test_users_requires_all_listed(api, lab_world):
    bob = factories.make_user("bob")
    lab_world.sessions[0].users.add(bob)
    assert len(_subjects(api, users="alice")) == 4
    assert _subjects(api, users="alice,bob") == ["SUBJ01"]


def test_qc_by_name_or_number(api, lab_world):
    session = lab_world.sessions[0]
    session.qc = QC.FAIL
    session.save()
    assert _subjects(api, qc="fail") == ["SUBJ01"]
    assert _subjects(api, qc="40") == ["SUBJ01"]
    assert "qc" in _error(api, qc="terrible")


def test_datasets_needs_every_name_downloadable(api, lab_world):
    """datasets= lists names that must all exist as files on a server repository."""
    assert len(_subjects(api, datasets="_ibl_trials.table.csv")) == 4
    factories.dataset_without_file(lab_world.sessions[0])
    assert _subjects(api, datasets="_ibl_trials.table.csv,_ibl_wheel.position.npy") == []


def test_datasets_respects_qc_bound(api, lab_world):
    """Datasets above dataset_qc_lte (default FAIL) do not count."""
    dataset = lab_world.datasets[0]
    dataset.qc = QC.CRITICAL
    dataset.save()
    assert len(_subjects(api, datasets="_ibl_trials.table.csv")) == 3
    assert len(_subjects(api, datasets="_ibl_trials.table.csv", dataset_qc_lte="CRITICAL")) == 4
    dataset.qc = QC.WARNING
    dataset.save()
    assert len(_subjects(api, datasets="_ibl_trials.table.csv", dataset_qc_lte="PASS")) == 3


def test_dataset_qc_lte_alone(api, lab_world):
    """Alone it keeps sessions having any dataset at or under the bound, once each."""
    for dataset in lab_world.datasets:
        dataset.qc = QC.FAIL if dataset is not lab_world.datasets[0] else QC.PASS
        dataset.save()
    assert _subjects(api, dataset_qc_lte="PASS") == ["SUBJ01"]
    assert len(_subjects(api, dataset_qc_lte=40)) == 4
    assert "dataset_qc_lte" in _error(api, dataset_qc_lte="nope")


def test_dataset_types_needs_all(api, lab_world):
    assert len(_subjects(api, dataset_types="trials.table")) == 4
    assert _subjects(api, dataset_types="trials.table,wheel.position") == []


def test_tag(api, lab_world):
    tag = Tag.objects.create(name="paper_2024")
    lab_world.datasets[1].tags.add(tag)
    assert _subjects(api, tag="paper") == ["SUBJ01"]


def test_performance_bounds(api, lab_world):
    """80 of 100 trials correct is 80 %."""
    assert len(_subjects(api, performance_gte=80)) == 4
    assert _subjects(api, performance_gte=81) == []
    assert len(_subjects(api, performance_lte=80)) == 4


def test_extended_qc_json_lookups(api, lab_world):
    session = lab_world.sessions[2]
    session.extended_qc = {"behavior": 1, "video": "pass"}
    session.save()
    assert _subjects(api, extended_qc="behavior,1") == ["SUBJ02"]
    assert _subjects(api, extended_qc="behavior__gte,1,video,pass") == ["SUBJ02"]
    assert _subjects(api, extended_qc="behavior__gte,2") == []


def test_id_filter_and_bad_uuid(api, lab_world):
    session = lab_world.sessions[3]
    assert _subjects(api, id=str(session.pk)) == ["SUBJ02"]
    assert "id" in _error(api, id="not-a-uuid")


def test_sessions_are_newest_first_with_stable_ties(api, lab_world):
    """Alyx orders by -start_time; equal times fall back to the UUID so pages never overlap."""
    for session in lab_world.sessions:
        session.start_time = datetime.datetime(2021, 1, 1, 9)
        session.save()
    first = api.get("/sessions", {"limit": 2}).json()
    second = api.get("/sessions", {"limit": 2, "offset": 2}).json()
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(set(ids)) == 4 and ids == sorted(ids)


def test_start_time_is_naive_iso_with_local_date(api, lab_world):
    """Python 3.10's fromisoformat reads it (no Z) and its date part is the session's date."""
    record = api.get("/sessions", {"subject": "SUBJ02", "date_range": "2020-01-02,2020-01-02"})
    start_time = record.json()["results"][0]["start_time"]
    assert start_time == "2020-01-02T11:00:00"
    assert datetime.datetime.fromisoformat(start_time).tzinfo is None


@pytest.mark.parametrize("name", ["users", "datasets", "dataset_types"])
def test_comma_lists_are_capped(api, lab_world, name):
    """Each item is a join or a subquery more for every row: at most 10 (100 users were a 500
    on SQLite, past its 64-table join limit); a repeated item counts once."""
    assert "at most 10" in _error(api, **{name: ",".join(f"x{i}" for i in range(100))})[name][0]
    assert "11 items" in _error(api, **{name: ",".join(f"x{i}" for i in range(11))})[name][0]
    assert _subjects(api, **{name: ",".join(["x"] * 30)}) == []


def test_users_filter_needs_no_distinct(api, lab_world):
    """`users=` matches each name in a subquery of the link table: the list is not DISTINCT
    over joined rows, and PostgreSQL plans 20 names in 24 ms (3.9 s with the sessions table in
    each subquery)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bob = factories.make_user("bob")
    lab_world.sessions[0].users.add(bob)
    with CaptureQueriesContext(connection) as queries:
        assert _subjects(api, users="alice,bob,alice") == ["SUBJ01"]
    sql = [query["sql"] for query in queries.captured_queries if "session_users" in query["sql"]]
    assert sql and not any("DISTINCT" in text for text in sql)
    link_subquery = 'IN (SELECT U0."session_id" AS "session" FROM "actions_session_users"'
    assert all(text.count(link_subquery) == 2 for text in sql)
