"""Benchmark: a plan of 500 risks and 1,500 åtgärder – page render, PDF and XLSX export.

Run: .venv/bin/python benchmarks/bench_plan_export.py
Builds the plan in a temporary SQLite database through the services, then times each
operation (best of 3) and counts the plan page's SQL statements.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from isk import create_app
from isk.extensions import db
from isk.models import Criterion, OrgUnitKind, Role
from isk.services import accounts, org, plans, wording
from isk.services.pdf.plan import render_plan
from isk.services.plans import exports

RISKS, ACTIONS_PER_RISK = 500, 3


def timed(function, repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                          "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            upgrade()
            region = org.create_org_unit("Region", OrgUnitKind.REGION, "R")
            unit = org.create_org_unit("Nämnden", OrgUnitKind.NAMND, "N", region)
            accounts.create_user("admin@example.org", "benchmark-password", Role.ADMIN)
            plan = plans.create_plan(unit, 2026)
            areas = [plans.add_process_area(plan, f"Verksamhet {n}") for n in range(12)]
            for n in range(RISKS):
                risk = plans.add_risk(areas[n % 12], plans.RiskContent(
                    f"Risken att händelse nummer {n} inträffar och påverkar verksamheten "
                    "så att den inte bedrivs enligt gällande styrdokument.",
                    {Criterion.C, Criterion.D}, likelihood=n % 4 + 1,
                    consequence=(n // 4) % 4 + 1))
                for m in range(ACTIONS_PER_RISK):
                    plans.add_action(risk, plans.ActionContent(
                        f"Åtgärd {n}.{m}: kontrollera, dokumentera och följ upp månadsvis.",
                        responsible="Ekonomichef"))
            db.session.commit()
            plan_id = plan.id

        client = app.test_client()
        client.post("/logga-in", data={"email": "admin@example.org",
                                       "password": "benchmark-password"})
        statements: list[str] = []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute",
                         lambda *args: statements.append(args[2]))
        page_time, _ = timed(lambda: client.get(f"/planer/{plan_id}"))
        queries = len(statements) // 3

        with app.test_request_context():
            loaded = plans.load_plan_for_display(plan_id)
            document = plans.document_for(loaded)
            from isk.models.types import utcnow

            texts = wording.region_texts(loaded.org_unit)
            pdf_time, pdf = timed(lambda: render_plan(document, texts, printed_at=utcnow(),
                                                      printed_by="Benchmark"))
            xlsx_time, xlsx = timed(lambda: exports.to_xlsx(document, "Plan"))
            csv_time, _ = timed(lambda: exports.to_csv(document))

        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        print(f"plan: {RISKS} risks, {RISKS * ACTIONS_PER_RISK} åtgärder")
        print(f"plan page   {page_time * 1000:8.0f} ms  ({queries} SQL statements)")
        print(f"PDF export  {pdf_time * 1000:8.0f} ms  ({pages} pages, {len(pdf) // 1024} KiB)")
        print(f"XLSX export {xlsx_time * 1000:8.0f} ms  ({len(xlsx) // 1024} KiB)")
        print(f"CSV export  {csv_time * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
