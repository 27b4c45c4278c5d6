"""E-mail addresses are shown to staff and to the user themself, and no filter reveals them."""
import pytest

from tests import factories
from tests.api.conftest import token_client


@pytest.fixture
def bob(lab_world):
    bob = factories.make_user("bob", email="bob@example.org")
    bob.labs.add(lab_world.lab)
    lab_world.sessions[0].users.add(bob)
    lab_world.datasets[0].created_by = bob
    lab_world.datasets[0].save()
    return bob


def _emails(client, **params) -> dict:
    response = client.get("/users", params)
    assert response.status_code == 200, response.content
    return {user["username"]: user["email"] for user in response.json()["results"]}


def test_others_see_no_email(api, user, bob):
    user.email = "alice@example.org"
    user.save()
    assert _emails(api) == {"alice": "alice@example.org", "bob": None}
    assert api.get("/users/bob").json()["email"] is None
    assert api.get("/users/alice").json()["email"] == "alice@example.org"
    assert "bob@example.org" not in api.get("/users/bob", HTTP_ACCEPT="text/html").content.decode()


def test_staff_see_every_email(staff_api, bob):
    assert _emails(staff_api)["bob"] == "bob@example.org"
    response = staff_api.patch("/users/bob", {"email": "robert@example.org"}, format="json")
    assert response.status_code == 200 and response.json()["email"] == "robert@example.org"


def test_email_filter_finds_only_yourself_unless_staff(api, staff_api, user, bob):
    assert _emails(api, email="bob@example.org") == {}
    user.email = "alice@example.org"
    user.save()
    assert list(_emails(api, email="alice@example.org")) == ["alice"]
    assert list(_emails(staff_api, email="bob@example.org")) == ["bob"]


@pytest.mark.parametrize("endpoint, lookup", [
    ("users", "email"), ("users", "email__startswith"), ("sessions", "users__email"),
    ("datasets", "created_by__email__icontains"), ("labs", "members__email"),
    ("subjects", "responsible_user__email"), ("projects", "users__email"),
    ("dataset-types", "created_by__email")])
def test_django_lookups_cannot_reach_email(api, bob, endpoint, lookup):
    response = api.get(f"/{endpoint}", {"django": f"{lookup},bob@example.org"})
    assert response.status_code == 400 and "email" in response.json()["django"][0]


def test_read_only_users_see_only_their_own(bob, lab_world):
    reader = factories.make_user("reader", read_only=True, email="reader@example.org")
    emails = _emails(token_client(reader))
    assert emails["reader"] == "reader@example.org" and emails["bob"] is None
