"""A deterministic plan of N risks for the IK-plan benchmarks (page, PDF, exports, import).

`build_plan(size)` makes a temporary SQLite database through the app factory and migrations,
with a region, a nämnd, an admin who may see everything and one plan of `size` risks in 12
verksamheter, each risk with 2 åtgärder, every text about 330 characters. The rows are
inserted with the ORM in one flush (the services would check each one; the content is the
same shape they write). The same size always gives the same plan.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask

AREAS = 12
ACTIONS_PER_RISK = 2
TEXT_LENGTH = 330
PASSWORD = "benchmark-password"
ADMIN = "admin@example.org"

_WORDS = ("verksamheten", "rutinen", "kontrollen", "underlaget", "beslutet", "attesten",
          "avtalet", "systemet", "leverantören", "ansvaret", "uppföljningen", "dokumentationen",
          "behörigheten", "utbetalningen", "granskningen", "rapporteringen")


def text(kind: str, n: int, length: int = TEXT_LENGTH) -> str:
    """A Swedish-looking text of about `length` characters, different for each n."""
    words = [f"{kind} {n}:"]
    index = n
    while sum(len(word) + 1 for word in words) < length:
        index = (index * 1103515245 + 12345) % 2**31
        words.append(_WORDS[index % len(_WORDS)])
    return " ".join(words)[:length].rstrip() + "."


@dataclass
class PlanData:
    app: Flask
    plan_id: int
    size: int
    directory: tempfile.TemporaryDirectory

    def close(self) -> None:
        from isk.extensions import db

        with self.app.app_context():
            db.engine.dispose()
        self.directory.cleanup()

    def client(self) -> Any:
        """A test client logged in as the admin."""
        client = self.app.test_client()
        client.post("/logga-in", data={"email": ADMIN, "password": PASSWORD})
        return client


def build_plan(size: int) -> PlanData:
    from flask_migrate import upgrade

    from isk import create_app
    from isk.extensions import db
    from isk.models import (
        Action,
        ActionStatus,
        OrgUnitKind,
        ProcessArea,
        Risk,
        Role,
    )
    from isk.services import accounts, org, plans

    directory = tempfile.TemporaryDirectory(prefix="isk-bench-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory.name}/bench.sqlite3",
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "INSTANCE_PATH": directory.name})
    with app.app_context():
        logging.disable(logging.WARNING)  # alembic's INFO lines
        try:
            upgrade()
        finally:
            logging.disable(logging.NOTSET)
        region = org.create_org_unit("Region", OrgUnitKind.REGION, "R")
        unit = org.create_org_unit("Nämnden", OrgUnitKind.NAMND, "N", region)
        accounts.create_user(ADMIN, PASSWORD, Role.ADMIN)
        plan = plans.create_plan(unit, 2026)
        areas = [ProcessArea(plan=plan, name=f"Verksamhet {n + 1:02d}", position=n)
                 for n in range(AREAS)]
        db.session.add_all(areas)
        statuses = list(ActionStatus)
        per_area = [0] * AREAS
        for n in range(size):
            # Verksamheter in blocks, as a real plan lists them.
            area = n * AREAS // size
            risk = Risk(process_area=areas[area], position=per_area[area], text=text("Risk", n),
                        criterion_c=True, criterion_d=n % 3 == 0, likelihood=n % 4 + 1,
                        consequence=(n // 4) % 4 + 1, source="Revisionsrapport" if n % 5 == 0
                        else None)
            per_area[area] += 1
            db.session.add(risk)
            for m in range(ACTIONS_PER_RISK):
                db.session.add(Action(risk=risk, position=m, text=text("Åtgärd", 2 * n + m),
                                      responsible="Ekonomichef",
                                      due_date=date(2026, 1 + (n + m) % 12, 28),
                                      status=statuses[(n + m) % len(statuses)]))
        db.session.commit()
        plan_id = plan.id
    return PlanData(app, plan_id, size, directory)


def plans_of_sizes(sizes: tuple[int, ...]) -> Iterator[PlanData]:
    """Each size's plan in turn, its database removed once the caller moves on."""
    for size in sizes:
        data = build_plan(size)
        try:
            yield data
        finally:
            data.close()


@dataclass(frozen=True)
class Measured:
    """One page or download, fetched through the app: its times, statements, memory, bytes."""

    median_s: float
    spread_s: float
    statements: int
    peak_mb: float
    size_bytes: int


def measure_get(data: PlanData, client: Any, url: str, repeat: int) -> Measured:
    """GET `url` once counting its statements, `repeat` times for the time, once for memory."""
    from functools import partial

    response, statements = counted_get(data, client, url)
    fetch = partial(client.get, url)
    median, spread, _ = timings(fetch, repeat)
    return Measured(median, spread, statements, peak_mb(fetch), len(response.data))


def result_row(name: str, size: int, measured: Measured, baseline_s: float, target: str,
               met: bool) -> dict[str, Any]:
    """A row of the contract `run_all.py` reads."""
    return {"name": name, "size": size, "median_s": measured.median_s,
            "spread_s": measured.spread_s, "peak_mb": measured.peak_mb,
            "statements": measured.statements, "baseline_s": baseline_s,
            "ratio": measured.median_s / baseline_s, "target": target, "met": met,
            "bytes": measured.size_bytes}


def counted_get(data: PlanData, client: Any, url: str) -> tuple[Any, int]:
    """GET `url` once (it must answer 200) and the number of SQL statements it ran."""
    from sqlalchemy import event

    from isk.extensions import db

    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    with data.app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = client.get(url)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, (url, response.status_code)
    return response, len(statements)


def main_for(run: Any, description: str, sizes: tuple[int, ...]) -> None:
    """A benchmark's command line: every size, or 50 and 500 risks with --quick."""
    import argparse

    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 and 500 risks only")
    args = parser.parse_args()
    print(markdown_table(run((50, 500) if args.quick else sizes)))


def markdown_table(results: list[dict[str, Any]]) -> str:
    """The benchmark rows as a markdown table."""
    lines = ["| measure | size | median | spread | peak MB | statements | baseline | ratio | "
             "target | met |", "|---|---|---|---|---|---|---|---|---|---|"]
    for row in results:
        baseline = row.get("baseline_s")
        ratio = row.get("ratio")
        lines.append(
            f"| {row['name']} | {row['size']:,} | {row['median_s'] * 1000:.1f} ms | "
            f"±{row['spread_s'] * 1000:.1f} ms | {row['peak_mb']:.0f} | "
            f"{row.get('statements') if row.get('statements') is not None else ''} | "
            f"{'' if baseline is None else f'{baseline * 1000:.1f} ms'} | "
            f"{'' if ratio is None else f'×{ratio:.1f}'} | {row['target']} | "
            f"{'yes' if row['met'] else 'no'} |"
        )
    return "\n".join(lines)


def timings(function: Any, repeat: int) -> tuple[float, float, Any]:
    """Median and spread (max - min) of `repeat` calls' CPU time, and the last result.

    CPU time of this process, not wall time: the machine these run on is shared with test
    runs (a load average of 3-4 on 2 cores doubles wall times), and every measured operation
    is CPU-bound in-process work, so on an idle machine its wall time is its CPU time.
    """
    import statistics
    import time

    times, result = [], None
    for _ in range(repeat):
        start = time.process_time()
        result = function()
        times.append(time.process_time() - start)
    return statistics.median(times), max(times) - min(times), result


def peak_mb(function: Any) -> float:
    """The tracemalloc peak of one call, in MB (Python allocations only)."""
    import tracemalloc

    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()
