"""The internkontrollplan as a PDF: A4 landscape, Verksamhet | Risk | Åtgärd, in two layouts.

The nämnd layout (`PlanLayout.NAMND`, the default) reads as the published plans do: the
region's own texts, the decision, then the table with nothing on a row but its texts, the
region-wide ones marked at the start of their cell ("Regionövergripande: …",
"Regionövergripande åtgärd: …"). The working layout (`PlanLayout.WORKING`, "arbete") adds
each risk's criteria, riskvärde, source and owner and each åtgärd's responsible, date and
status.

The Verksamhet cell reads as one cell over its rows: its name stands on the group's first
row and the lines between the group's rows are left out of that column (likewise the Risk
cell over its åtgärder). reportlab cannot break a page inside a real row span, so a group
longer than a page would not print; this way it does, and each page repeats the header and
names the verksamhet and risk it continues, marked "(forts.)".
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from ...models import RegionTextKey
from ..plans.document import DocAction, DocRisk, PlanDocument, TableRow, table_rows
from ..plans.versions import ChangedAfterAdoption, RowChange
from ..wording import RegionTexts
from . import base

COLUMN_WIDTHS = (45 * mm, 104 * mm, 118 * mm)


class PlanLayout(enum.StrEnum):
    NAMND = "namnd"  # as the nämnd receives and publishes it
    WORKING = "arbete"  # with criteria, riskvärde, status and owners, for the work on it


class ContinuedCell(base.TextParagraph):
    """An empty cell that belongs to the group above; names it if a page starts here."""

    def __init__(self, continued_text: str, style: str = "cell_bold"):
        super().__init__("", base.styles()[style], frags=[])
        self.continued_text = continued_text
        self.continued_style = style


@dataclass
class _Row:
    cells: list[Any]
    first_of_area: bool
    first_of_risk: bool
    height: float = 0.0


TABLE_STYLE = [
    ("FONT", (0, 0), (-1, -1), base.FONT),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("BACKGROUND", (0, 0), (-1, 0), base.HEADER_FILL),
    ("BOX", (0, 0), (-1, -1), 0.6, base.LINE),
    ("LINEBELOW", (0, 0), (-1, 0), 1.0, base.INK),
    ("LINEAFTER", (0, 0), (1, -1), 0.4, base.LINE),
    ("TOPPADDING", (0, 0), (-1, -1), 4),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
]


CELL_PADDING = {"left": 6, "right": 6, "top": 4, "bottom": 5}


def _height(cells: list[Any]) -> float:
    tallest = 0.0
    for cell, width in zip(cells, COLUMN_WIDTHS, strict=True):
        inner = width - CELL_PADDING["left"] - CELL_PADDING["right"]
        items = cell if isinstance(cell, list) else [cell]
        tallest = max(tallest, sum(item.wrap(inner, 10**6)[1] for item in items))
    return tallest + CELL_PADDING["top"] + CELL_PADDING["bottom"]


class _Rows:
    """The table's rows, built and measured when a page needs them and let go once drawn.

    Only the rows of the page being laid out (and the one that did not fit) exist as
    paragraphs at any time, so memory stays that of a page however long the plan is.
    """

    def __init__(self, rows: list[TableRow], build: Callable[[TableRow], _Row]):
        self.source = rows
        self.build = build
        self.built: dict[int, _Row] = {}

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, index: int) -> _Row:
        row = self.built.get(index)
        if row is None:
            row = self.built[index] = self.build(self.source[index])
            row.height = _height(row.cells)
        return row

    def release(self, stop: int) -> None:
        """Forget the rows before `stop`: they are drawn."""
        for index in [index for index in self.built if index < stop]:
            del self.built[index]


class PlanTable(Flowable):
    """The plan table from row `start` on, paginated by ISK rather than by reportlab's Table.

    Each row's height is measured once; a page then takes the rows that fit, under the
    repeated header, as one small Table with those heights. Finding what fits looks at one
    page's rows, never the whole remainder (reportlab's Table.split sums every remaining row
    on every page, quadratic in the rows). A row taller than a page is left to reportlab,
    which splits inside it, so nothing is clipped.
    """

    def __init__(self, header: list[Any], rows: _Rows, start: int = 0, *,
                 continued: bool = False, name_continued: bool = True,
                 header_height: float | None = None):
        super().__init__()
        self.header = header
        self.rows = rows
        self.start = start
        self.continued = continued
        self.name_continued = name_continued
        self.header_height = _height(header) if header_height is None else header_height
        self._first_cells: list[Any] | None = None
        self._first_height = 0.0

    def _rest(self, start: int) -> PlanTable:
        return PlanTable(self.header, self.rows, start, continued=True,
                         name_continued=self.name_continued, header_height=self.header_height)

    def _row_cells(self, index: int) -> list[Any]:
        """A row's cells; the first row of a continued table names what it continues."""
        if index == self.start and self.continued:
            if self._first_cells is None:
                cells = self.rows[index].cells
                self._first_cells = ([self._continuation(cell) for cell in cells]
                                     if self.name_continued else cells)
                self._first_height = _height(self._first_cells)
            return self._first_cells
        return self.rows[index].cells

    def _row_height(self, index: int) -> float:
        if index == self.start and self.continued:
            self._row_cells(index)
            return self._first_height
        return self.rows[index].height

    @staticmethod
    def _continuation(cell: Any) -> Any:
        if isinstance(cell, ContinuedCell):
            return base.text(_("%(text)s (forts.)", text=cell.continued_text),
                             cell.continued_style)
        return cell

    def _fitting(self, room: float) -> tuple[int, float]:
        """How many rows from `start` fit in `room`, and their height."""
        taken, used = 0, 0.0
        while self.start + taken < len(self.rows):
            height = self._row_height(self.start + taken)
            if height > room - used:
                break
            used += height
            taken += 1
        return taken, used

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        """The whole remainder's height when it fits; else a height over `availHeight`
        (the rows that fit and the next one), which is all the frame needs to split it."""
        self.width = sum(COLUMN_WIDTHS)
        taken, used = self._fitting(availHeight - self.header_height)
        if self.start + taken < len(self.rows):
            used += self._row_height(self.start + taken)
        self.height = self.header_height + used
        return self.width, self.height

    def _table(self, count: int) -> Table:
        data: list[list[Any]] = [self.header]
        heights = [self.header_height]
        commands = list(TABLE_STYLE)
        for offset in range(count):
            index = self.start + offset
            row = self.rows[index]
            data.append(self._row_cells(index))
            heights.append(self._row_height(index))
            if offset > 0:
                first_column = 0 if row.first_of_area else (1 if row.first_of_risk else 2)
                weight = 0.9 if row.first_of_area else 0.4
                commands.append(("LINEABOVE", (first_column, offset + 1), (-1, offset + 1),
                                 weight, base.LINE))
        table = Table(data, colWidths=COLUMN_WIDTHS, rowHeights=heights, repeatRows=1,
                      splitInRow=1)
        table.setStyle(TableStyle(commands))
        self.rows.release(self.start + count)
        return table

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        taken, _used = self._fitting(availHeight - self.header_height)
        if taken == 0:
            if availHeight < self.header_height + 60:
                return []  # too little room even to start: the next frame gets it
            # A row taller than a page: measured afresh, reportlab splits inside it.
            single = Table([self.header, self._row_cells(self.start)], colWidths=COLUMN_WIDTHS,
                           repeatRows=1, splitInRow=1)
            single.setStyle(TableStyle(TABLE_STYLE))
            self.rows.release(self.start + 1)
            rest = ([self._rest(self.start + 1)] if self.start + 1 < len(self.rows) else [])
            return [*single.split(availWidth, availHeight), *rest]
        first = self._table(taken)
        if self.start + taken == len(self.rows):
            return [first]
        return [first, self._rest(self.start + taken)]

    def draw(self) -> None:
        table = self._table(len(self.rows) - self.start)
        table.wrapOn(self.canv, self.width, self.height)
        table.drawOn(self.canv, 0, 0)


