"""Benchmark: draw 60 items from a 1,000,000-row population; target < 5 s and < 300 MB.

Run: .venv/bin/python benchmarks/bench_sample_draw.py [--rows N] [--xlsx-rows N] [--no-xlsx]

Each measurement runs in a fresh child process, so that the process's peak RSS belongs to that
measurement alone: children for wall time, CPU time and peak RSS (VmHWM, else ru_maxrss), and
one under tracemalloc for the peak of Python allocations (tracemalloc slows the run, so its time
is not used). The timed child runs REPEAT times; the best run is what the code costs, the spread
is what the machine's other load added (the load average is printed), and the target is checked
against the best run, as timeit does.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

TIME_LIMIT_S = 5.0
MEMORY_LIMIT_MB = 300.0
SIZE = 60
SEED = "bench-2025"
REPEAT = 3


def write_csv(path: Path, rows: int) -> None:
    """A Swedish Excel-style export: semicolons, decimal commas, one row per invoice."""
    rnd = random.Random(2025)
    start = date(2025, 1, 1)
    accounts = ("4010", "4020", "5410", "5460", "6110", "6212", "6250", "6420")
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("id;belopp;datum;konto\n")
        for i in range(rows):
            amount = f"{rnd.randint(100, 25_000_000) / 100:.2f}".replace(".", ",")
            day = start + timedelta(days=rnd.randrange(365))
            handle.write(f"F{i:08d};{amount};{day.isoformat()};{rnd.choice(accounts)}\n")


def write_xlsx(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    rnd = random.Random(2025)
    start = date(2025, 1, 1)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["id", "belopp", "datum", "konto"])
    for i in range(rows):
        sheet.append(
            [
                f"F{i:08d}",
                rnd.randint(100, 25_000_000) / 100,
                start + timedelta(days=rnd.randrange(365)),
                rnd.choice((4010, 4020, 5410, 6110)),
            ]
        )
    workbook.save(path)


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM starts afresh at exec; ru_maxrss
    may carry the forking parent's size (a big `make bench` parent inflated it)."""
    import resource

    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the child: one measurement -------------------------------------------------------------


def child(path: str, variant: str, trace: bool) -> None:
    import tracemalloc
    from decimal import Decimal

    from isk.services.sampling.draw import DrawSpec, draw_sample

    options: dict[str, object] = {}
    if variant in ("amount", "stratified"):
        options["amount_column"] = "belopp"
    if variant == "stratified":
        options["strata_column"] = "konto"
        options["threshold"] = Decimal(249_000)
    baseline_rss = peak_rss_mb()
    if trace:
        tracemalloc.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    if variant == "baseline":
        print(json.dumps(_read_ids(path, started, cpu_started, baseline_rss)))
        return
    result = draw_sample(path, DrawSpec(size=SIZE, seed=SEED, **options))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "cpu_seconds": cpu,
                "max_rss_mb": peak_rss_mb(),
                "baseline_rss_mb": baseline_rss,
                "tracemalloc_peak_mb": peak_traced,
                "rows": result.population.row_count,
                "drawn": len(result.items),
                "ids": result.item_ids,
            }
        )
    )


def _read_ids(path: str, started: float, cpu_started: float, baseline_rss: float
              ) -> dict[str, object]:
    """The floor of any draw: read the CSV and keep each row's id in a set."""
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        ids = {row[0] for row in reader}
    return {
        "seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu_started,
        "max_rss_mb": peak_rss_mb(),
        "baseline_rss_mb": baseline_rss, "tracemalloc_peak_mb": None, "rows": len(ids),
        "drawn": 0, "ids": [],
    }


def run_child(path: Path, variant: str, trace: bool) -> dict[str, object]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(path), variant, "trace" if trace else "time"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output)


def measure(path: Path, variant: str) -> dict[str, object]:
    timed = [run_child(path, variant, trace=False) for _ in range(REPEAT)]
    traced = run_child(path, variant, trace=True)
    for run in timed:
        assert run["ids"] == traced["ids"], "the same seed must give the same items"
    best = min(timed, key=lambda run: run["seconds"])
    return {
        "variant": variant,
        "rows": best["rows"],
        "drawn": best["drawn"],
        "seconds": best["seconds"],
        "all_seconds": sorted(run["seconds"] for run in timed),
        "cpu_seconds": best["cpu_seconds"],
        "max_rss_mb": max(run["max_rss_mb"] for run in timed),
        "baseline_rss_mb": best["baseline_rss_mb"],
        "tracemalloc_peak_mb": traced["tracemalloc_peak_mb"],
        "ids": best["ids"],
    }


