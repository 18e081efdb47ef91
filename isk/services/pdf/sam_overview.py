"""The SAM overview as a PDF: shares per unit, overdue follow-ups, delvis/nej answers, returns."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from flask_babel import format_date, format_percent
from flask_babel import gettext as _
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, LongTable, Paragraph, Spacer, TableStyle

from ...models.types import utcnow
from ..clock import LOCAL_TIME
from ..sam import Overview
from .base import HEADER_FILL, LINE, markup, printed_at, render, styles, text

PAGE_WIDTH = 267 * mm  # landscape A4 inside the margins


def _share(count: int, total: int) -> str:
    if not total:
        return "–"
    return _(
        "%(n)d av %(total)d (%(share)s)", n=count, total=total, share=format_percent(count / total)
    )


def _indented(name: str, depth: int) -> Paragraph:
    """A unit's name indented by its depth below the overview's unit, as on the page."""
    style = ParagraphStyle(f"unit{depth}", parent=styles()["cell"], leftIndent=depth * 4 * mm)
    return Paragraph(escape(name), style)


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float]):
    data = [[text(cell, "header") for cell in header]]
    data += [[cell if isinstance(cell, Flowable) else text(cell) for cell in row] for row in rows]
    table = LongTable(data, colWidths=[w * PAGE_WIDTH for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, LINE),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def render_overview(overview: Overview) -> bytes:
    """A4 landscape; user text escaped by `text()`; every page says "Sida X av Y"."""
    sam_round = overview.round
    title = _("SAM-uppföljning %(year)d – %(unit)s", year=sam_round.year, unit=overview.unit.name)
    story: list[Flowable] = [
        text(title, "title"),
        text(
            _(
                "Rundan omfattar %(unit)s. Sista dag %(due)s. Status: %(status)s. "
                "Utskriven %(printed)s.",
                unit=sam_round.org_unit.name,
                due=format_date(sam_round.due_on, "long"),
                status=sam_round.status.label.lower(),
                printed=printed_at(utcnow().astimezone(LOCAL_TIME)),
            ),
            "small",
        ),
        Spacer(1, 4 * mm),
        text(_("Andel chefer som svarat på årlig uppföljning av SAM (mål 90–100 %)"), "h2"),
        _table(
            [
                _("Enhet"),
                _("Chefer"),
                _("Svarat"),
                _("Kvitterat"),
                _("Avstämt"),
                _("Försenade"),
            ],
            [
                [
                    _indented(row.unit.name, row.depth),
                    row.total,
                    _share(row.answered, row.total),
                    _share(row.acknowledged, row.total),
                    _share(row.confirmed, row.total),
                    row.overdue,
                ]
                for row in overview.rows
            ],
            [0.31, 0.08, 0.17, 0.17, 0.17, 0.10],
        ),
        text(_("Försenade uppföljningar"), "h2"),
    ]
    if overview.overdue:
        story.append(
            _table(
                [_("Chef"), _("Enhet"), _("Sista dag"), _("Status")],
                [
                    [f.manager.name, f.org_unit.name, format_date(f.due_on, "short"),
                     f.status.label]
                    for f in overview.overdue
                ],
                [0.3, 0.4, 0.15, 0.15],
            )
        )
    else:
        story.append(text(_("Inga uppföljningar är försenade."), "body"))
    story.append(text(_("Svar delvis och nej (kvitterade)"), "h2"))
    if overview.concerns:
        story.append(
            _table(
                [_("Punkt"), _("Svar"), _("Kommentar"), _("Chef"), _("Enhet")],
                [
                    [
                        f"{c.number}. {c.question.text}",
                        c.answer.value.label,
                        c.answer.comment,
                        c.follow_up.manager.name,
                        c.follow_up.org_unit.name,
                    ]
                    for c in overview.concerns
                ],
                [0.3, 0.07, 0.3, 0.15, 0.18],
            )
        )
    else:
        story.append(text(_("Inga kvitterade svar är delvis eller nej."), "body"))
    story.append(text(_("Returnerade arbetsmiljöuppgifter"), "h2"))
    if overview.returns:
        story.append(
            _table(
                [_("Uppgift"), _("Skäl"), _("Chef"), _("Fördelande chef")],
                [
                    [
                        r.task,
                        r.reason,
                        r.follow_up.manager.name,
                        r.follow_up.delegating_manager.name
                        if r.follow_up.delegating_manager
                        else "–",
                    ]
                    for r in overview.returns
                ],
                [0.25, 0.4, 0.17, 0.18],
            )
        )
    else:
        story.append(text(_("Inga kvitterade uppföljningar har returnerade uppgifter."), "body"))
    story.append(text(_("Checklista"), "h2"))
    for number, question in enumerate(sam_round.live_questions, start=1):
        story.append(text(f"{number}. {question.text}", "body"))
    story.append(Spacer(1, 3 * mm))
    story.append(markup(_("Framtagen ur ISK – intern styrning och kontroll."), "small"))
    return render(
        story,
        title=title,
        footer=title,
        page_label=_("Sida %(page)d av %(pages)d"),
    )
