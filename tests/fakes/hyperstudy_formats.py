"""`?format=csv` and `?format=ndjson`: the records of one page without the envelope (reference C.6).

How upstream flattens nested fields and whether its CSV has a BOM are unknown; the fake writes
plain UTF-8 CSV (no BOM) with nested objects as dotted columns (`response.value`) and lists as
JSON text, columns in order of first appearance, and one JSON record per line for NDJSON.
"""
import csv
import io
import json

from tests.fakes.loopback import Response

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}


def flatten(record: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, name + "."))
        elif isinstance(value, (list, dict)):
            out[name] = json.dumps(value)
        else:
            out[name] = value
    return out


def render(records: list[dict], fmt: str) -> Response:
    if fmt == "ndjson":
        body = "".join(json.dumps(r) + "\n" for r in records)
    else:
        rows = [flatten(r) for r in records]
        columns = list(dict.fromkeys(name for row in rows for name in row))
        out = io.StringIO()
        writer = csv.DictWriter(out, columns, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
        body = out.getvalue()
    return Response(200, body.encode("utf-8"), {"Content-Type": CONTENT_TYPES[fmt]})


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
