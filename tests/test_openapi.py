"""The OpenAPI schema: committed and current, fully described, readable by ONE, browsable offline.

ONE validates every `alyx.rest()` call and derives its remote search terms from the schema served at
/api/schema (contract §3), so the schema is an interface, not documentation only.
"""
import json
import re
from importlib.resources import files
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from one.api import OneAlyx
from one.util import autocomplete
from one.webclient import RestSchemeOpenApi

COMMITTED = Path(settings.BASE_DIR) / "openapi" / "openapi.yaml"
OPENAPI_JSON = "application/vnd.oai.openapi+json"
ENDPOINTS = ("labs", "users", "projects", "subjects", "sessions", "datasets", "files",
             "data-repository", "data-formats", "dataset-types", "revisions", "tags")
CRUD = {"list", "read", "create", "update", "partial_update", "delete"}
SESSION_PARAMS = ("subject", "date_range", "number", "lab", "projects", "task_protocol",
                  "datasets", "dataset_qc_lte", "django", "limit", "offset")
# Alyx's own schema as ONE ships it: the reference for how search terms autocomplete.
ALYX_SCHEMA = files("one") / "tests" / "fixtures" / "rest_responses" / "openapiv3.json"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> bytes:
    target = tmp_path_factory.mktemp("openapi") / "openapi.yaml"
    call_command("spectacular", file=str(target), validate=True)
    return target.read_bytes()


@pytest.fixture(scope="module")
def schema(generated) -> dict:
    return yaml.safe_load(generated)


@pytest.fixture
def served(client) -> dict:
    response = client.get("/api/schema", HTTP_ACCEPT=OPENAPI_JSON)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(OPENAPI_JSON)
    return json.loads(response.content)


def remote_search_terms(rest_schema: dict) -> tuple[str, ...]:
    """The search terms ONE derives from a schema (OneAlyx.search_terms, query_type='remote')."""
    one = SimpleNamespace(mode="remote", _search_endpoint="sessions",
                          _search_terms=OneAlyx._search_terms,
                          alyx=SimpleNamespace(rest_schemes=RestSchemeOpenApi(rest_schema)))
    return OneAlyx.search_terms(one, query_type="remote")


def completion(prefix: str, terms) -> str | None:
    try:
        return autocomplete(prefix, terms)
    except ValueError:
        return None


def test_committed_schema_is_current(generated):
    """openapi/openapi.yaml is byte for byte what `manage.py spectacular` generates now."""
    assert COMMITTED.exists(), "openapi/openapi.yaml is missing: run `make openapi`."
    assert COMMITTED.read_bytes() == generated, (
        "openapi/openapi.yaml is out of date with the code: run `make openapi` and commit it.")


def test_every_operation_is_described(schema):
    """Each operation has a description or summary (the viewset's docstring)."""
    missing = [f"{method.upper()} {path}" for path, item in schema["paths"].items()
               for method, operation in item.items()
               if not (operation.get("description") or operation.get("summary"))]
    assert not missing, f"Give these views a docstring or extend_schema(description=…): {missing}"


def test_every_parameter_is_described(schema):
    """Each path and query parameter has a description (filter or model field help_text)."""
    missing = [f"{method.upper()} {path}: {parameter['name']}"
               for path, item in schema["paths"].items() for method, operation in item.items()
               for parameter in operation.get("parameters", ())
               if not parameter.get("description")]
    assert not missing, f"Add help_text to these filters or model fields: {missing}"


def _undescribed(name: str, node: dict):
    for prop, spec in node.get("properties", {}).items():
        if not spec.get("description"):
            yield f"{name}.{prop}"
        yield from _undescribed(f"{name}.{prop}", spec)
        yield from _undescribed(f"{name}.{prop}[]", spec.get("items", {}))


def test_every_component_property_is_described(schema):
    """Each property of each component schema has a description."""
    missing = [path for name, component in schema["components"]["schemas"].items()
               for path in _undescribed(name, component)]
    assert not missing, f"Add help_text to these model or serializer fields: {missing}"


def test_one_sees_every_endpoint_with_every_action(served):
    """ONE's parser finds list/read/create/update/partial_update/delete on every resource."""
    scheme = RestSchemeOpenApi(served)
    assert set(ENDPOINTS) <= set(scheme.endpoints)
    for endpoint in ENDPOINTS:
        assert CRUD <= set(scheme.actions(endpoint)), endpoint
        for action in ("create", "update", "partial_update"):
            assert scheme.fields(endpoint, action), (endpoint, action)  # KeyError if no $ref


def test_one_sees_the_session_filters(served):
    """The sessions list parameters include every filter ONE's search sends."""
    names = RestSchemeOpenApi(served).field_names("sessions", "list")
    assert set(SESSION_PARAMS) <= set(names), set(SESSION_PARAMS) - set(names)


def test_search_terms_autocomplete_as_with_alyx(served):
    """Each prefix of a shared search term that Alyx's schema resolves resolves the same here.

    So our extra parameters (source, source_id…) make no abbreviation ambiguous; terms for data
    this mirror does not hold (histology, atlas_…) are simply absent.
    """
    ours = remote_search_terms(served)
    alyx = remote_search_terms(json.loads(ALYX_SCHEMA.read_text()))
    assert completion("subj", ours) == "subject"
    assert completion("date", ours) == "date_range"
    assert completion("lab", ours) == completion("lab", alyx) == "laboratory"
    changed = {prefix: (completion(prefix, ours), expected)
               for term in set(alyx) & set(ours)
               for prefix in (term[:n] for n in range(1, len(term) + 1))
               if (expected := completion(prefix, alyx)) is not None
               and completion(prefix, ours) != expected}
    assert not changed, f"Our parameters change ONE's autocompletion (ours, Alyx's): {changed}"


def test_swagger_ui_is_served_from_our_static_files(client):
    """/docs is Swagger UI whose scripts and styles come from /static/ (sidecar), not a CDN."""
    response = client.get("/docs", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="swagger-ui"' in html
    static = f"/{settings.STATIC_URL.strip('/')}/"
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets), assets
    assert any(asset.endswith("swagger-ui.css") for asset in assets), assets
    for asset in assets:
        assert asset.startswith(static), f"{asset} is not served by us"
        assert finders.find(asset.removeprefix(static)), f"{asset} is not in any static folder"
