"""Labstep's REST API (reference §B): the fetch functions, HTTP only.

Every entity lives under `/api/generic/<entity>`, authenticated by an `apikey` header. Lists are
cursor-paged: the first page asks `cursor=-1`, each answer names the next cursor as a string,
and the string "-1" ends the list (an integer -1 would not, for the official SDK). A file is
fetched in two steps: POST `file/download/<id>` mints a signed URL, which is fetched without
Labstep's headers (it lives on a storage host and expires).
"""
from collections.abc import Iterator

from importers.core.errors import BadSourceData, SourceError
from importers.core.hosts import link_problem
from importers.core.http import MAX_JSON_BYTES, SourceClient
from importers.core.settings import connection_setting

DEFAULTS = {
    "page_size": 50,  # the most Labstep gives a page (the SDK's cap)
    "requests_per_second": 5,  # no limit is documented: stay polite
    "timeout": 60,
    "retries": 4,
    "backoff": 0.5,
    "max_json_bytes": MAX_JSON_BYTES,  # an answer larger is refused, not held
    # Labstep's own limits disagree (25 MB in one place, 200 MB in another): the larger is
    # the default, and a file past it is skipped with a message naming this setting.
    "max_file_bytes": 200 * 1024 * 1024,
    "subject_field": "",  # a data field whose value names the subject (README: Labstep)
}
LAST_CURSOR = "-1"
MAX_PAGES = 100_000  # a listing that never ends is the platform's fault, not a reason to hang


def setting(connection, name: str):
    return connection_setting(connection, name, DEFAULTS)


def make_client(connection) -> SourceClient:
    return SourceClient(
        connection_name=connection.name,
        headers={"apikey": connection.credential, "Accept": "application/json"},
        timeout=float(setting(connection, "timeout")),
        requests_per_second=setting(connection, "requests_per_second"),
        max_json_bytes=int(setting(connection, "max_json_bytes")),
        retries=int(setting(connection, "retries")),
        backoff=float(setting(connection, "backoff")))


def url(connection, path: str) -> str:
    return f"{connection.base_url.rstrip('/')}/api/generic/{path}"


def user_info(client: SourceClient, connection) -> dict:
    """The key's user, with `group`: the active workspace."""
    user = client.get_json(url(connection, "user/info"))
    if not isinstance(user, dict):
        raise BadSourceData("user/info", "the answer is not a user object")
    return user


def entities(client: SourceClient, connection, entity: str, *, search: bool = True,
             **filters) -> Iterator[dict]:
    """Every entity of a list, page after page, as Labstep's SDK reads them."""
    params = {**({"search": 1} if search else {}), "count": int(setting(connection, "page_size")),
              **filters}
    cursor, seen_cursors = LAST_CURSOR, set()
    for _ in range(MAX_PAGES):
        page = client.get_json(url(connection, entity), params={**params, "cursor": cursor})
        items = page.get("items") if isinstance(page, dict) else None
        if not isinstance(items, list):
            raise BadSourceData(entity, "a list page has no `items` list")
        yield from (item for item in items if isinstance(item, dict))
        cursor = page.get("next_cursor")
        if cursor is None or str(cursor) == LAST_CURSOR:
            return
        cursor = str(cursor)
        if cursor in seen_cursors:
            raise BadSourceData(entity, f"the listing came back to cursor {cursor!r}: it "
                                "would never end")
        seen_cursors.add(cursor)
    raise BadSourceData(entity, f"more than {MAX_PAGES} pages")


def get_one(client: SourceClient, connection, entity: str, entity_id) -> dict:
    """One entity by id, soft-deleted ones included."""
    item = client.get_json(url(connection, entity),
                           params={"get_single": 1, "id": entity_id, "is_deleted": "both"})
    if not isinstance(item, dict):
        raise BadSourceData(f"{entity} {entity_id}", "the answer is not an object")
    return item


def get_by_path(client: SourceClient, connection, entity: str, entity_id) -> dict:
    """One entity at `<entity>/<id>`: how Labstep's SDK reads a protocol version."""
    item = client.get_json(url(connection, f"{entity}/{entity_id}"))
    if not isinstance(item, dict):
        raise BadSourceData(f"{entity} {entity_id}", "the answer is not an object")
    return item


def signed_url(client: SourceClient, connection, file_id) -> str:
    answer = client.post_json(url(connection, f"file/download/{file_id}"))
    link = answer.get("signed_url") if isinstance(answer, dict) else None
    if not isinstance(link, str) or not link.startswith(("http://", "https://")):
        raise BadSourceData(f"file {file_id}", "the download answer has no signed_url")
    problem = link_problem(link, connection.base_url)
    if problem:
        raise BadSourceData(f"file {file_id}", f"its download link {problem}")
    return link


def download_file(client: SourceClient, connection, file_id, handle) -> int:
    """Mint a signed URL and stream the file into `handle`; a link that expired before or
    while it was used (403 from the storage host) is minted again, once."""
    limit = int(setting(connection, "max_file_bytes"))
    for attempt in range(2):
        link = signed_url(client, connection, file_id)
        try:
            return client.download(link, handle, bare=True, max_bytes=limit)
        except SourceError as error:
            if error.status != 403 or attempt == 1:
                raise
    raise AssertionError("unreachable")
