"""Clients for the API tests: a staff client for endpoints only staff may write."""
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def staff_api(db):
    return token_client(factories.make_user("admin", is_staff=True))


@pytest.fixture
def reader_api(db):
    """A user flagged read-only (Alyx's public user)."""
    return token_client(factories.make_user("reader", read_only=True))


@pytest.fixture
def writer(api, staff_api):
    """Pick the client that may write to a resource."""
    return lambda resource: staff_api if resource.staff_only or resource.staff_changes else api
