"""The follow-up report of a plan for a period as a PDF (A4 landscape), as regions print it.

"Uppföljning av internkontroll", "Avser år <år>", then the table under the region's headings:
Genomförd internkontroll | Kontrollmetod | Utfört (datum, vecka, månad, period) |
Uppföljning/resultat av kontrollen | Eventuella åtgärder/ förändringar, the column headings
repeated on every page. Each group (the regionövergripande controls, each verksamhet, the
kontrollområden) starts with a heading row that is kept with the group's first row (reportlab's
NOSPLIT), so no heading stands alone at the foot of a page. The summary comes first; the
åtgärder with their status follow the table.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, LongTable, Spacer, TableStyle

from ...models.types import utcnow
from ..clock import LOCAL_TIME
from ..controls.followup import FollowUpReport
from .base import HEADER_FILL, LINE, printed_at, render, text

PAGE_WIDTH = 267 * mm  # landscape A4 inside the margins
GROUP_FILL = HEADER_FILL
FOLLOWUP_WIDTHS = (0.2, 0.2, 0.13, 0.27, 0.2)


def _table(header: Sequence[str], body: list[list[object]], widths: Sequence[float],
           groups: Sequence[int] = ()) -> LongTable:
    """A table under its repeated header; each group row spans it and keeps with the next."""
    data: list[list[object]] = [[text(cell, "header") for cell in header], *body]
    table = LongTable(data, colWidths=[w * PAGE_WIDTH for w in widths], repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, LINE),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for row in groups:
        style += [("SPAN", (0, row), (-1, row)), ("BACKGROUND", (0, row), (-1, row), GROUP_FILL),
                  ("NOSPLIT", (0, row), (-1, min(row + 1, len(data) - 1)))]
    table.setStyle(TableStyle(style))
    return table


def _followup_table(report: FollowUpReport) -> LongTable:
    body: list[list[object]] = []
    groups: list[int] = []
    for group in report.groups:
        if group.heading:
            groups.append(len(body) + 1)
            body.append([text(group.heading, "cell_bold"), "", "", "", ""])
        body += [[text(cell) for cell in row.cells] for row in group.rows]
    return _table(report.headings, body, FOLLOWUP_WIDTHS, groups=groups)


def _summary(report: FollowUpReport) -> str:
    summary = report.summary
    parts = [
        _("Utförda: %(n)d", n=summary.performed),
        _("Ej utförda: %(n)d", n=summary.not_performed),
    ]
    if summary.missing:
        parts.append(_("Ej rapporterade: %(n)d", n=summary.missing))
    if summary.planned:
        parts.append(_("Planerade senare: %(n)d", n=summary.planned))
    parts += [
        _("Med brister eller risker: %(n)d", n=summary.with_deviations),
        _("Åtgärder pågår: %(n)d", n=summary.remediation_open),
    ]
    return ". ".join(parts) + "."


def render_followup(report: FollowUpReport) -> bytes:
    story: list[Flowable] = [
        text(report.title, "title"),
        text(f"{report.plan.org_unit.name}. {report.subtitle}", "h2"),
        text(_("Perioden %(start)s–%(end)s. Utskriven %(printed)s.",
               start=report.dates.start.isoformat(), end=report.dates.end.isoformat(),
               printed=printed_at(utcnow().astimezone(LOCAL_TIME))), "small"),
        Spacer(1, 3 * mm),
        text(_summary(report), "body"),
        Spacer(1, 4 * mm),
    ]
    if report.rows:
        story.append(_followup_table(report))
    else:
        story.append(text(_("Inga kontroller är planerade eller utförda under perioden."), "body"))
    story += [Spacer(1, 4 * mm), text(_("Åtgärdernas status"), "h2")]
    if report.actions:
        story.append(_table(
            [_("Verksamhet"), _("Risk"), _("Åtgärd"), _("Status"), _("Kontrollutfall i perioden")],
            [[text(a.area), text(a.risk), text(a.action.text), text(a.status), text(a.controls)]
             for a in report.actions],
            (0.14, 0.3, 0.34, 0.1, 0.12),
        ))
    else:
        story.append(text(_("Planen har inga åtgärder."), "body"))
    return render(
        story,
        title=report.document_title,
        footer=_("ISK – %(title)s, %(unit)s %(year)d", title=report.title,
                 unit=report.plan.org_unit.name, year=report.plan.year),
        page_label=_("Sida %(page)d av %(pages)d"),
    )
