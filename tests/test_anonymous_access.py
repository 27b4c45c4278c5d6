"""Every route, asked without a login: only the login-free ones answer, the rest are 401/403.

The login-free routes are the README's list: the index, /health, /auth-token, /docs, /api/schema,
/one-params and the login pages (the browsable API's and the admin's). A route added to the
URLconf without a decision here fails `test_every_route_is_decided`.
"""
import uuid

import pytest
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from mirror.urls import ENDPOINTS

LOGIN_FREE = {"index": "/", "health": "/health", "schema": "/api/schema", "docs": "/docs",
              "login": "/auth/login/", "one-params": "/one-params"}
NEEDS_LOGIN = {
    "data-file": "/data/testlab/Subjects/SUBJ01/2020-01-01/001/alf/_ibl_trials.table.csv",
    "cache-info": "/cache/info", "cache-info-tag": "/cache/info/released",
    "cache-zip": "/cache.zip", "cache-zip-tag": "/cache/released.zip",
    "import-runs-list": "/import-runs", "import-runs-detail": f"/import-runs/{uuid.uuid4()}",
    **{f"{name}-list": f"/{name}" for name in ENDPOINTS},
    **{f"{name}-detail": f"/{name}/{uuid.uuid4()}" for name in ENDPOINTS},
}
# Checked elsewhere: a POST-only login (GET is 405), logout, and the webhook, whose secret path
# is its credential (tests/importers); the admin is Django's own (a redirect to its login page);
# the icon is a redirect to a static file (tests/test_browser_pages.py).
OTHERWISE_CHECKED = {"auth-token", "logout", "labvanced-webhook", "favicon", None}


def _route_names(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if not (isinstance(pattern.pattern, RoutePattern) and str(pattern.pattern) == "admin/"):
                yield from _route_names(pattern.url_patterns)
        else:
            yield pattern.name


def test_every_route_is_decided():
    names = set(_route_names(get_resolver().url_patterns))
    assert names == set(LOGIN_FREE) | set(NEEDS_LOGIN) | OTHERWISE_CHECKED


@pytest.mark.parametrize("path", list(NEEDS_LOGIN.values()), ids=list(NEEDS_LOGIN))
def test_routes_needing_a_login_refuse_anonymous_requests(anonymous, lab_world, path):
    response = anonymous.get(path)
    assert response.status_code in (401, 403), response.content


@pytest.mark.parametrize("path", list(LOGIN_FREE.values()), ids=list(LOGIN_FREE))
def test_login_free_routes_answer(anonymous, lab_world, path):
    assert anonymous.get(path).status_code == 200


def test_the_admin_sends_anonymous_visitors_to_its_login_page(anonymous, db):
    response = anonymous.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