class _Translations:
    """`gettext` once per message in a print: a plan of 5,000 risks asks for the same few
    thousands of times, and each of Flask-Babel's lookups goes through the request context.

    The cell builders take it as their `_`, so the messages are still found for translation.
    """

    def __init__(self) -> None:
        self.messages: dict[str, str] = {}
        self.labels: dict[Any, str] = {}

    def __call__(self, message: str, **variables: Any) -> str:
        text = self.messages.get(message)
        if text is None:
            text = self.messages[message] = _(message)
        return text % variables if variables else text

    def label(self, member: Any) -> str:
        """An enum member's (lazily translated) label."""
        text = self.labels.get(member)
        if text is None:
            text = self.labels[member] = str(member.label)
        return text


def _meta(parts: list[str]) -> Paragraph:
    return base.text(" · ".join(part for part in parts if part), "small")


def _risk_cell(risk: DocRisk, _: _Translations) -> list[Paragraph]:
    criteria = ", ".join(c.value for c in risk.criteria) or _("kriterium saknas")
    if risk.aspects:
        criteria += " (" + ", ".join(_.label(a) for a in risk.aspects) + ")"
    score = (
        _("Riskvärde %(score)d (sannolikhet %(l)d × konsekvens %(c)d)",
          score=risk.risk_score, l=risk.likelihood, c=risk.consequence)
        if risk.risk_score is not None else _("Riskvärde: ej bedömt")
    )
    parts = [
        _("Kriterier: %(criteria)s", criteria=criteria),
        score,
        _("Regionövergripande") if risk.region_wide else "",
        _("Källa: %(source)s", source=risk.source) if risk.source else "",
        _("Riskägare: %(owner)s", owner=risk.owner) if risk.owner else "",
    ]
    cell = [base.text(risk.text), _meta(parts)]
    if risk.treatment.value == "accept":
        cell.append(base.text(
            _("Accepterad av %(who)s %(when)s: %(why)s", who=risk.accepted_by,
              when=risk.accepted_on.isoformat() if risk.accepted_on else "",
              why=risk.acceptance_reason), "small"))
    return cell


