"""Benchmark: the IK-plan's XLSX and CSV exports at 50, 500 and 5,000 risks.

Run: .venv/bin/python benchmarks/bench_plan_export.py [--quick]

Each export is fetched through the app (`/planer/<id>/export.xlsx`, `.csv`: loading, the
granskningslogg entry and the file), with its SQL statements counted, and compared with a
baseline in the same run: the same rows read with one plain SQL join and written by the
standard library's csv module, or by openpyxl's write-only workbook without styles.
Targets (issue 13): at 5,000 risks XLSX ≤ 1.5 s and CSV ≤ 0.3 s, the same number of
statements at every size.
"""

from __future__ import annotations

import csv
import io
import sys
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plan_data import main_for, measure_get, plans_of_sizes, result_row, timings

SIZES = (50, 500, 5000)
TARGET_SECONDS = {("xlsx", 5000): 1.5, ("csv", 5000): 0.3}

_BASELINE_SQL = """
SELECT a.name, r.text, t.text, r.region_wide, r.criterion_c, r.criterion_d, r.criterion_e,
       r.likelihood, r.consequence, r.treatment, r.accepted_by, r.accepted_on,
       r.acceptance_reason, r.source, t.responsible, t.due_date, t.status
FROM process_area a JOIN risk r ON r.process_area_id = a.id
LEFT JOIN action t ON t.risk_id = r.id AND t.archived_at IS NULL
WHERE a.plan_id = ? AND a.archived_at IS NULL AND r.archived_at IS NULL
ORDER BY a.position, a.id, r.position, r.id, t.position, t.id
"""


def _baseline_rows(database: str, plan_id: int) -> list[tuple[Any, ...]]:
    import sqlite3

    with sqlite3.connect(database) as connection:
        return connection.execute(_BASELINE_SQL, (plan_id,)).fetchall()


def baseline_csv(database: str, plan_id: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(_baseline_rows(database, plan_id))
    return buffer.getvalue().encode("utf-8")


def baseline_xlsx(database: str, plan_id: int) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Plan")
    for row in _baseline_rows(database, plan_id):
        sheet.append([None if value is None else str(value) for value in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def run(sizes: tuple[int, ...] = SIZES, repeat: int = 3) -> list[dict[str, Any]]:
    results = []
    for data in plans_of_sizes(sizes):
        client = data.client()
        database = f"{data.directory.name}/bench.sqlite3"
        for kind, baseline in (("xlsx", baseline_xlsx), ("csv", baseline_csv)):
            measured = measure_get(data, client, f"/planer/{data.plan_id}/export.{kind}", repeat)
            base_median, _, _ = timings(partial(baseline, database, data.plan_id), repeat)
            target_s = TARGET_SECONDS.get((kind, data.size))
            results.append(result_row(
                f"IK-plan {kind.upper()} export", data.size, measured, base_median,
                f"≤ {target_s:g} s" if target_s else "same statements",
                target_s is None or measured.median_s <= target_s))
    return results


def main() -> None:
    main_for(run, __doc__, SIZES)


if __name__ == "__main__":
    main()
