"""The follow-up table as regions keep it: import it from CSV or XLSX, export it again.

Five columns, headed as the region's verksamhetsberättelse heads them (Genomförd internkontroll,
Kontrollmetod, Utfört, Uppföljning/resultat, Eventuella åtgärder, also in their longer forms
"Utfört (datum, vecka, månad, period)" …) or in ASCII (kontrollomrade, kontrollmetod, utfort,
resultat, atgarder). Every cell is kept word for word. A row whose Genomförd internkontroll
names a control the plan already has records a kontrollutfall of it; any other row plans a
control of the plan as a whole (a kontrollområde) with that kontrollutfall. A row already
recorded, word for word, is left as it is, so importing the same table twice changes nothing.

Reading goes through the spreadsheet gate; every row is checked before anything is written,
and the import lands whole or not at all (the caller commits once). Exporting the helår
report as CSV gives the same five columns back, cell for cell, in the same order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum

from flask_babel import gettext as _
from flask_babel import ngettext

from ...extensions import db
from ...models import Control, Plan
from .. import audit_log, spreadsheets
from ..errors import ControlError, ProblemsError
from . import periods
from .followup import TABLE_HEADINGS, FollowUpReport
from .planning import PLAN_TARGET, ControlData, controls_of, create_control, guard
from .results import MAX_PERFORMED_LENGTH, ResultData, read_performed, record_result

MAX_FOLLOWUP_BYTES = 5 * 1024 * 1024
MAX_FOLLOWUP_ROWS = 5_000
MAX_CELL_LENGTH = 4_000
MAX_REPORTED_PROBLEMS = 200
COLUMNS = ("control", "method", "performed", "result", "measures")
REQUIRED = ("control", "method", "performed", "result")
FOLLOWUP_LIMITS = spreadsheets.Limits(
    max_bytes=MAX_FOLLOWUP_BYTES, max_rows=MAX_FOLLOWUP_ROWS,
    max_columns=len(COLUMNS) + spreadsheets.SPARE_COLUMNS,
)

# Every heading a region's table or ISK's own export may have, normalised (`_key`).
_HEADINGS = {
    "control": ("genomförd internkontroll", "kontrollomrade", "kontrollområde",
                "genomförd kontroll", "kontroll"),
    "method": ("kontrollmetod", "metod"),
    "performed": ("utfört", "utfort", "utfört (datum, vecka, månad, period)", "utförd",
                  "när"),
    "result": ("uppföljning/resultat", "uppföljning/resultat av kontrollen", "resultat",
               "uppfoljning/resultat", "uppföljning"),
    "measures": ("eventuella åtgärder", "eventuella åtgärder/förändringar", "atgarder",
                 "åtgärder", "eventuella atgarder"),
}
HEADING_KEYS = {heading: column for column, names in _HEADINGS.items() for heading in names}


class FollowUpImportError(ProblemsError):
    """The table cannot be imported; `problems` lists each reason, by row and column."""


class RowAction(Enum):
    NEW_CONTROL = "new_control"  # a kontrollområde of the plan, with its kontrollutfall
    RESULT = "result"  # a kontrollutfall of a control the plan has
    UNCHANGED = "unchanged"  # recorded already, word for word


@dataclass
class FollowUpRow:
    number: int
    cells: tuple[str, str, str, str, str]
    action: RowAction = RowAction.NEW_CONTROL
    control: Control | None = None
    occurrences: list[str] | None = None

    @property
    def performed(self) -> bool:
        return not periods.NOT_PERFORMED.match(self.cells[2])


@dataclass
class FollowUpImport:
    """What an import will do, shown before anything is written."""

    plan: Plan
    rows: list[FollowUpRow] = field(default_factory=list)

    def count(self, action: RowAction) -> int:
        return sum(row.action is action for row in self.rows)

    @property
    def new_controls(self) -> int:
        return self.count(RowAction.NEW_CONTROL)

    @property
    def results(self) -> int:
        return self.count(RowAction.NEW_CONTROL) + self.count(RowAction.RESULT)

    @property
    def unchanged(self) -> int:
        return self.count(RowAction.UNCHANGED)

    @property
    def not_performed(self) -> int:
        return sum(not row.performed for row in self.rows if row.action is not RowAction.UNCHANGED)


def _key(heading: object) -> str:
    text = " ".join(str(heading or "").split()).lower()
    return re.sub(r"\s*/\s*", "/", text)


def _column_names() -> dict[str, str]:
    return dict(zip(COLUMNS, TABLE_HEADINGS, strict=True))


def read_rows(filename: str, source: spreadsheets.Source) -> Iterator[spreadsheets.Row]:
    with spreadsheets.Spreadsheet(source, filename, limits=FOLLOWUP_LIMITS,
                                  error=FollowUpImportError) as table:
        yield from table.rows()


def parse_rows(rows: Iterable[spreadsheets.Row]) -> list[FollowUpRow]:
    """The table's rows with their five cells, checking the headings and every cell's size."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        raise FollowUpImportError([_("Filen är tom.")])
    header_number, names, refusals = first
    if refusals:
        raise FollowUpImportError(spreadsheets.cell_problems(header_number, refusals))
    keys = [_key(name) for name in names]
    while keys and not keys[-1]:
        keys.pop()
    columns = [HEADING_KEYS.get(key) for key in keys]
    missing = [name for column, name in _column_names().items()
               if column in REQUIRED and column not in columns]
    unknown = [str(names[i]).strip() for i, column in enumerate(columns) if column is None]
    doubled = {column for column in columns if column and columns.count(column) > 1}
    if missing or unknown or doubled:
        raise FollowUpImportError([_(
            "Rad 1: kolumnerna ska vara %(expected)s (Eventuella åtgärder får saknas), men filen "
            "har %(found)s.", expected=", ".join(TABLE_HEADINGS),
            found=", ".join(str(name).strip() for name in names if str(name).strip())
            or _("inga"))])
    names_by_column = _column_names()
    header = [names_by_column[column] for column in columns if column]
    problems: list[str] = []
    parsed: list[FollowUpRow] = []
    for number, raw, refusals in iterator:
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) > len(columns) and any(cell.strip() for cell in raw[len(columns):]):
            problems.append(_("Rad %(n)d: raden har fler kolumner än rubrikraden.", n=number))
            continue
        problems += spreadsheets.cell_problems(number, refusals, header)
        values = dict.fromkeys(COLUMNS, "")
        for index, column in enumerate(columns):
            if column and index < len(raw):
                values[column] = raw[index].strip()
        for column, value in values.items():
            limit = MAX_PERFORMED_LENGTH if column == "performed" else MAX_CELL_LENGTH
            if len(value) > limit:
                problems.append(_("Rad %(n)d, kolumn %(col)s: texten får vara högst %(max)d "
                                  "tecken.", n=number, col=names_by_column[column], max=limit))
        parsed.append(FollowUpRow(number, tuple(values[c] for c in COLUMNS)))  # type: ignore[arg-type]
    if not parsed and not problems:
        problems.append(_("Filen har inga rader, bara en rubrikrad."))
    _raise(problems)
    return parsed