def _action_cell(action: DocAction | None, _: _Translations) -> list[Paragraph]:
    if action is None:
        return [base.text(_("Ingen åtgärd angiven."), "small")]
    parts = [
        _("Regionövergripande åtgärd") if action.region_wide else "",
        _("Ansvarig: %(who)s", who=action.responsible) if action.responsible else "",
        _("Klar senast: %(date)s", date=action.due_date.isoformat()) if action.due_date else "",
        _("Status: %(status)s", status=_.label(action.status)),
    ]
    return [base.text(action.text), _meta(parts)]


def _namnd_risk_cell(risk: DocRisk, _: _Translations) -> Paragraph:
    if risk.region_wide:
        return base.text(_("Regionövergripande: %(text)s", text=risk.text))
    return base.text(risk.text)


def _namnd_action_cell(action: DocAction | None, _: _Translations) -> Paragraph:
    if action is None:
        return base.text("")
    if action.region_wide:
        return base.text(_("Regionövergripande åtgärd: %(text)s", text=action.text))
    return base.text(action.text)


def _table(rows: list[TableRow], layout: PlanLayout) -> PlanTable:
    header = [base.text(_("Verksamhet"), "header"), base.text(_("Risk"), "header"),
              base.text(_("Åtgärd"), "header")]
    working = layout is PlanLayout.WORKING
    words = _Translations()

    def build(row: TableRow) -> _Row:
        return _Row(
            cells=[
                base.text(row.area.name, "cell_bold") if row.first_of_area
                else ContinuedCell(row.area.name),
                (_risk_cell(row.risk, words) if working else _namnd_risk_cell(row.risk, words))
                if row.first_of_risk else ContinuedCell(_short(row.risk.text), "cell"),
                (_action_cell(row.action, words) if working
                 else _namnd_action_cell(row.action, words)),
            ],
            first_of_area=row.first_of_area,
            first_of_risk=row.first_of_risk,
        )

    # The nämnd's print, like a Word table over a page break, leaves a continued cell empty.
    return PlanTable(header, _Rows(rows, build), name_continued=working)


