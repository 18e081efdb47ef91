"""Exporting an IK-plan to CSV and XLSX in the import layout, safe to open in a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterator

from .. import spreadsheets
from ..spreadsheets import XlsxSheet, csv_bytes, xlsx_bytes
from .document import DocAction, DocRisk, PlanDocument
from .table import ALL_COLUMNS, ASPECT_WORDS, NO, STATUS_WORDS, TREATMENT_WORDS, YES


def _risk_cells(risk: DocRisk) -> list[str]:
    """The risk's columns from "kriterier" to "riskagare", in `ALL_COLUMNS` order."""
    return [
        ", ".join(c.value for c in risk.criteria),
        ", ".join(ASPECT_WORDS[a.value] for a in risk.aspects),
        str(risk.likelihood or ""),
        str(risk.consequence or ""),
        TREATMENT_WORDS[risk.treatment.value],
        risk.accepted_by or "",
        risk.accepted_on.isoformat() if risk.accepted_on else "",
        risk.acceptance_reason or "",
        risk.source or "",
        risk.owner_email or "",
    ]


def _action_cells(action: DocAction | None) -> tuple[str, list[str]]:
    """The åtgärd's text, and its columns from "atgard_ansvarig" on."""
    if action is None:
        return "", ["", "", ""]
    return action.text, [
        action.responsible or "",
        action.due_date.isoformat() if action.due_date else "",
        STATUS_WORDS[action.status.value],
    ]


def rows(document: PlanDocument) -> Iterator[list[str]]:
    """One row per (risk, åtgärd), Verksamhet and Risk repeated, as in the seed layout.

    The cells are in `ALL_COLUMNS` order: the seed columns, the risk's, then the åtgärd's
    (tests/test_plan_import_export.py reads an export back by its headings).
    """
    yield list(ALL_COLUMNS)
    for area in document.areas:
        for risk in area.risks:
            region_wide = YES if risk.region_wide else NO
            risk_cells = _risk_cells(risk)
            for action in risk.actions or [None]:
                action_text, action_cells = _action_cells(action)
                yield [area.name, risk.text, action_text, region_wide, *risk_cells,
                       *action_cells]


def to_csv(document: PlanDocument) -> bytes:
    """UTF-8 with BOM, comma-separated, CRLF, formulas neutralised (see `spreadsheets.csv_cell`)."""
    return csv_bytes(rows(document))


def csv_chunks(document: PlanDocument) -> Iterator[bytes]:
    """`to_csv` in pieces, for a download that streams."""
    return spreadsheets.csv_chunks(rows(document))


COLUMN_WIDTHS = {"verksamhet": 22, "risk": 60, "atgard": 60, "motivering": 40}


def to_xlsx(document: PlanDocument, sheet_title: str) -> bytes:
    """One sheet in the import layout, header bold and frozen; every cell is text, never a
    formula (written by `spreadsheets.xlsx_bytes`)."""
    return xlsx_bytes([XlsxSheet(
        sheet_title, rows(document), widths=[COLUMN_WIDTHS.get(c, 16) for c in ALL_COLUMNS],
        wrap=True)])
