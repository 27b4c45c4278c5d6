"""Secrets in URL paths never reach a log line: the webhook's path is its only credential.

Labvanced's player posts to `/hooks/labvanced/<secret token>/<route>`, so whoever reads an
access or error log that holds that path can post to the study. Django's request and server
loggers (a 404 or 409 is logged with its path) go through `RedactSecrets`; gunicorn's access
log through `RedactingGunicornLogger`, named in gunicorn.conf.py. Both write
`/hooks/labvanced/<secret>/<route>` instead.
"""
import logging
import re

from gunicorn.glogging import Logger as GunicornLogger

SECRET_IN_PATH = re.compile(r"(/hooks/[\w-]+/)[^/\s?\"']+")
REDACTED = r"\1<secret>"


def redact(text: str) -> str:
    return SECRET_IN_PATH.sub(REDACTED, text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message with webhook secrets replaced (for handlers and loggers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class RedactingGunicornLogger(GunicornLogger):
    """gunicorn's logger with webhook secrets taken out of the access log's atoms (the
    request line, path, query and referer)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str) and "/hooks/" in value:
                atoms[key] = redact(value)
        return atoms