def _short(text: str, length: int = 90) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _wording(texts: RegionTexts) -> list[Any]:
    """The region's own texts above the table, verbatim: the requirements a–e, the plan."""
    story: list[Any] = [base.text(texts[RegionTextKey.REQUIREMENTS_INTRO], "body"),
                        Spacer(1, 1.5 * mm)]
    for heading, group in ((_("Intern styrning"), texts.governance),
                           (_("Intern kontroll"), texts.control)):
        story.append(base.text(heading, "cell_bold"))
        story += [base.text(f"{letter}) {text}", "body") for letter, text in group]
    story += [Spacer(1, 1.5 * mm), base.text(texts[RegionTextKey.SUFFICIENCY], "body"),
              Spacer(1, 3 * mm), base.text(texts[RegionTextKey.PLAN_INTRO], "body"),
              base.text(texts[RegionTextKey.PLAN_EXPLANATION], "body")]
    return story


def _changes(changes: list[RowChange]) -> list[Any]:
    """What this version changed, before the table."""
    story: list[Any] = [base.text(_("Ändringar i den här versionen"), "h2")]
    for change in changes:
        line = f"{change.kind.label} {change.what_label.lower()}: "
        line += change.action if change.action else change.risk
        story.append(base.text("• " + line, "body"))
        story += [base.text(f"    {item.label}: {item.before} → {item.after}", "small")
                  for item in change.fields]
    return [*story, Spacer(1, 3 * mm)]


def render_plan(
    document: PlanDocument, texts: RegionTexts, *, printed_at: datetime,
    printed_by: str | None, revision: int | None = None,
    changes: list[RowChange] | None = None,
    changed_after: ChangedAfterAdoption | None = None,
    layout: PlanLayout = PlanLayout.NAMND,
) -> bytes:
    title = _("Internkontrollplan %(year)d – %(unit)s", year=document.year,
              unit=document.unit_name)
    if document.adoption_reference:
        decision = _("Fastställd: %(reference)s", reference=document.adoption_reference)
        if document.diary_number:
            decision += " · " + _("Diarienummer: %(number)s", number=document.diary_number)
    else:
        decision = _("Utkast – inte fastställd")
    if document.status.value == "closed":
        decision += " · " + _("Avslutad")
    if revision is not None and layout is PlanLayout.WORKING:
        decision += " · " + _("Version %(n)d", n=revision)
    story: list[Any] = [base.text(title, "title"), base.text(decision, "body")]
    if changed_after is not None:
        story.append(base.text(_(
            "Ändrad efter fastställande: version %(n)d, %(when)s, %(reason)s",
            n=changed_after.number, when=changed_after.when, reason=changed_after.reason),
            "body"))
    story.append(Spacer(1, 4 * mm))
    if changes:
        story += _changes(changes)
    story += _wording(texts)
    if layout is PlanLayout.WORKING:
        story.append(base.text(_("Riskvärde = sannolikhet (1-4) × konsekvens (1-4), 1-16."),
                               "small"))
    story.append(Spacer(1, 5 * mm))
    rows = table_rows(document.areas)
    if rows:
        story.append(_table(rows, layout))
    else:
        story.append(base.text(_("Planen har ännu inga risker."), "body"))
    footer = title + " · " + _("Utskriven %(when)s", when=base.printed_at(printed_at))
    if printed_by:
        footer += " " + _("av %(who)s", who=printed_by)
    return base.render(story, title=title, footer=footer,
                       page_label=_("Sida %(page)d av %(pages)d"))