def _raise(problems: list[str]) -> None:
    if not problems:
        return
    if len(problems) > MAX_REPORTED_PROBLEMS:
        more = len(problems) - MAX_REPORTED_PROBLEMS
        problems = [*problems[:MAX_REPORTED_PROBLEMS],
                    ngettext("… och %(num)d fel till.", "… och %(num)d fel till.", more)]
    raise FollowUpImportError(problems)


def _same(text: str) -> str:
    return " ".join(text.split()).casefold()


def prepare(plan: Plan, parsed: list[FollowUpRow]) -> FollowUpImport:
    """Match each row to the plan's controls and check it as `record_result` will."""
    try:
        guard(plan)
    except ControlError as error:
        raise FollowUpImportError([str(error)]) from None
    by_description: dict[str, list[Control]] = {}
    for control in controls_of(plan):
        by_description.setdefault(_same(control.description), []).append(control)
    names = _column_names()
    problems: list[str] = []
    prepared = FollowUpImport(plan)

    def problem(row: FollowUpRow, column: str, reason: str) -> None:
        problems.append(_("Rad %(n)d, kolumn %(col)s: %(reason)s", n=row.number,
                          col=names[column], reason=reason))

    covered: dict[int, set[str]] = {}
    new: set[str] = set()
    for row in parsed:
        control_text, method, performed_text, result_text, _measures = row.cells
        if not control_text:
            problem(row, "control", _("värdet saknas."))
            continue
        matches = by_description.get(_same(control_text), [])
        if len(matches) > 1:
            problem(row, "control", _("planen har flera kontroller med den texten; ändra en av "
                                      "dem så att raden går att knyta till rätt kontroll."))
            continue
        row.control = matches[0] if matches else None
        first_of_new = row.control is None and _same(control_text) not in new
        row.action = RowAction.NEW_CONTROL if first_of_new else RowAction.RESULT
        if row.control is None:
            new.add(_same(control_text))
        if first_of_new and not method:
            problem(row, "method", _("värdet saknas."))
        try:
            reading = read_performed(plan.year, ResultData(performed_text))
        except ControlError as error:
            problem(row, "performed", str(error))
            continue
        if not reading.performed and not result_text:
            problem(row, "result", _("skriv varför kontrollen inte utfördes."))
            continue
        if row.control is not None:
            if _recorded(row.control, row.cells):
                row.action = RowAction.UNCHANGED
                prepared.rows.append(row)
                continue
            row.occurrences = _occurrences(row, reading, covered, problem)
        prepared.rows.append(row)
    _raise(problems)
    return prepared


