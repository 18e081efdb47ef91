"""Benchmark: the plan page (`/planer/<id>`) at 50, 500 and 5,000 risks.

Run: .venv/bin/python benchmarks/bench_plan_page.py [--quick]

The page is fetched through the app's test client as the admin (who may edit, so every row
has its links), with its SQL statements counted, and compared with a baseline in the same
run: the plan's rows read with one plain SQL join and joined to an HTML table by hand
(escaped, one row per risk and åtgärd). A plan over 1,000 risks pages by verksamhet, so the
5,000-risk page is also measured whole (`?visa=alla`). Targets (issue 13): 50 risks ≤ 5 ms,
5,000 risks ≤ 0.4 s and ≤ 3× the baseline, ≤ 8 statements at every size.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plan_data import main_for, measure_get, plans_of_sizes, result_row, timings

SIZES = (50, 500, 5000)
TARGET_STATEMENTS = 8
TARGET_RATIO = 3.0
TARGET_SECONDS = {50: 0.005, 5000: 0.4}

_BASELINE_SQL = """
SELECT a.name, r.id, r.text, r.likelihood, r.consequence, t.id, t.text, t.responsible,
       t.due_date, t.status
FROM process_area a JOIN risk r ON r.process_area_id = a.id
LEFT JOIN action t ON t.risk_id = r.id AND t.archived_at IS NULL
WHERE a.plan_id = ? AND a.archived_at IS NULL AND r.archived_at IS NULL
ORDER BY a.position, a.id, r.position, r.id, t.position, t.id
"""


def baseline_page(database: str, plan_id: int) -> bytes:
    """The plan's rows by plain SQL, joined to an HTML table by hand."""
    import sqlite3

    from markupsafe import escape

    with sqlite3.connect(database) as connection:
        rows = connection.execute(_BASELINE_SQL, (plan_id,)).fetchall()
    parts = ["<!doctype html><html><body><table>"]
    for area, risk_id, risk, likelihood, consequence, action_id, action, who, due, status in rows:
        parts.append(
            f'<tr><th>{escape(area)}</th><td id="risk-{risk_id}"><p>{escape(risk)}</p>'
            f"<p>{likelihood} × {consequence}</p></td>"
            f'<td id="action-{action_id}"><p>{escape(action)}</p><p>{escape(who)} · {due} · '
            f"{status}</p></td></tr>")
    parts.append("</table></body></html>")
    return "".join(parts).encode("utf-8")


def run(sizes: tuple[int, ...] = SIZES, repeat: int = 5) -> list[dict[str, Any]]:
    results = []
    for data in plans_of_sizes(sizes):
        client = data.client()
        database = f"{data.directory.name}/bench.sqlite3"
        base_median, _, _ = timings(partial(baseline_page, database, data.plan_id), repeat)
        pages = [("plan page", f"/planer/{data.plan_id}")]
        if data.size > 1000:
            pages.append(("plan page, whole plan (?visa=alla)",
                          f"/planer/{data.plan_id}?visa=alla"))
        for name, url in pages:
            measured = measure_get(data, client, url, repeat)
            target_s = TARGET_SECONDS.get(data.size)
            large = data.size >= 5000
            met = (measured.statements <= TARGET_STATEMENTS
                   and (target_s is None or measured.median_s <= target_s)
                   and (not large or measured.median_s / base_median <= TARGET_RATIO))
            target = (f"≤ {target_s * 1000:g} ms, " if target_s else "") + \
                (f"≤ {TARGET_RATIO:g}× baseline, " if large else "") + \
                f"≤ {TARGET_STATEMENTS} statements"
            results.append(result_row(name, data.size, measured, base_median, target, met))
    return results


def main() -> None:
    main_for(run, __doc__, SIZES)


if __name__ == "__main__":
    main()
