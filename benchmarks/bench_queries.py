"""Benchmark: SQL statements and server time per page, for a small region and a region's worth.

Run: .venv/bin/python benchmarks/bench_queries.py [--sizes small,region] [--repeat 7]

For each size it builds a region through the services (tests/size_world.py: nämnder with
adopted plans, risks, åtgärder, controls with kontrollutfall, stickprov, helår ISK-bedömningar
and a SAM round) in a temporary SQLite database made by the app factory and its migrations,
then asks for each page through the test client as the role that uses it: the start page of
each role, the follow-up report, the assessment page, the region's samlad bedömning and the
SAM overview. One warm-up request, then `repeat` timed ones (median and spread of the wall
time, and the median CPU time of the process, which other processes on a shared machine do not
inflate), one with the SQL statements counted, and one under tracemalloc (peak memory of the
request; its time is not used). The data are deterministic: the same sizes give the same rows.

Targets (issue 13): every page under 150 ms server time at region size, and the same number
of SQL statements at every size, at most 8. There is no hand-written baseline for these pages
(baseline_s and ratio are None); the statement count is compared with the smallest size's.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from flask_migrate import upgrade
from sqlalchemy import event

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from isk import create_app  # noqa: E402
from isk.extensions import db  # noqa: E402
from isk.services import accounts  # noqa: E402
from tests.size_world import TODAY, Size, build_world, pages  # noqa: E402

SIZES = {
    # One nämnd of 50 risks: the smallest size a page is compared with.
    "small": Size(units=1, risks=50, actions=3, controls=2, chefs=5, sample_items=60),
    # 20 nämnder × 60 risks, 3 åtgärder and 2 controls per risk, 400 SAM chefs.
    "region": Size(units=20, risks=60, actions=3, controls=2, chefs=20, sample_items=60),
}
TARGET_S = 0.150
MAX_STATEMENTS = 8


def _app(folder: str) -> Any:
    return create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
        "SECRET_KEY": "bench-secret-key",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "FILES_DIR": f"{folder}/files",
        "TESTING": True,
        "TODAY": TODAY.isoformat(),
    })


def measure_size(label: str, size: Size, repeat: int) -> list[dict[str, Any]]:
    """Build the region of this size and measure every page (one row per page)."""
    with tempfile.TemporaryDirectory() as folder:
        app = _app(folder)
        with app.app_context():
            upgrade()
            world = build_world(size)
            ids = {role: user.get_id() for role, user in world.users.items()}
            measured_pages = pages(world)
            db.session.remove()
        # Nothing built may stay alive while measuring: a server holds none of it either.
        del world
        gc.collect()
        statements: list[str] = []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute",
                         lambda *args: statements.append(args[2]))
        client = app.test_client()
        rows = []
        for name, role, path in measured_pages:
            with client.session_transaction() as session:
                session["_user_id"] = ids[role]
                session["_fresh"] = True
                session[accounts.SESSION_LAST_SEEN] = int(time.time())
            assert client.get(path).status_code == 200, (name, path)
            times, cpu = [], []
            for _ in range(repeat):
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(path)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                assert response.status_code == 200, (name, path)
            statements.clear()
            client.get(path)
            counted = len(statements)
            tracemalloc.start()
            client.get(path)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            rows.append({
                "name": name,
                "size": f"{label}: {size.label}",
                "median_s": statistics.median(times),
                "spread_s": max(times) - min(times),
                # CPU time of this process: what other processes on the machine add to the
                # wall time does not show in it.
                "cpu_median_s": statistics.median(cpu),
                "peak_mb": peak / 1024 / 1024,
                "statements": counted,
                "baseline_s": None,
                "ratio": None,
                "target": f"≤ {TARGET_S * 1000:.0f} ms, ≤ {MAX_STATEMENTS} statements, "
                          "same at every size",
                "met": None,  # set by run(), which sees every size
            })
        with app.app_context():
            db.engine.dispose()
        return rows


def run(sizes: tuple[Any, ...] = ("small", "region"), repeat: int = 7) -> list[dict[str, Any]]:
    """Measure every page at each size; `met` checks the time, the count and that the count
    is the same as at the first size. Sizes are the names in SIZES; `make bench` passes risk
    counts (50, 500 …), which do not apply here, so then both sizes are measured."""
    labels = [size for size in sizes if size in SIZES] or list(SIZES)
    results: list[dict[str, Any]] = []
    for label in labels:
        results += measure_size(label, SIZES[label], repeat)
    first: dict[str, int] = {}
    for row in results:
        first.setdefault(row["name"], row["statements"])
        row["met"] = (row["median_s"] <= TARGET_S and row["statements"] <= MAX_STATEMENTS
                      and row["statements"] == first[row["name"]])
    return results


def table(results: list[dict[str, Any]]) -> str:
    lines = ["| page | size | median | spread | CPU (median) | peak memory | statements "
             "| target met |",
             "|---|---|---|---|---|---|---|---|"]
    for row in results:
        lines.append(
            f"| {row['name']} | {row['size']} | {row['median_s'] * 1000:.1f} ms "
            f"| {row['spread_s'] * 1000:.1f} ms | {row['cpu_median_s'] * 1000:.1f} ms "
            f"| {row['peak_mb']:.1f} MB "
            f"| {row['statements']} | {'yes' if row['met'] else 'no'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small,region",
                        help=f"comma-separated, of {', '.join(SIZES)}")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    sizes = tuple(s.strip() for s in args.sizes.split(",") if s.strip())
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size: {', '.join(unknown)}")
    load_before = os.getloadavg()[0]
    results = run(sizes, args.repeat)
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, SQLite; load average {load_before:.1f} before the run, "
          f"{os.getloadavg()[0]:.1f} after; target ≤ {TARGET_S * 1000:.0f} ms and "
          f"≤ {MAX_STATEMENTS} statements, the same at every size.\n")
    print(table(results))


if __name__ == "__main__":
    main()