def _recorded(control: Control, cells: tuple[str, ...]) -> bool:
    _description, _method, performed, result, measures = cells
    return any(
        (r.performed_text, r.result_text or "", r.remediation or "") == (performed, result,
                                                                          measures)
        for r in control.live_results)


def _occurrences(row: FollowUpRow, reading: periods.Performed, covered: dict[int, set[str]],
                 problem) -> list[str] | None:  # type: ignore[no-untyped-def]
    """The control's planned occurrences the row covers; "Ej utfört" covers those left."""
    control = row.control
    assert control is not None
    planned = list(control.occurrences or [])
    if len(planned) <= 1:
        return None
    taken = covered.setdefault(control.id, {code for r in control.live_results
                                            for code in r.occurrences})
    if reading.performed:
        codes = periods.suggested_occurrences(reading, planned, control.plan.year)
        if not codes:
            problem(row, "performed", _("kontrollen är planerad till %(when)s; ”%(text)s” "
                                        "ligger inte i något av dem.",
                                        when=periods.occurrences_text(planned),
                                        text=reading.text))
            return None
    else:
        codes = [code for code in planned if code not in taken] or planned
    taken.update(codes)
    return codes


def apply(prepared: FollowUpImport, *, filename: str) -> None:
    """Write the import; the caller commits once, so it lands whole or not at all."""
    plan = prepared.plan
    created: dict[str, Control] = {}
    try:
        for row in prepared.rows:
            if row.action is RowAction.UNCHANGED:
                continue
            control_text, method, performed_text, result_text, measures = row.cells
            control = row.control or created.get(_same(control_text))
            if control is None:
                control = create_control(plan, PLAN_TARGET, ControlData(
                    description=control_text, method_text=method))
                created[_same(control_text)] = control
            record_result(control, ResultData(
                performed_text=performed_text, result_text=result_text,
                remediation=measures, occurrences=row.occurrences))
    except ControlError as error:
        raise FollowUpImportError([str(error)]) from None
    db.session.flush()
    audit_log.record("followup_imported", plan, file=filename, rows=prepared.results,
                     controls=prepared.new_controls, unchanged=prepared.unchanged)


def import_file(plan: Plan, filename: str, data: spreadsheets.Source) -> FollowUpImport:
    """Read, check and write in one go (the CLI and the demo); raises before writing anything."""
    prepared = prepare(plan, parse_rows(read_rows(filename, data)))
    apply(prepared, filename=filename)
    return prepared


# --- export -----------------------------------------------------------------------------------

FORMATS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_table(report: FollowUpReport, kind: str) -> bytes:
    """The report's rows as a table to import again: CSV under the five short headings, XLSX
    under the region's own."""
    head = TABLE_HEADINGS if kind == "csv" else report.headings
    return spreadsheets.write_table(kind, report.title, head, report.table())


def export_name(report: FollowUpReport, kind: str) -> str:
    plan = report.plan
    return f"uppfoljning-{plan.org_unit.code}-{plan.year}-{report.period.value}.{kind}"

