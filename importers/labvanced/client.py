"""Labvanced's REST API: the fetch functions (HTTP only).

Paths and the auth header are not documented publicly (reference A.1, E), so each is a setting of
the connection, defaulting to the values below.
"""
from importers.core.http import MAX_JSON_BYTES, SourceClient
from importers.core.settings import connection_setting

DEFAULTS = {
    "sessions_path": "/api/{exp_id}/sessions",
    "download_path": "/api/{exp_id}/download/{rec_session_id}",
    "auth_header": "Authorization",
    "auth_scheme": "Bearer",
    "requests_per_second": 5,
    "timeout": 60,
    "page_size": None,
    "retries": 4,
    "backoff": 0.5,
    "max_json_bytes": MAX_JSON_BYTES,  # an answer larger is refused, not held
}


def setting(connection, name: str):
    return connection_setting(connection, name, DEFAULTS)


def make_client(connection, **overrides) -> SourceClient:
    scheme = setting(connection, "auth_scheme")
    value = f"{scheme} {connection.credential}" if scheme else connection.credential
    options = {"connection_name": connection.name, "headers": {
        setting(connection, "auth_header"): value, "Accept": "application/json"},
        "timeout": float(setting(connection, "timeout")),
        "requests_per_second": setting(connection, "requests_per_second"),
        "retries": int(setting(connection, "retries")),
        "backoff": float(setting(connection, "backoff")),
        "max_json_bytes": int(setting(connection, "max_json_bytes"))}
    options.update(overrides)
    return SourceClient(**options)


def _url(connection, path_setting: str, **values) -> str:
    path = setting(connection, path_setting).format(**values)
    return connection.base_url.rstrip("/") + path


def list_sessions(client: SourceClient, connection) -> list[dict]:
    """Every session of the experiment; pages through `?limit&page` if `page_size` is set."""
    url = _url(connection, "sessions_path", exp_id=connection.target)
    page_size = setting(connection, "page_size")
    if not page_size:
        return list(client.get_json(url))
    sessions, page = [], 1
    while True:
        batch = client.get_json(url, params={"limit": page_size, "page": page})
        sessions.extend(batch)
        if len(batch) < page_size:
            return sessions
        page += 1


def download_session(client: SourceClient, connection, rec_session_id, target) -> int:
    """Stream one session's zip into an open binary file."""
    url = _url(connection, "download_path", exp_id=connection.target,
               rec_session_id=rec_session_id)
    return client.download(url, target)
