"""Errors an import reports: which connection, which URL, what the server said, what to do."""

FIXES = {
    401: ("the connection's credential was refused (expired, revoked or mistyped): put a new "
          "token in an environment variable and run `manage.py mirror_connection {connection} "
          "--credential-env VARIABLE`"),
    403: "the credential lacks access: on Labvanced only the study owner's token can read data",
    404: ("check the connection's target and base URL (`manage.py mirror_connection {connection} "
          "--target … --base-url …`) and the endpoint paths in its settings"),
    429: "the platform is rate-limiting: lower `requests_per_second` in the connection's settings",
}


SAID_LIMIT = 300  # characters of the platform's answer kept in a message


class SourceError(Exception):
    """A request to a source platform failed for good (after any retries).

    `said` is what the platform answered, already scrubbed of the client's secrets
    (importers.core.http): this message is stored and printed as it is.
    """

    def __init__(self, *, connection: str, url: str, status: int | None, said: str, fix: str):
        self.connection, self.url, self.status, self.said, self.fix = (
            connection, url, status, said, fix)
        where = f"HTTP {status}" if status else "no answer"
        super().__init__(f"[{connection}] {url}: {where}: {said.strip()[:SAID_LIMIT]} — {fix}")


def fix_for(status: int | None, connection: str = "NAME") -> str:
    """What to do about a failed request, naming the command and setting that fix it."""
    if status is None:
        return (f"check the base URL (`manage.py mirror_connection {connection} --base-url …`) "
                "and that the platform is reachable, then run the import again")
    if status >= 500:
        return "the platform failed; run the import again later (it resumes where it stopped)"
    return FIXES.get(status, "see the platform's message above").format(connection=connection)


class FileTooLarge(Exception):
    """A download went past the size the import accepts; it was stopped there."""

    def __init__(self, *, url: str, limit: int):
        self.url, self.limit = url, limit
        super().__init__(f"{url}: larger than {limit:,} bytes, the most this import downloads "
                         "for one file (raise the connection's `max_file_bytes` setting, or "
                         "MIRROR_IMPORT_MAX_FILE, to take it)")


class BadSourceData(Exception):
    """An upstream file or record could not be read: named with its file and line."""

    def __init__(self, name: str, message: str, line: int | None = None):
        self.name, self.line = name, line
        where = f"{name}, line {line}" if line else name
        super().__init__(f"{where}: {message}")
