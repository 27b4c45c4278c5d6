"""The real ONE client's `load_cache()` against a live server: it downloads our tables, and its
local searches then answer as the remote ones do (contract §7.8)."""
import datetime
import logging
from io import StringIO

import pytest
from django.core.management import call_command

from mirror.data.models import Tag
from tests import factories

pytestmark = pytest.mark.filterwarnings("error::UserWarning")


def as_set(eids) -> set[str]:
    return {str(eid) for eid in eids}


@pytest.fixture
def more_sessions(world):
    """A second lab-day and a dataset without a file, so filters have something to tell apart."""
    late = factories.add_session(world, world.subjects[1],
                                 start_time=datetime.datetime(2020, 3, 5, 9, 0), number=2)
    factories.dataset_without_file(late)
    return world


def test_local_search_after_load_cache_matches_remote(one_client, more_sessions, server_log):
    call_command("mirror_one_cache", stdout=StringIO())
    one_client.load_cache()
    assert server_log.matching("GET", "/cache/info") == ["/cache/info"]
    assert server_log.matching("GET", "/cache.zip") == ["/cache.zip"]
    assert len(one_client._cache["sessions"]) == len(more_sessions.sessions)

    for query in ({}, {"subject": "SUBJ02"}, {"date_range": ["2020-01-02", "2020-03-31"]},
                  {"number": 2}, {"datasets": "_ibl_trials.table.csv"}):
        local = one_client.search(query_type="local", **query)
        assert as_set(local) == as_set(one_client.search(query_type="remote", **query)), query
    eid = more_sessions.sessions[0].id
    local = one_client.list_datasets(eid, query_type="local")
    assert "alf/_ibl_trials.table.csv" in list(local)
    assert list(local) == list(one_client.list_datasets(eid, query_type="remote"))


def test_a_second_load_only_checks_the_date(one_client, world, server_log):
    call_command("mirror_one_cache", stdout=StringIO())
    one_client.load_cache()
    one_client.load_cache()
    assert len(server_log.matching("GET", "/cache/info")) == 2
    assert len(server_log.matching("GET", "/cache.zip")) == 1


def test_without_tables_one_logs_and_stays_remote(one_client, world, caplog):
    with caplog.at_level(logging.ERROR, logger="one.api"):
        one_client.load_cache()
    assert "Failed to load the remote cache file" in caplog.text
    assert one_client.mode == "remote"
    assert as_set(one_client.search()) == {str(s.id) for s in world.sessions}


def test_tagged_tables(one_client, world, server_log):
    Tag.objects.create(name="paper_2024").datasets.add(world.datasets[0])
    call_command("mirror_one_cache", "--tag", "paper_2024", stdout=StringIO())
    one_client.load_cache(tag="paper_2024")
    assert server_log.matching("GET", "/cache/paper_2024.zip") == ["/cache/paper_2024.zip"]
    assert as_set(one_client.search(query_type="local")) == {str(world.sessions[0].id)}
