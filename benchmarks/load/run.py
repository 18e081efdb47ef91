"""`make load`: 50 users for 2 minutes against gunicorn (2 workers) on SQLite and PostgreSQL.

For each database: a new database with the demo data, ISK under gunicorn on 127.0.0.1, and
locust headless with the scenario in locustfile.py. Reported: requests, requests/s, the 95th
percentile, server errors (5xx or a broken connection), and lost writes: writes the server
acknowledged (a redirect after the POST) that the database does not hold afterwards. A third
run on PostgreSQL stops the database half-way for 5 s: errors are allowed only while it is
down. Exits non-zero on any other server error or a lost write.

    .venv/bin/python benchmarks/load/run.py                      # both databases, 50 users, 120 s
    .venv/bin/python benchmarks/load/run.py --users 10 --seconds 20 --databases sqlite
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import harness


def lost_writes(database_url: str, files_dir: str, acknowledged: dict[str, list[str]]
                ) -> dict[str, int]:
    from sqlalchemy import select

    from isk.extensions import db
    from isk.models import Plan, ProcessArea, Risk

    app = harness.app_for(database_url, files_dir)
    with app.app_context():
        years = {str(y) for y in db.session.scalars(select(Plan.year))}
        areas = set(db.session.scalars(
            select(ProcessArea.name).where(ProcessArea.name.startswith("Last "))))
        risks = set(db.session.scalars(
            select(Risk.text).where(Risk.text.startswith("Risken att lasttestet"))))
        db.engine.dispose()
    return {
        "plan": len(set(acknowledged["plan"]) - years),
        "area": len(set(acknowledged["area"]) - areas),
        "risk": len(set(acknowledged["risk"]) - risks),
    }


RESTART_DOWN_SECONDS = 5
GRACE_SECONDS = 2.0  # a request that started just before the database was back may fail


def _restart_later(cluster: harness.Cluster, after: float, times: dict[str, float]
                   ) -> threading.Thread:
    def restart() -> None:
        time.sleep(after)
        times["down"] = time.time()
        cluster.stop()
        time.sleep(RESTART_DOWN_SECONDS)
        cluster.start()
        times["up"] = time.time()

    thread = threading.Thread(target=restart)
    thread.start()
    return thread


def run_one(kind: str, users: int, seconds: int, spawn_rate: float,
            restart: bool = False) -> dict[str, object]:
    with harness.database(kind) as (url, cluster), \
            tempfile.TemporaryDirectory(prefix="isk-load-") as work:
        files = str(Path(work) / "files")
        harness.prepare(url, files)
        with harness.gunicorn(url, files, workers=2) as server:
            result_file = Path(work) / "result.json"
            times: dict[str, float] = {}
            restarter = (_restart_later(cluster, seconds / 2, times)
                         if restart and cluster is not None else None)
            started = time.monotonic()
            locust = subprocess.run(
                [str(harness.BIN / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")),
                 "--headless", "--users", str(users), "--spawn-rate", str(spawn_rate),
                 "--run-time", f"{seconds}s", "--host", server.url, "--csv",
                 str(Path(work) / "stats"), "--only-summary", "--stop-timeout", "10",
                 "--loglevel", "WARNING", "--exit-code-on-error", "0"],
                env={**harness.environment(url, files), "LOAD_RESULT": str(result_file)},
                capture_output=True, text=True, timeout=seconds + 300,
            )
            elapsed = time.monotonic() - started
            if restarter is not None:
                restarter.join()
            if not result_file.exists():
                raise RuntimeError("locust wrote no result:\n" + locust.stderr[-3000:])
            result = json.loads(result_file.read_text(encoding="utf-8"))
            server_log = server.log.read_text(errors="replace")
        with open(Path(work) / "stats_stats.csv", newline="") as handle:
            rows = {row["Name"]: row for row in csv.DictReader(handle)}
        total = rows["Aggregated"]
        lost = lost_writes(url, files, result["acknowledged"])
    errors = result["server_errors"]
    outside = errors
    restart_note = ""
    if times:
        down, up = times["down"], times["up"]
        during = [e for e in errors if down <= e[0] <= up + GRACE_SECONDS]
        outside = [e for e in errors if not down <= e[0] <= up + GRACE_SECONDS]
        last = max((e[0] for e in during), default=up)
        answered = sum(what.endswith(": 503") for _when, what in during)
        restart_note = (f"PostgreSQL down {up - down:.1f} s: {len(during)} errors while down "
                        f"({answered} of them a 503 page), the last {max(last - up, 0):.2f} s "
                        f"after it was back; {len(outside)} errors otherwise")
    return {
        "database": kind + (" + restart" if times else ""),
        "restart": restart_note,
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p95_ms": float(total["95%"]),
        "median_ms": float(total["50%"]),
        "server_errors": len(outside),
        "error_samples": [what for _when, what in outside[:5]],
        "acknowledged": {key: len(value) for key, value in result["acknowledged"].items()},
        "lost": lost,
        "elapsed_s": round(elapsed, 1),
        "tracebacks": server_log.count("Traceback"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-restart", action="store_true",
                        help="skip the third run, PostgreSQL restarted half-way")
    args = parser.parse_args()
    results = [run_one(kind, args.users, args.seconds, args.spawn_rate)
               for kind in args.databases.split(",")]
    if "postgresql" in args.databases and not args.no_restart:
        results.append(run_one("postgresql", args.users, args.seconds, args.spawn_rate,
                               restart=True))
    print(f"\nLoad: {args.users} users, {args.seconds} s, gunicorn 2 workers, 127.0.0.1\n")
    print("| database | requests | requests/s | median ms | p95 ms | server errors | "
          "acknowledged writes | lost writes |")
    print("|---|---|---|---|---|---|---|---|")
    failed = False
    for r in results:
        acknowledged = sum(r["acknowledged"].values())  # type: ignore[union-attr]
        lost = sum(r["lost"].values())  # type: ignore[union-attr]
        print(f"| {r['database']} | {r['requests']} | {r['rps']:.1f} | {r['median_ms']:.0f} | "
              f"{r['p95_ms']:.0f} | {r['server_errors']} | {acknowledged} "
              f"({', '.join(f'{k} {v}' for k, v in r['acknowledged'].items())}) | "  # type: ignore[union-attr]
              f"{lost} |")
        if r["restart"]:
            print(f"  {r['restart']}")
        if r["server_errors"] or lost or (r["tracebacks"] and not r["restart"]):
            failed = True
            print(f"  {r['database']}: {r['error_samples']}, {r['tracebacks']} tracebacks in "
                  "the server log", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
