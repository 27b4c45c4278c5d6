"""bench/RESULTS.md's read-API section from measured figures (no server: the figures are given)."""
from bench import report


def _entry(rps, *, floor=None, recounted=None):
    entry = {"method": "GET", "queries": 3, "counts": recounted is not None,
             "api": {"rps": rps, "p50_ms": 5.0, "p99_ms": 9.0}}
    if floor:
        entry.update(floor={"rps": floor}, ratio=round(rps / floor, 2))
    if recounted:
        entry["recounted"] = {"rps": recounted[0], "floor_rps": recounted[1],
                              "ratio": round(recounted[0] / recounted[1], 2),
                              "p50_ms": 50.0, "p99_ms": 70.0}
    return entry


def _results():
    return {"sqlite@1": {"endpoints": {
                "sessions?limit=100": _entry(600, floor=1000),
                "sessions?datasets=<name>": _entry(150, floor=38, recounted=(35, 38))}},
            "sqlite@5": {"endpoints": {
                "sessions?limit=100": _entry(590, floor=990),
                "sessions?datasets=<name>": _entry(140, floor=6, recounted=(5.2, 6.0))}}}


def test_requests_that_count_also_show_their_recounted_figures():
    text = report.section(_results(), runs=3, seconds=5)
    assert "| `GET /sessions?datasets=<name>` | 3 | 150 | 38 | 3.95 |" in text
    assert ("- `GET /sessions?datasets=<name>`: 35 req/s, 0.92 of its floor (38 req/s), "
            "p50 50.0 ms, p99 70.0 ms; 5× data 5.2 req/s (0.15 of 1×, 0.87 of its floor).") in text
    assert "`GET /sessions?limit=100`:" not in text  # no count, nothing recounted


def test_without_recounted_figures_there_is_no_such_paragraph():
    results = _results()
    for figures in results.values():
        figures["endpoints"].pop("sessions?datasets=<name>")
    assert "MIRROR_KEPT_COUNTS=0" not in report.section(results, runs=3, seconds=5)
