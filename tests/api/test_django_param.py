"""The `django=` parameter over HTTP: what ONE sends works; the private schema is out of reach."""
import pytest


def _count(api, endpoint="/sessions", **params) -> int:
    response = api.get(endpoint, params)
    assert response.status_code == 200, response.content
    return response.json()["count"]


def _refusal(api, endpoint="/sessions", **params) -> str:
    response = api.get(endpoint, params)
    assert response.status_code == 400, response.content
    return response.json()["django"][0]


def test_forms_that_one_sends(api, lab_world):
    """pk, pk__in with a tuple repr, id__in with a list repr, session__isnull, two pairs."""
    a, b = (str(s.pk) for s in lab_world.sessions[:2])
    assert _count(api, django=f"pk,{a}") == 1
    assert _count(api, django=f"pk__in,('{a}',)") == 1
    assert _count(api, django=f"id__in,['{a}', '{b}']") == 2
    assert _count(api, "/datasets", django="session__isnull,True") == 0
    assert _count(api, "/datasets", django=f"session__id,{a},dataset_type__name,trials.table") == 1
    assert _count(api, "/datasets", django="dataset_type__name__in,['trials.table', 'x']") == 4


def test_exclude_and_repeated_keys(api, lab_world):
    """`~` excludes; a key may come twice (Alyx refuses) in one value or in two parameters."""
    assert _count(api, django="~subject__nickname,SUBJ01") == 2
    assert _count(api, django="task_protocol__icontains,choice,task_protocol__icontains,6.4") == 4
    response = api.get("/sessions?django=subject__nickname,SUBJ01&django=number,1")
    assert response.json()["count"] == 2


def test_json_keys_are_reachable(api, lab_world):
    session = lab_world.sessions[0]
    session.extended_qc = {"task": 0.9}
    session.save()
    assert _count(api, django="extended_qc__has_key,task") == 1
    assert _count(api, django="extended_qc__task__gte,0.5") == 1


def test_to_many_relations_give_each_row_once(api, lab_world):
    """A lookup across a to-many relation does not repeat sessions."""
    assert _count(api, django="data_dataset_session_related__name__icontains,trials") == 4


@pytest.mark.parametrize("lookup", [
    "users__password__startswith,pbkdf2",
    "subject__responsible_user__password,x",
    "users__auth_token__key,abc",
    "users__is_superuser,True",
    "subject__lab__members__password__isnull,False",
])
def test_private_fields_are_refused(api, lab_world, lookup):
    """Passwords, tokens and fields the API does not show are out of reach (400, not data)."""
    assert "is not a public field" in _refusal(api, django=lookup)


@pytest.mark.parametrize("value, fragment", [
    ("pk", "pairs of lookup and value"),
    ("nonsense,1", "is not a public field"),
    ("pk,not-a-uuid", "is not a valid UUID"),
    ("pk__in,['unclosed'", "is not a valid UUID"),
    ("pk__in,[1 2]", "not a valid list"),
    ("start_time__year__nonsense,2020", "Unsupported lookup"),
])
def test_malformed_values_are_400(api, lab_world, value, fragment):
    assert fragment in _refusal(api, django=value)
