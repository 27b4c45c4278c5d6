"""Alyx's limit/offset envelope, as ONE pages through it."""
import pytest


def test_envelope_and_links(api, lab_world):
    page = api.get("/sessions", {"limit": 3}).json()
    assert page["count"] == 4 and len(page["results"]) == 3
    assert page["next"] == "http://testserver/sessions?limit=3&offset=3"
    assert page["previous"] is None
    last = api.get("/sessions", {"limit": 3, "offset": 3}).json()
    assert len(last["results"]) == 1 and last["next"] is None


def test_filters_survive_in_next_link(api, lab_world):
    page = api.get("/sessions", {"limit": 1, "subject": "SUBJ01"}).json()
    assert page["count"] == 2 and "subject=SUBJ01" in page["next"]


def test_default_and_maximum_page_size(api, lab_world, settings):
    from mirror.core.pagination import AlyxLimitOffsetPagination

    assert AlyxLimitOffsetPagination.default_limit == 250
    assert AlyxLimitOffsetPagination.max_limit == 1000
    page = api.get("/sessions", {"limit": 5000}).json()
    assert len(page["results"]) == 4


@pytest.mark.parametrize("params", [{"limit": "ten"}, {"offset": "-1"}, {"limit": "-5"},
                                    {"offset": "1.5"}])
def test_malformed_paging_is_400(api, lab_world, params):
    response = api.get("/sessions", params)
    assert response.status_code == 400
    assert list(params)[0] in response.json()


@pytest.mark.parametrize("name", ["offset", "limit"])
@pytest.mark.parametrize("value", [str(2**63), str(10**18 + 1), "9" * 5000])
def test_paging_past_the_databases_integers_is_400_naming_it(api, lab_world, name, value):
    """offset=2**63 overflowed the database (a 400 about a clash of names, or a 500); a
    5,000-digit number was echoed back as "not an integer"."""
    response = api.get("/sessions", {name: value})
    assert response.status_code == 400, response.content
    assert response.json()[name] == [f"{name} must be at most 1,000,000,000,000,000,000."]


def test_the_largest_offset_is_an_empty_page(api, lab_world):
    page = api.get("/sessions", {"offset": str(10**18)}).json()
    assert page["results"] == [] and page["count"] == 4
