"""Benchmark: the app's pages on a region's worth of data (`flask isk generate --preset region`).

Run: .venv/bin/python benchmarks/bench_pages.py [--sqlite-only]
(or through `make bench`, which calls `run`).

Builds the generated region (20 nämnder × 5 years × 60 risks, 400 chefs) in a temporary
SQLite database and, when Debian's PostgreSQL is there, in a PostgreSQL database, then per
page: the median server time of REPEAT requests through the app (the test client, in
process: no network), the spread, the SQL statements of one request and the peak of Python
allocations during one request. Target (issue 13): every page ≤ 150 ms and ≤ 8 statements.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from region_data import StatementCounter, database, filled, peak_mb, time_calls

TARGET_S = 0.150
TARGET_STATEMENTS = 8
REPEAT = 11
ROLES = ("admin", "controller", "manager", "reader", "auditor", "hr")


def _user(role: str) -> Any:
    from sqlalchemy import select

    from isk.extensions import db
    from isk.models import OrgUnit, Role, User

    query = select(User).where(User.role == Role(role)).order_by(User.id)
    if role in ("controller", "reader"):
        query = query.join(OrgUnit, User.org_unit_id == OrgUnit.id).where(OrgUnit.code == "N01")
    return db.session.scalars(query).first()


def _pages() -> list[tuple[str, str, str]]:
    """(name, role, path): the start page per role, then the region's heaviest pages."""
    from sqlalchemy import func, select

    from isk.extensions import db
    from isk.models import Assessment, AssessmentPeriod, OrgUnit, Plan, SamRound

    year = db.session.scalar(select(func.max(Plan.year)))
    plan = db.session.scalar(select(Plan).join(OrgUnit).where(OrgUnit.code == "N01",
                                                              Plan.year == year - 1))
    current = db.session.scalar(select(Plan).join(OrgUnit).where(OrgUnit.code == "N01",
                                                                 Plan.year == year))
    assessment = db.session.scalar(
        select(Assessment).join(OrgUnit).where(OrgUnit.code == "N01", Assessment.year == year - 1,
                                               Assessment.period == AssessmentPeriod.ANNUAL))
    sam_round = db.session.scalar(select(SamRound).where(SamRound.year == year))
    assert plan and current and assessment and sam_round
    pages = [(f"start page ({role})", role, "/") for role in ROLES]
    pages += [
        ("plan page (60 risks)", "controller", f"/planer/{current.id}"),
        ("matrix cell filter", "controller", f"/planer/{current.id}?sannolikhet=3&konsekvens=3"),
        ("follow-up report", "controller", f"/planer/{plan.id}/uppfoljning"),
        ("assessment page", "controller", f"/bedomningar/{assessment.id}"),
        ("assessment PDF", "controller", f"/bedomningar/{assessment.id}.pdf"),
        ("SAM overview (400 chefs)", "hr", f"/sam/rundor/{sam_round.id}"),
        ("search", "admin", "/sok?q=fakturor"),
    ]
    return pages


def measure_backend(kind: str, repeat: int = REPEAT) -> list[dict[str, Any]]:
    from flask import Flask

    from isk.services.accounts.sessions import SESSION_LAST_SEEN
    from isk.services.demo import generate

    rows: list[dict[str, Any]] = []
    with database(kind) as url:
        if url is None:
            return [_row(f"pages on PostgreSQL ({kind})", None, None, None, None,
                         note="PostgreSQL not available: not measured")]
        app, seconds = filled(url, generate.PRESETS["region"])
        print(f"{kind}: generated the region in {seconds:.1f} s", file=sys.stderr)
        assert isinstance(app, Flask)
        counter = StatementCounter(app)
        with app.app_context():
            pages = _pages()
            users = {role: _user(role) for role in ROLES}
        clients = {}
        for role, user in users.items():
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
                session[SESSION_LAST_SEEN] = int(time.time()) + 3600  # not idle during the run
            clients[role] = client
        for name, role, path in pages:
            client = clients[role]

            def get(client: Any = client, path: str = path) -> Any:
                response = client.get(path)
                response.get_data()
                assert response.status_code == 200, (path, response.status_code)
                return response

            median, spread, _times = time_calls(get, repeat)
            statements, _ = counter.measure(get)
            peak = peak_mb(get)
            label = f"{name} [{'SQLite' if kind == 'sqlite' else 'PostgreSQL'}]"
            rows.append(_row(label, median, spread, peak, statements))
            print(f"  {label:<48} {median * 1000:7.1f} ms ±{spread * 1000:6.1f}  "
                  f"{statements:3d} statements  {peak:6.1f} MB", file=sys.stderr)
        with app.app_context():
            from isk.extensions import db

            db.engine.dispose()
    return rows


def _row(name: str, median: float | None, spread: float | None, peak: float | None,
         statements: int | None, note: str | None = None) -> dict[str, Any]:
    met = None
    if median is not None and statements is not None:
        met = median <= TARGET_S and statements <= TARGET_STATEMENTS
    return {
        "name": name, "size": "region", "median_s": median, "spread_s": spread,
        "peak_mb": peak, "statements": statements, "baseline_s": None, "ratio": None,
        "target": f"≤ {TARGET_S * 1000:.0f} ms, ≤ {TARGET_STATEMENTS} statements", "met": met,
        "note": note,
    }


def run(sizes: Iterable[int] = (50, 500, 5000), backends: Iterable[str] = ("sqlite",
                                                                            "postgresql"),
        ) -> list[dict[str, Any]]:
    """The pages on the generated region (its size is fixed; `sizes` does not apply)."""
    rows = []
    for kind in backends:
        rows += measure_backend(kind)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    rows = run(backends=("sqlite",) if args.sqlite_only else ("sqlite", "postgresql"))
    missed = [row["name"] for row in rows if row["met"] is False]
    print(f"{len(rows) - len(missed)} of {len(rows)} pages within the target")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
