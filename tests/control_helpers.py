"""Fixtures for controls and stickprov: a plan with an åtgärd, people, and small populations."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from isk.extensions import db
from isk.models import Control, ControlMethod, Criterion, Role
from isk.services import controls, plans

INVOICE_RISK = "Risken att anteckning på faktura inte är korrekt."
INVOICE_ACTION = "Genomföra stickprovskontroller på avsedda konton."


@pytest.fixture
def files_dir(app, tmp_path):
    """Uploaded files go to a temporary folder, never the instance folder."""
    folder = tmp_path / "files"
    app.config["FILES_DIR"] = str(folder)
    return folder


@pytest.fixture
def world(make_unit, make_user, files_dir) -> dict[str, Any]:
    """Servicenämnden's 2026 plan with one risk and åtgärd; a controller, a reader, and
    a controller of another nämnd (HSN)."""
    sn = make_unit("Servicenämnden", code="SN")
    hsn = make_unit("Hälso- och sjukvårdsnämnden", code="HSN")
    plan = plans.create_plan(sn, 2026)
    area = plans.add_process_area(plan, "Ekonomi")
    risk = plans.add_risk(area, plans.RiskContent(INVOICE_RISK, {Criterion.C, Criterion.D}))
    action = plans.add_action(risk, plans.ActionContent(INVOICE_ACTION))
    db.session.commit()
    return {
        "plan": plan,
        "area": area,
        "risk": risk,
        "action": action,
        "controller": make_user("kim@example.org", Role.CONTROLLER, sn, name="Kim Kontrollant"),
        "reader": make_user("lasare@example.org", Role.READER, sn),
        "auditor": make_user("revisor@example.org", Role.AUDITOR, None),
        "other": make_user("hsn@example.org", Role.CONTROLLER, hsn),
    }


def make_control(world: dict[str, Any], **changes: Any) -> Control:
    data = controls.ControlData(
        description=changes.pop("description", "Anteckning på fakturor för resor och kurser"),
        method_text=changes.pop("method_text", "Stickprov på fakturor: anteckning och attest."),
        method=changes.pop("method", ControlMethod.SAMPLE),
        occurrences=changes.pop("occurrences", ["T1"]),
        responsible=world["controller"],
        population_description="Leverantörsfakturor på konto 5800-5899",
    )
    target = changes.pop("target", f"action-{world['action'].id}")
    assert not changes, changes
    control = controls.create_control(world["plan"], target, data)
    db.session.commit()
    return control


def population_csv(rows: int = 200, *, duplicate: bool = False) -> bytes:
    lines = ["fakturanr;belopp;konto"]
    lines += [f"F{n:05d};{(n * 37) % 5000 + 100},50;58{n % 10:02d}" for n in range(1, rows + 1)]
    if duplicate:
        lines.append("F00007;99,00;5801")
    return ("\n".join(lines) + "\n").encode("utf-8")


def results_xlsx(rows: list[tuple[str, str, str]]) -> bytes:
    """A filled-in worklist: id, result, comment (the headers ISK writes)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Stickprov"
    sheet.append(["fakturanr", "Resultat (OK/Avvikelse)", "Kommentar"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


TODAY = date(2026, 3, 15)
