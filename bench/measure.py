"""Measure one seeded database: every target and its floor under wrk, queries, memory, ONE.

Runs in its own process (Django is set up for one DATABASE_URL per process) and prints one JSON
line; bench/run.py drives it once per database and scale. API and floor runs alternate, so slow
moments on a shared machine hit both, and each figure is the median of `runs`.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import asdict

from bench import wrk
from bench.server import ROOT, Gunicorn


def _median_load(loads: list) -> dict:
    return {"rps": round(statistics.median(x.rps for x in loads), 1),
            "p50_ms": round(statistics.median(x.p50_ms for x in loads), 1),
            "p99_ms": round(statistics.median(x.p99_ms for x in loads), 1),
            "failures": sum(x.failures for x in loads), "runs": [asdict(x) for x in loads]}


def _ratio(api: float, floor: float) -> float | None:
    return round(api / floor, 2) if floor else None


def _one(server, password: str, eid: str) -> dict:
    output = subprocess.run([sys.executable, "-m", "bench.one_timing", server.url, password,
                             str(eid)], cwd=ROOT, env=server.env, capture_output=True, text=True,
                            check=True).stdout
    return json.loads(next(line for line in output.splitlines()
                           if line.startswith("ONE_JSON "))[9:])


def _build_one_cache(origin: str) -> dict:
    """`mirror_one_cache` as an administrator's job would run it: wall time, rows, bytes."""
    import time

    from mirror.onecache import build, store

    started = time.perf_counter()
    info = build.build(origin=origin)
    return {"build_s": round(time.perf_counter() - started, 1),
            "sessions": info["tables"]["sessions"]["nrecs"],
            "datasets": info["tables"]["datasets"]["nrecs"],
            "zip_mb": round(store.zip_path().stat().st_size / 1e6, 1)}


def _recounted(server, targets: list, entries: dict, *, token: str, runs: int,
               seconds: float) -> None:
    """The requests that count rows, once more on a server that keeps no count
    (MIRROR_KEPT_COUNTS=0), alternating with their floor: what a request costs the first time,
    or after every write."""
    if not targets:
        return
    with Gunicorn({"MIRROR_KEPT_COUNTS": "0"}) as recounting:
        for target in targets:
            wrk.run(recounting.url + target.path, token=token, seconds=1)
            api, floor = [], []
            for _ in range(runs):
                api.append(wrk.run(recounting.url + target.path, token=token, seconds=seconds))
                floor.append(wrk.run(server.url + target.floor, token=token, seconds=seconds))
            recounted = _median_load(api)
            recounted["floor_rps"] = _median_load(floor)["rps"]
            recounted["ratio"] = _ratio(recounted["rps"], recounted["floor_rps"])
            entries[target.name]["recounted"] = recounted
            print(f"  {target.name}, counted every time: {recounted['rps']} req/s, ratio "
                  f"{recounted['ratio']}", file=sys.stderr, flush=True)


def measure(*, runs: int, seconds: float, one_runs: int, writes: bool) -> dict:
    import django

    django.setup()
    from bench import targets as bench_targets
    from bench.seed import BENCH_PASSWORD
    from mirror.actions.models import Session

    token, chosen = bench_targets.token(), bench_targets.targets()
    if not writes:
        chosen = [target for target in chosen if target.method == "GET"]
    results = {"sessions": Session.objects.count(), "endpoints": {}}
    with Gunicorn({}) as server:
        for target in chosen:  # warm both workers' caches and connections
            for path in filter(None, (target.path, target.floor)):
                if target.method == "GET":
                    wrk.run(server.url + path, token=token, seconds=1)
        results["rss_after_warmup"] = server.worker_memory_mb()
        for target in chosen:
            api, floor = [], []
            for _ in range(runs):
                api.append(wrk.run(server.url + target.path, token=token, method=target.method,
                                   body=target.body, seconds=seconds))
                if target.floor:
                    floor.append(wrk.run(server.url + target.floor, token=token,
                                         seconds=seconds))
            queries, counts = bench_targets.queries_per_request(target)
            entry = {"path": target.path, "method": target.method, "queries": queries,
                     "counts": counts, "api": _median_load(api)}
            if floor:
                entry["floor"] = _median_load(floor)
                entry["ratio"] = _ratio(entry["api"]["rps"], entry["floor"]["rps"])
                entry["run_ratios"] = [_ratio(a.rps, f.rps)
                                       for a, f in zip(api, floor, strict=True)]
            if target.name == "datasets?limit=1000":
                entry["worker_memory"] = server.worker_memory_mb()
            results["endpoints"][target.name] = entry
            print(f"  {target.name}: {entry['api']['rps']} req/s, ratio {entry.get('ratio')}, "
                  f"{entry['queries']} queries", file=sys.stderr, flush=True)
        _recounted(server, [t for t in chosen if results["endpoints"][t.name]["counts"]],
                   results["endpoints"], token=token, runs=runs, seconds=seconds)
        results["cleaned_up"] = bench_targets.cleanup()
        results["one_cache"] = _build_one_cache(server.url)
        eid = Session.objects.order_by("-start_time", "id").values_list("pk", flat=True)[0]
        one = [_one(server, BENCH_PASSWORD, eid) for _ in range(one_runs)]
        if one:
            results["one"] = {key: statistics.median(run[key] for run in one) for key in one[0]}
            results["one"]["runs"] = one
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--one-runs", type=int, default=3)
    parser.add_argument("--no-writes", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mirror.settings")
    results = measure(runs=args.runs, seconds=args.seconds, one_runs=args.one_runs,
                      writes=not args.no_writes)
    print("MEASURE_JSON " + json.dumps(results))


if __name__ == "__main__":
    main()
