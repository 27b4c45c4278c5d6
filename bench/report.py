"""bench/RESULTS.md's read-API section, from the measured figures (other sections are kept).

The section sits between two markers, so `make bench` rewrites its own figures and nothing else.
"""
import datetime
import os
import platform
import subprocess
from pathlib import Path

START, END = "<!-- bench:read-api -->", "<!-- /bench:read-api -->"


def _machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    try:
        postgres = subprocess.run(["psql", "--version"], capture_output=True,
                                  text=True).stdout.strip()
    except OSError:
        postgres = "psql not found"
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.platform()}, "
            f"Python {platform.python_version()}, {postgres}")


def _table(figures: dict, large: dict | None) -> list[str]:
    lines = ["| request | queries | API req/s | floor req/s | API / floor | p50 ms | p99 ms "
             "| 5× data: queries | 5× data: req/s (vs 1×) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, entry in figures["endpoints"].items():
        api, other = entry["api"], (large or {}).get("endpoints", {}).get(name)
        floor = entry.get("floor", {}).get("rps", "—")
        ratio = entry.get("ratio") if entry.get("ratio") is not None else "—"
        scaled = (f"{other['api']['rps']} ({other['api']['rps'] / api['rps']:.2f})"
                  if other else "—")
        label = f"GET /{name}" if entry["method"] == "GET" else name.replace(" ", " /", 1)
        lines.append(f"| `{label}` | {entry['queries']} | {api['rps']} | "
                     f"{floor} | {ratio} | {api['p50_ms']} | {api['p99_ms']} | "
                     f"{other['queries'] if other else '—'} | {scaled} |")
    return lines


def _recounted(figures: dict, large: dict | None) -> list[str]:
    """The requests that count rows, measured again with no count kept (MIRROR_KEPT_COUNTS=0)."""
    lines = []
    for name, entry in figures["endpoints"].items():
        recounted = entry.get("recounted")
        if not recounted:
            continue
        other = (large or {}).get("endpoints", {}).get(name, {}).get("recounted")
        scaled = (f"; 5× data {other['rps']} req/s ({other['rps'] / recounted['rps']:.2f} of "
                  f"1×, {other['ratio']} of its floor)" if other else "")
        lines.append(f"- `GET /{name}`: {recounted['rps']} req/s, {recounted['ratio']} of its "
                     f"floor ({recounted['floor_rps']} req/s), p50 {recounted['p50_ms']} ms, "
                     f"p99 {recounted['p99_ms']} ms{scaled}.")
    if not lines:
        return []
    return ["A request that counts matching rows keeps the count until the data changes when "
            "the COUNT took at least 2 ms (mirror.core.kept_counts): in the table above, after "
            "its first request, such a request is served with the kept count. Counted on every "
            "request instead (a server with `MIRROR_KEPT_COUNTS=0`, as the floor does: what the "
            "first request, or the first after a write, costs):",
            *lines, ""]


def _filtered(one: dict) -> str:
    if "rest_filtered_s" not in one:
        return ""
    return (f"a filtered listing, `rest('sessions', 'list', datasets=...)`, "
            f"{one['rest_filtered_listed']:,.0f} sessions in {one['rest_filtered_s']} s; ")


def section(results: dict, *, runs: int, seconds: float) -> str:
    lines = [START, "## Read API at lab scale (`make bench`)",
             f"Machine: {_machine()}. Date: {datetime.date.today()}.",
             f"gunicorn 2 sync workers, DEBUG off, loopback; wrk 2 threads × 2 connections, "
             f"{seconds:g} s a run, each figure the median of {runs} runs (API and floor runs "
             "alternate). Data at 1×: 20,000 sessions, 200,000 datasets, 400,000 file records; "
             "5×: 100,000 sessions, 1,000,000 datasets, 2,000,000 file records. The floor is "
             "the same JSON from one hand-written SQL statement (bench/floor.py).", ""]
    for key, figures in results.items():
        database, scale = key.split("@")
        if scale != "1":
            continue
        large = results.get(f"{database}@5")
        lines += [f"### {database}", *_table(figures, large), "", *_recounted(figures, large)]
        memory = figures["endpoints"].get("datasets?limit=1000", {}).get("worker_memory")
        if memory:
            at_large = (large or {}).get("endpoints", {}).get("datasets?limit=1000", {})
            lines.append(f"Worker memory serving `/datasets?limit=1000`: peak RSS "
                         f"{memory['peak_rss_mb']} MB at 1× (after warm-up "
                         f"{figures['rss_after_warmup']['peak_rss_mb']} MB), "
                         f"{at_large.get('worker_memory', {}).get('peak_rss_mb', '—')} MB at 5×.")
        one = figures.get("one")
        if one:
            lines.append(
                f"ONE 3.6.1: `one.search()` over all {one['sessions_listed']:,.0f} sessions "
                f"{one['search_all_s']} s ({one['search_requests']:.0f} requests); the same "
                f"pages through `one.alyx.rest('sessions', 'list')` {one['rest_list_all_s']} s; "
                f"{_filtered(one)}"
                f"loading one session's {one['datasets_loaded']:.0f} datasets "
                f"{one['load_session_s']} s; login {one['login_s']} s. With the cache tables: "
                f"`one.load_cache()` {one['load_cache_s']} s (download and ONE's loading; "
                f"ONE's `load_tables` alone on the same files {one.get('load_tables_s', '—')} s), "
                f"then "
                f"`one.search(query_type='local')` over all {one['local_listed']:,.0f} sessions "
                f"{one['local_search_all_s']} s.")
        for size, tables in (("1×", figures.get("one_cache")),
                             ("5×", (large or {}).get("one_cache"))):
            if tables:
                lines.append(f"`manage.py mirror_one_cache` at {size}: {tables['build_s']} s "
                             f"for {tables['sessions']:,} sessions and {tables['datasets']:,} "
                             f"datasets, a {tables['zip_mb']} MB zip.")
        lines.append("")
    return "\n".join([*lines, END])


def write(path: Path, results: dict, *, runs: int, seconds: float) -> None:
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    new = section(results, runs=runs, seconds=seconds)
    if START in text and END in text:
        text = text[:text.index(START)] + new + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    path.write_text(text)
