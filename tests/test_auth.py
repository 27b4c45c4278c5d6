"""/auth-token as ONE uses it, and what a stale or missing token gets."""
from rest_framework.authtoken.models import Token


def test_form_encoded_login_returns_only_the_token(anonymous, user):
    """ONE posts a form and asserts the body's keys are exactly ['token']."""
    response = anonymous.post("/auth-token", {"username": "alice", "password": "alice-password-1"})
    assert response.status_code == 200
    assert list(response.json()) == ["token"]
    assert response.json()["token"] == Token.objects.get(user=user).key


def test_json_login_returns_the_same_token(anonymous, user):
    first = anonymous.post("/auth-token", {"username": "alice", "password": "alice-password-1"},
                           format="json").json()["token"]
    second = anonymous.post("/auth-token", {"username": "alice", "password": "alice-password-1"})
    assert first == second.json()["token"]


def test_wrong_password_is_400(anonymous, user):
    response = anonymous.post("/auth-token", {"username": "alice", "password": "nope"})
    assert response.status_code == 400
    assert "Unable to log in" in response.json()["non_field_errors"][0]


def test_stale_token_is_403_invalid_token(anonymous, db):
    """ONE re-authenticates only on 403 with "Invalid token." in the body."""
    response = anonymous.get("/sessions", HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert response.status_code == 403
    assert "Invalid token." in response.content.decode()


def test_session_login_works_for_the_browsable_api(anonymous, user, lab_world):
    anonymous.force_login(user)
    assert anonymous.get("/sessions").status_code == 200


def test_index_lists_every_endpoint(anonymous, db):
    body = anonymous.get("/", HTTP_ACCEPT="application/json").json()
    for name in ("labs", "users", "projects", "subjects", "sessions", "datasets", "files",
                 "data-repository", "data-formats", "dataset-types", "revisions", "tags"):
        assert body[name] == f"http://testserver/{name}"


def test_token_never_appears_in_responses(api, user, lab_world):
    key = Token.objects.get(user=user).key
    for url in ("/users", "/users/alice", "/sessions", "/"):
        assert key not in api.get(url).content.decode()