def report(label: str, result: dict[str, object]) -> None:
    runs = ", ".join(f"{seconds:.2f}" for seconds in result["all_seconds"])
    print(
        f"{label}: {result['rows']:,} rows, {result['drawn']} drawn\n"
        f"    wall {result['seconds']:.2f} s best of {REPEAT} (runs: {runs} s), "
        f"CPU {result['cpu_seconds']:.2f} s\n"
        f"    max RSS {result['max_rss_mb']:.1f} MB "
        f"({result['baseline_rss_mb']:.1f} MB before the draw: interpreter, Flask, openpyxl), "
        f"tracemalloc peak {result['tracemalloc_peak_mb']:.1f} MB"
    )


# Issue 13's targets for `make bench` (stricter than issue 4's, which main() checks).
RUN_TIME_TARGET_S = 2.0
RUN_MEMORY_TARGET_MB = 150.0


def run(sizes: object = None, rows: int = 1_000_000) -> list[dict[str, object]]:
    """For `make bench`: the plain CSV draw of 1,000,000 rows (sizes do not apply).

    The median of REPEAT fresh processes and their max RSS; the baseline is the same
    process reading the file's ids into a set without drawing (what any draw must do).
    """
    import statistics

    with tempfile.TemporaryDirectory(prefix="isk-bench-") as tmp:
        csv_path = Path(tmp) / "population.csv"
        write_csv(csv_path, rows)
        timed = [run_child(csv_path, "plain", trace=False) for _ in range(REPEAT)]
        baseline = [run_child(csv_path, "baseline", trace=False) for _ in range(REPEAT)]
    seconds = [float(r["seconds"]) for r in timed]
    median = statistics.median(seconds)
    peak = max(float(r["max_rss_mb"]) for r in timed)
    base = statistics.median(float(r["seconds"]) for r in baseline)
    return [{
        "name": "stickprov draw, CSV", "size": rows, "median_s": median,
        "spread_s": max(seconds) - min(seconds), "peak_mb": peak, "statements": 0,
        "baseline_s": base, "ratio": median / base if base else None,
        "target": f"≤ {RUN_TIME_TARGET_S:.0f} s, ≤ {RUN_MEMORY_TARGET_MB:.0f} MB (max RSS)",
        "met": median <= RUN_TIME_TARGET_S and peak <= RUN_MEMORY_TARGET_MB,
        "note": "baseline: the same file's ids read into a set, no draw",
    }]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--no-xlsx", action="store_true")
    args = parser.parse_args()

    python = sys.version.split()[0]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs (nproc), Python {python}")
    print(f"load average before: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    failures = []
    with tempfile.TemporaryDirectory(prefix="isk-bench-") as tmp:
        csv_path = Path(tmp) / "population.csv"
        started = time.perf_counter()
        write_csv(csv_path, args.rows)
        print(
            f"generated {csv_path.name}: {args.rows:,} rows, "
            f"{csv_path.stat().st_size / 2**20:.1f} MB in {time.perf_counter() - started:.1f} s"
        )
        results = {}
        for variant, label in (
            ("plain", "CSV, id only"),
            ("amount", "CSV, amounts parsed"),
            ("stratified", "CSV, amounts, strata by konto, threshold"),
        ):
            results[variant] = measure(csv_path, variant)
            report(label, results[variant])
            if args.rows >= 1_000_000:
                for key, limit in (
                    ("seconds", TIME_LIMIT_S),
                    ("max_rss_mb", MEMORY_LIMIT_MB),
                    ("tracemalloc_peak_mb", MEMORY_LIMIT_MB),
                ):
                    if results[variant][key] >= limit:
                        failures.append(f"{label}: {key} {results[variant][key]:.1f} ≥ {limit}")
        again = run_child(csv_path, "plain", trace=False)
        if again["ids"] != results["plain"]["ids"]:
            failures.append("drawing again with the same seed gave other items")
        else:
            print("drawing again with the same seed and file: the same 60 items")

        if not args.no_xlsx:
            xlsx_path = Path(tmp) / "population.xlsx"
            started = time.perf_counter()
            write_xlsx(xlsx_path, args.xlsx_rows)
            megabytes = xlsx_path.stat().st_size / 2**20
            print(
                f"generated {xlsx_path.name}: {args.xlsx_rows:,} rows, "
                f"{megabytes:.1f} MB in {time.perf_counter() - started:.1f} s"
            )
            report("XLSX (openpyxl read-only), amounts parsed", measure(xlsx_path, "amount"))

    print(f"load average after: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    print(f"OK: every 1,000,000-row CSV draw under {TIME_LIMIT_S} s and {MEMORY_LIMIT_MB} MB")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4] == "trace")
    else:
        sys.exit(main())
