"""Each log line is printed once, and request lines keep their secrets out (settings.LOGGING)."""
import logging

import pytest
from django.conf import settings
from django.utils.log import configure_logging


@pytest.fixture(autouse=True)
def project_logging():
    """pytest may have replaced handlers: apply the project's LOGGING as Django does at start."""
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def handlers_reached(name: str) -> list[logging.Handler]:
    """Every handler a record logged on `name` reaches, following propagation."""
    handlers, logger = [], logging.getLogger(name)
    while logger:
        handlers += [h for h in logger.handlers if "LogCaptureHandler" not in type(h).__name__]
        logger = logger.parent if logger.propagate else None
    return handlers


@pytest.mark.parametrize("name", ["django.request", "django", "importers.core.run", "mirror"])
def test_a_line_reaches_one_handler(name):
    assert len(handlers_reached(name)) == 1


def test_dev_server_lines_are_printed_once_with_secrets_redacted():
    (handler,) = handlers_reached("django.server")
    assert any(type(f).__name__ == "RedactSecrets"
               for f in handler.filters + logging.getLogger("django.server").filters)
