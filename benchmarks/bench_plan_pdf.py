"""Benchmark: the IK-plan PDF (nämnd version and arbetsversion) at 50, 500 and 5,000 risks.

Run: .venv/bin/python benchmarks/bench_plan_pdf.py [--quick]

Each print is fetched through the app (`/planer/<id>/export.pdf`, with its SQL statements
counted) and compared with a baseline in the same run: reportlab drawing the same strings,
wrapped to the same column widths, on a bare canvas with reportlab's stock TTFont (no
Paragraphs, no Table, no page numbering). Targets (issue 13): 500 risks ≤ 0.5 s, 5,000 risks
≤ 5 s, ≤ 3× the baseline and ≤ 300 MB peak (tracemalloc, in a separate run so that it does
not slow the timed ones).
"""

from __future__ import annotations

import io
import sys
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plan_data import main_for, measure_get, plans_of_sizes, result_row, timings

SIZES = (50, 500, 5000)
TARGET_SECONDS = {500: 0.5, 5000: 5.0}
TARGET_RATIO = 3.0
TARGET_PEAK_MB = 300


def baseline_pdf(document: Any, working: bool) -> bytes:
    """The same strings on a bare canvas: wrapped with simpleSplit, one drawString a line."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from isk.services.pdf import base
    from isk.services.pdf.plan import COLUMN_WIDTHS

    if "BaselineDejaVu" not in pdfmetrics.getRegisteredFontNames():
        # reportlab's own TTFont, not ISK's faster subclass: the baseline is stock reportlab.
        with resources.as_file(resources.files("isk").joinpath(
                "static", "fonts", "DejaVuSans.ttf")) as path:
            pdfmetrics.registerFont(TTFont("BaselineDejaVu", str(path)))
    font = "BaselineDejaVu"
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=landscape(A4))
    _width, height = landscape(A4)
    top, bottom, leading = height - base.MARGIN, base.MARGIN + 12, 10.8
    y = top
    x = [base.MARGIN + 6, base.MARGIN + 6 + COLUMN_WIDTHS[0],
         base.MARGIN + 6 + COLUMN_WIDTHS[0] + COLUMN_WIDTHS[1]]
    widths = [w - 12 for w in COLUMN_WIDTHS]
    for area in document.areas:
        for risk in area.risks:
            for index, action in enumerate(risk.actions or [None]):
                columns = [[area.name], [risk.text] if index == 0 else [],
                           [action.text] if action else []]
                if working and index == 0:
                    columns[1].append(f"Kriterier: {', '.join(c.value for c in risk.criteria)}"
                                      f" · Riskvärde {risk.risk_score}")
                if working and action:
                    columns[2].append(f"Ansvarig: {action.responsible} · Klar senast: "
                                      f"{action.due_date} · Status: {action.status.value}")
                lines = [[line for text in column
                          for line in simpleSplit(text, font, 8.5, widths[n])]
                         for n, column in enumerate(columns)]
                needed = max(len(column) for column in lines) * leading + 9
                if y - needed < bottom:
                    pdf.showPage()
                    y = top
                for n, column in enumerate(lines):
                    pdf.setFont(font, 8.5)
                    for row, line in enumerate(column):
                        pdf.drawString(x[n], y - (row + 1) * leading, line)
                y -= needed
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def run(sizes: tuple[int, ...] = SIZES, repeat: int = 3) -> list[dict[str, Any]]:
    from isk.services import plans

    results = []
    for data in plans_of_sizes(sizes):
        client = data.client()
        with data.app.test_request_context():
            document = plans.document_for(plans.load_plan_for_display(data.plan_id))
        for layout, name in (("namnd", "IK-plan PDF, nämnd version"),
                             ("arbete", "IK-plan PDF, arbetsversion")):
            url = f"/planer/{data.plan_id}/export.pdf?layout={layout}"
            measured = measure_get(data, client, url, repeat)
            base_median, _, _ = timings(
                partial(baseline_pdf, document, layout == "arbete"), repeat)
            target_s = TARGET_SECONDS.get(data.size)
            met = (measured.median_s / base_median <= TARGET_RATIO
                   and measured.peak_mb <= TARGET_PEAK_MB
                   and (target_s is None or measured.median_s <= target_s))
            target = (f"≤ {target_s:g} s, " if target_s else "") + \
                f"≤ {TARGET_RATIO:g}× baseline, ≤ {TARGET_PEAK_MB} MB"
            results.append(result_row(name, data.size, measured, base_median, target, met))
    return results


def main() -> None:
    main_for(run, __doc__, SIZES)


if __name__ == "__main__":
    main()
