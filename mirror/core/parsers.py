"""DRF's JSON parser with a nesting limit: a deeply nested body is a 400, not a RecursionError.

`[[[[…` 100,000 deep made Python's json module raise RecursionError, a 500, on every endpoint
that reads JSON, `/auth-token` (no login) included. A body nested less deep than that but deeper
than MAX_DEPTH is refused too, before code further on (serializers, the database adapter, the
renderer) recurses over it with what is left of Python's recursion limit. (The body's size is
bounded by Django's DATA_UPLOAD_MAX_MEMORY_SIZE, which DRF applies before parsing.)
"""
from rest_framework import parsers
from rest_framework.exceptions import ParseError

#: Levels of arrays and objects in one body; the API's own records nest a few.
MAX_DEPTH = 100
TOO_DEEP = f"JSON parse error - arrays and objects nest more than {MAX_DEPTH} levels deep."


def _depth_exceeds(data, limit: int) -> bool:
    """Whether arrays/objects nest deeper than `limit` (walked without recursion)."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            value = list(value.values())
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        pending.extend((item, depth + 1) for item in value)
    return False


class BoundedJSONParser(parsers.JSONParser):
    """The default JSON parser (settings.REST_FRAMEWORK), and /auth-token's."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if _depth_exceeds(data, MAX_DEPTH):
            raise ParseError(TOO_DEEP)
        return data
