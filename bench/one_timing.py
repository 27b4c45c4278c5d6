"""The user's view: the real ONE client listing every session and loading one session's datasets.

`one.search()` turns every record into a pandas row on the client (`_update_sessions_table`), so
the same listing is also timed through `one.alyx.rest('sessions', 'list')`, which pages
the same way without that step: the difference is ONE's own cost; so is a filtered one
(`datasets=`), whose pages each need a count and a dataset lookup per session. Run in its own
process with a temporary HOME (ONE reads and writes its params there) and no REST cache, so each
run pays every request (the server keeps what it keeps: mirror.core.kept_counts and
kept_positions). Prints one JSON line of wall times:
`python -m bench.one_timing <base url> <password> <session uuid>`.

Then the cache-table path: a fresh ONE (new download folder) runs `load_cache()` (GET
/cache/info, download /cache.zip, ONE loads the tables) and lists every session locally; ONE's
`load_tables` is then timed alone on the same files (the client's share of `load_cache()`).
"""
import json
import os
import sys
import tempfile
import time
from pathlib import Path

FILTER_DATASET = "spikes.times.npy"  # also bench.targets' `datasets=` request


def main(base_url: str, password: str, eid: str) -> dict:
    home = Path(tempfile.mkdtemp(prefix="bench-one-"))
    os.environ["HOME"] = str(home)
    from mirror.core.one_params import one_params, params_write

    cache = home / "cache"
    params_write(one_params(base_url=base_url, username="bench", files_prefix="data",
                            files_auth="basic", password=password), home=home, cache_dir=cache)
    from one.api import ONE

    started = time.perf_counter()
    one = ONE(base_url=base_url, username="bench", password=password, silent=True,
              cache_dir=cache, cache_rest=None)
    login = time.perf_counter() - started
    one.alyx.rest_schemes  # noqa: B018  the schema download, once, outside the timings
    calls = []
    request = one.alyx._generic_request
    one.alyx._generic_request = lambda *a, **k: calls.append(1) or request(*a, **k)
    started = time.perf_counter()
    eids = list(one.search())
    search, search_requests = time.perf_counter() - started, len(calls)
    started = time.perf_counter()  # the same pages through ONE's REST client alone
    listed = sum(1 for _ in one.alyx.rest("sessions", "list"))
    rest_list = time.perf_counter() - started
    started = time.perf_counter()  # a filtered search's pages (a third of the sessions match)
    filtered = sum(1 for _ in one.alyx.rest("sessions", "list", datasets=FILTER_DATASET))
    rest_filtered = time.perf_counter() - started
    started = time.perf_counter()
    datasets = one.list_datasets(eid)
    loaded = one.load_datasets(eid, list(datasets))[0]
    load = time.perf_counter() - started
    fresh = ONE(base_url=base_url, username="bench", password=password, silent=True,
                cache_dir=home / "tables", cache_rest=None)
    started = time.perf_counter()
    fresh.load_cache()
    load_cache = time.perf_counter() - started
    from one.alf.cache import load_tables

    started = time.perf_counter()  # ONE's own part: reading the unzipped tables again
    load_tables(fresh._tables_dir)
    load_tables_s = time.perf_counter() - started
    started = time.perf_counter()
    local_eids = fresh.search(query_type="local")
    local_search = time.perf_counter() - started
    return {"login_s": round(login, 3), "search_all_s": round(search, 3),
            "load_cache_s": round(load_cache, 3), "load_tables_s": round(load_tables_s, 3),
            "local_search_all_s": round(local_search, 4),
            "local_listed": len(local_eids),
            "search_requests": search_requests, "sessions_listed": len(eids),
            "rest_list_all_s": round(rest_list, 3), "rest_listed": listed,
            "rest_filtered_s": round(rest_filtered, 3), "rest_filtered_listed": filtered,
            "load_session_s": round(load, 3),
            "datasets_loaded": sum(x is not None for x in loaded)}


if __name__ == "__main__":
    print("ONE_JSON " + json.dumps(main(*sys.argv[1:4])))
