"""`make bench`: seed each database at each scale (once), measure it, write bench/RESULTS.md.

Usage: `python -m bench.run [--databases sqlite,postgres] [--scales 1,5] [--runs 3]
[--seconds 5] [--postgres postgres://postgres@127.0.0.1:5432/] [--fresh]`. Seeded databases are
kept in --workdir (SQLite) or as `mirror_bench_s<scale>` (PostgreSQL) and reused by later runs;
--fresh rebuilds them. Writes and ONE's timings are measured at scale 1 only (writes add rows;
listing 100,000 sessions with ONE takes minutes of client time).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench import report
from bench.server import ROOT
from bench.wrk import require_wrk


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)


def _postgres_database(server: str, name: str, fresh: bool) -> None:
    import psycopg

    with psycopg.connect(server.rstrip("/") + "/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                    [name]).fetchone()
        if exists and fresh:
            connection.execute(f'DROP DATABASE "{name}"')
        if not exists or fresh:
            connection.execute(f'CREATE DATABASE "{name}"')


def prepare(database: str, scale: float, args) -> dict:
    """Environment of a migrated, seeded database (seeding only if it has no sessions)."""
    var = Path(args.workdir) / f"{database}-s{scale:g}"
    if args.fresh and var.exists():
        shutil.rmtree(var)
    env = {**os.environ, "MIRROR_BENCH": "1", "MIRROR_VAR_DIR": str(var), "DEBUG": "0"}
    env.pop("DATABASE_URL", None)
    if database == "postgres":
        name = f"mirror_bench_s{scale:g}".replace(".", "_")
        _postgres_database(args.postgres, name, args.fresh)
        env["DATABASE_URL"] = args.postgres.rstrip("/") + "/" + name
    migrated = _manage(env, "migrate", "--noinput")
    if migrated.returncode:
        raise SystemExit(migrated.stderr)
    print(f"== {database}, scale {scale:g}: seeding (kept for later runs)…", flush=True)
    seeded = _manage(env, "bench_seed", "--scale", str(scale))
    if seeded.returncode and "already has sessions" not in seeded.stderr:
        raise SystemExit(seeded.stderr)
    print(seeded.stdout.strip().splitlines()[-1] if seeded.returncode == 0
          else "   reusing the seeded database", flush=True)
    return env


def measure(env: dict, scale: float, args) -> dict:
    command = [sys.executable, "-m", "bench.measure", "--runs", str(args.runs),
               "--seconds", str(args.seconds), "--one-runs", str(args.runs if scale == 1 else 0)]
    if scale != 1:
        command.append("--no-writes")
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    if done.returncode:
        raise SystemExit(f"measuring failed ({done.returncode})")
    line = next(x for x in done.stdout.splitlines() if x.startswith("MEASURE_JSON "))
    return json.loads(line.removeprefix("MEASURE_JSON "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--scales", default="1,5")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--postgres", default=os.environ.get(
        "BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/"))
    parser.add_argument("--workdir", default="/tmp/mirror-bench")
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--output", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    require_wrk()
    results = {}
    for database in args.databases.split(","):
        for scale in (float(x) for x in args.scales.split(",")):
            env = prepare(database, scale, args)
            print(f"== {database}, scale {scale:g}: measuring…", flush=True)
            results[f"{database}@{scale:g}"] = measure(env, scale, args)
    Path(args.workdir, "results.json").write_text(json.dumps(results, indent=1))
    report.write(Path(args.output), results, runs=args.runs, seconds=args.seconds)
    print(f"wrote {args.output} (raw figures: {args.workdir}/results.json)")


if __name__ == "__main__":
    main()
