"""The follow-up report of a plan for a period as a PDF (A4 landscape), for the nämnd."""

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


def _table(header: Sequence[str], body: list[list[object]], widths: Sequence[float],
           groups: Sequence[int] = ()) -> LongTable:
    data = [[text(cell, "header") for cell in header], *body]
    table = LongTable(data, colWidths=[w * PAGE_WIDTH for w in widths], repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, LINE),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for row in groups:
        style += [("SPAN", (0, row), (-1, row)), ("BACKGROUND", (0, row), (-1, row), GROUP_FILL)]
    table.setStyle(TableStyle(style))
    return table


def render_followup(report: FollowUpReport) -> bytes:
    """Genomförd internkontroll | Kontrollmetod | Utfört | Uppföljning/resultat | Eventuella
    åtgärder, grouped by verksamhet; then the åtgärder and their status."""
    story: list[Flowable] = [
        text(report.title, "title"),
        text(
            _("Perioden %(start)s–%(end)s. Utskriven %(printed)s.",
              start=report.dates.start.isoformat(), end=report.dates.end.isoformat(),
              printed=printed_at(utcnow().astimezone(LOCAL_TIME))),
            "small",
        ),
        Spacer(1, 4 * mm),
        text(_("Genomförd internkontroll"), "h2"),
    ]
    if report.rows:
        body: list[list[object]] = []
        groups: list[int] = []
        current = None
        for row in report.rows:
            if row.area != current:
                current = row.area
                groups.append(len(body) + 1)
                body.append([text(row.area, "cell_bold"), "", "", "", ""])
            what = row.description + "\n" + _("Risk: %(risk)s", risk=row.risk)
            if row.action:
                what += "\n" + _("Åtgärd: %(action)s", action=row.action)
            body.append([text(what), text(row.method), text(row.performed), text(row.outcome),
                         text(row.measures)])
        story.append(_table(
            [_("Genomförd internkontroll"), _("Kontrollmetod"), _("Utfört"),
             _("Uppföljning/resultat"), _("Eventuella åtgärder")],
            body, (0.36, 0.13, 0.13, 0.23, 0.15), groups,
        ))
    else:
        story.append(text(_("Inga kontroller är planerade eller utförda under perioden."), "body"))
    story += [Spacer(1, 6 * mm), text(_("Åtgärdernas status"), "h2")]
    if report.actions:
        story.append(_table(
            [_("Verksamhet"), _("Risk"), _("Åtgärd"), _("Status"), _("Kontroller i perioden")],
            [[text(a.area), text(a.risk), text(a.action.text), text(a.status), text(a.controls)]
             for a in report.actions],
            (0.14, 0.3, 0.34, 0.1, 0.12),
        ))
    else:
        story.append(text(_("Planen har inga åtgärder."), "body"))
    return render(
        story,
        title=report.title,
        footer=_("ISK – uppföljning av internkontrollplan"),
        page_label=_("Sida %(page)d av %(pages)d"),
    )
