"""Exporting an IK-plan to CSV and XLSX in the import layout, safe to open in a spreadsheet."""

from __future__ import annotations

import io
from collections.abc import Iterator

from ..spreadsheets import csv_bytes, set_text_cell
from .document import DocAction, DocRisk, PlanDocument
from .table import ALL_COLUMNS, ASPECT_WORDS, NO, STATUS_WORDS, TREATMENT_WORDS, YES


def _risk_cells(risk: DocRisk) -> dict[str, str]:
    return {
        "kriterier": ", ".join(c.value for c in risk.criteria),
        "informationssakerhet": ", ".join(ASPECT_WORDS[a.value] for a in risk.aspects),
        "sannolikhet": str(risk.likelihood or ""),
        "konsekvens": str(risk.consequence or ""),
        "hantering": TREATMENT_WORDS[risk.treatment.value],
        "accepterad_av": risk.accepted_by or "",
        "accepterad_datum": risk.accepted_on.isoformat() if risk.accepted_on else "",
        "motivering": risk.acceptance_reason or "",
        "kalla": risk.source or "",
        "riskagare": risk.owner_email or "",
    }


def _action_cells(action: DocAction | None) -> dict[str, str]:
    if action is None:
        return {"atgard": "", "atgard_ansvarig": "", "atgard_klar_senast": "",
                "atgard_status": ""}
    return {
        "atgard": action.text,
        "atgard_ansvarig": action.responsible or "",
        "atgard_klar_senast": action.due_date.isoformat() if action.due_date else "",
        "atgard_status": STATUS_WORDS[action.status.value],
    }


def rows(document: PlanDocument) -> Iterator[list[str]]:
    """One row per (risk, åtgärd), Verksamhet and Risk repeated, as in the seed layout."""
    yield list(ALL_COLUMNS)
    for area in document.areas:
        for risk in area.risks:
            for action in risk.actions or [None]:
                cells = {"verksamhet": area.name, "risk": risk.text,
                         "regionovergripande": YES if risk.region_wide else NO}
                cells |= _risk_cells(risk) | _action_cells(action)
                yield [cells[column] for column in ALL_COLUMNS]


def to_csv(document: PlanDocument) -> bytes:
    """UTF-8 with BOM, comma-separated, CRLF, formulas neutralised (see `spreadsheets.csv_cell`)."""
    return csv_bytes(rows(document))


def to_xlsx(document: PlanDocument, sheet_title: str) -> bytes:
    """One sheet in the import layout; every cell is text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    wrap = Alignment(wrap_text=True, vertical="top")
    for row_index, row in enumerate(rows(document), start=1):
        for column_index, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_index, column=column_index)
            set_text_cell(cell, value)
            cell.alignment = wrap
            if row_index == 1:
                cell.font = Font(bold=True)
    widths = {"verksamhet": 22, "risk": 60, "atgard": 60, "motivering": 40}
    for index, column in enumerate(ALL_COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = (
            widths.get(column, 16)
        )
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
