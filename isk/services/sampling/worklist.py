"""The drawn stickprov as an XLSX worklist for the controller, and reading the filled-in file back.

Every text cell is written through the spreadsheet gate (`spreadsheets.set_text_cell`): text that
Excel could take for a formula gets a quote prefix, so opening the file never evaluates it. The
filled-in file is read back through the gate too, with its checks on size, zip and sheet size.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from flask_babel import gettext as _

from ...models import ItemOutcome, ItemSelection
from ..errors import ProblemsError
from ..spreadsheets import (
    Limits,
    Row,
    SheetFormat,
    Source,
    Spreadsheet,
    cell_problems,
    set_text_cell,
)
from .draw import MAX_FULL_REVIEW, DrawResult, amount_text
from .stats import MAX_SAMPLE_SIZE, format_percent

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

MAX_RESULTS_FILE_BYTES = 10 * 1024 * 1024
MAX_COMMENT_LENGTH = 2000
MAX_PROBLEMS = 20
# Headers are matched both in Swedish and in the user's language (see the functions below).
RESULT_HEADER = "Resultat (OK/Avvikelse)"
COMMENT_HEADER = "Kommentar"
OK_WORDS = frozenset({"ok"})
DEVIATION_WORDS = frozenset({"avvikelse", "avv"})


def result_header() -> str:
    return _("Resultat (OK/Avvikelse)")


def comment_header() -> str:
    return _("Kommentar")


class ResultsError(ProblemsError):
    """The filled-in file cannot be read; `problems` lists each reason for the user."""


@dataclass(frozen=True)
class ItemResult:
    item_id: str
    outcome: ItemOutcome
    comment: str
    row_number: int


class SampleRowLike(Protocol):
    """What the worklist needs of a drawn item (a `DrawnItem`, or a stored one)."""

    item_id: str
    values: Sequence[str]
    amount: Decimal | None
    stratum: str | None
    selection: ItemSelection


# --- writing --------------------------------------------------------------------------------------


def write_sample_xlsx(
    items: Iterable[SampleRowLike],
    columns: Sequence[str],
    *,
    id_header: str,
    amount_column: str | None = None,
    about: Sequence[tuple[str, str]] = (),
) -> bytes:
    """The worklist: id, kept columns, selection and stratum, then result and comment (empty
    for a fresh draw, the saved ones for a stored sample's items).

    `about` rows (label, value) go on a second sheet that records how the sample was drawn.
    """
    # openpyxl is imported when a worklist is written, not whenever ISK starts.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    items = list(items)
    show_selection = any(item.selection is ItemSelection.FULL_REVIEW for item in items)
    show_stratum = any(item.stratum for item in items)
    amount_position = (
        columns.index(amount_column) if amount_column and amount_column in columns else None
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Stickprov")
    headers = [id_header, *columns]
    if show_selection:
        headers.append(_("Urval"))
    if show_stratum:
        headers.append(_("Stratum"))
    headers += [result_header(), comment_header()]
    for column, header in enumerate(headers, start=1):
        cell = _write(sheet, 1, column, header)
        cell.font = Font(bold=True)
    for row, item in enumerate(items, start=2):
        _write(sheet, row, 1, item.item_id)
        for offset, value in enumerate(item.values):
            if offset == amount_position and item.amount is not None:
                cell = sheet.cell(row=row, column=2 + offset, value=item.amount)
                cell.number_format = "#,##0.00"
            else:
                _write(sheet, row, 2 + offset, value)
        column = 2 + len(columns)
        if show_selection:
            _write(sheet, row, column, item.selection.label)
            column += 1
        if show_stratum:
            _write(sheet, row, column, item.stratum or "")
            column += 1
        # Results already recorded (a stored sample's items), so the file continues the work.
        outcome = getattr(item, "outcome", None)
        if outcome is not None:
            _write(sheet, row, column, outcome.label)
        comment = getattr(item, "comment", None)
        if comment:
            _write(sheet, row, column + 1, comment)
    result_column = column_letter(len(headers) - 1)
    if items:
        validation = DataValidation(
            type="list",
            formula1='"{},{}"'.format(_("OK"), _("Avvikelse")),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("Ogiltigt resultat"),
            error=_("Skriv OK eller Avvikelse."),
        )
        validation.add(f"{result_column}2:{result_column}{len(items) + 1}")
        sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    for column, header in enumerate(headers, start=1):
        sheet.column_dimensions[column_letter(column)].width = max(12, len(header) + 2)
    sheet.column_dimensions[column_letter(len(headers))].width = 50
    if about:
        info = workbook.create_sheet(_("Om urvalet"))
        for row, (label, value) in enumerate(about, start=1):
            _write(info, row, 1, label).font = Font(bold=True)
            _write(info, row, 2, value)
        info.column_dimensions["A"].width = 32
        info.column_dimensions["B"].width = 70
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def column_letter(number: int) -> str:
    """The spreadsheet column's letters: 1 → A, 27 → AA (as openpyxl's get_column_letter)."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _write(sheet: Worksheet, row: int, column: int, value: str) -> Cell:
    """Write text so Excel shows it as text and never evaluates it."""
    return set_text_cell(sheet.cell(row=row, column=column), value)


def about_draw(result: DrawResult, filename: str = "") -> list[tuple[str, str]]:
    """How a draw was made, for the worklist's second sheet: enough to redo and verify it."""
    spec, population = result.spec, result.population
    rows = [
        (_("Urvalsmetod"), spec.algorithm),
        (_("Frö"), spec.seed),
        (_("Populationsfil"), filename or "-"),
        (_("Kontrollsumma (SHA-256)"), population.checksum),
        (_("Poster i populationen"), str(population.row_count)),
        (_("Slumpmässigt dragna poster"), str(spec.size)),
    ]
    if spec.threshold is not None:
        rows.append((_("Tröskel för totalgranskning"), amount_text(spec.threshold)))
        rows.append((_("Poster över tröskeln"), str(result.full_review_count)))
    for stratum in result.strata:
        share = format_percent(Decimal(100 * stratum.drawn) / Decimal(stratum.population))
        rows.append(
            (
                _("Stratum %(label)s", label=stratum.label),
                _(
                    "%(drawn)s av %(population)s poster (%(share)s)",
                    drawn=stratum.drawn,
                    population=stratum.population,
                    share=share,
                ),
            )
        )
    return rows


def export_draw(result: DrawResult, filename: str = "") -> bytes:
    """The worklist of a fresh draw, with the record of how it was drawn."""
    return write_sample_xlsx(
        result.items,
        result.columns,
        id_header=result.population.id_column,
        amount_column=result.population.amount_column,
        about=about_draw(result, filename),
    )


# --- reading back ---------------------------------------------------------------------------------


def read_results_xlsx(
    source: Source,
    sample_item_ids: Collection[str],
    *,
    max_bytes: int = MAX_RESULTS_FILE_BYTES,
) -> list[ItemResult]:
    """The results the controller filled in: per item OK or Avvikelse and a comment.

    Rows without a result are left out (not yet checked). Items outside the sample, unknown
    results, repeated items and formulas are refused, all or nothing.
    """
    # A worklist has a row per drawn item, and never more items than a draw can give.
    limits = Limits(max_bytes=max_bytes, max_rows=MAX_SAMPLE_SIZE + MAX_FULL_REVIEW)
    with Spreadsheet(source, "", limits=limits, error=ResultsError,
                     formats=(SheetFormat.XLSX,)) as worklist:
        rows = worklist.rows(sheet_titles=(_("Stickprov"), "stickprov"))
        return _read_results(rows, set(sample_item_ids))


def _read_results(rows: Iterator[Row], wanted: set[str]) -> list[ItemResult]:
    _number, first, _refusals = next(rows, (1, [], ()))
    header = [cell.lower() for cell in first]
    result_index = _header_index(header, RESULT_HEADER, result_header())
    comment_index = _header_index(header, COMMENT_HEADER, comment_header())
    seen: dict[str, int] = {}
    results: list[ItemResult] = []
    problems: list[str] = []
    for row_number, values, refusals in rows:
        if len(problems) >= MAX_PROBLEMS:
            problems.append(_("Fler fel finns; rätta dessa först och läs in filen igen."))
            break
        if refusals:
            problems.extend(cell_problems(row_number, refusals))
            continue
        if not any(values):
            continue
        item_id = values[0] if values else ""
        result_text = values[result_index] if result_index < len(values) else ""
        comment = values[comment_index] if comment_index < len(values) else ""
        result_column = column_letter(result_index + 1)
        if item_id not in wanted:
            problems.append(
                _(
                    "Rad %(row)s, kolumn A: posten ”%(id)s” ingår inte i stickprovet.",
                    row=row_number,
                    id=item_id,
                )
                if item_id
                else _("Rad %(row)s, kolumn A: post-id saknas.", row=row_number)
            )
            continue
        if item_id in seen:
            problems.append(
                _(
                    "Rad %(row)s, kolumn A: posten ”%(id)s” finns redan på rad %(first)s.",
                    row=row_number,
                    id=item_id,
                    first=seen[item_id],
                )
            )
            continue
        seen[item_id] = row_number
        if len(comment) > MAX_COMMENT_LENGTH:
            problems.append(
                _(
                    "Rad %(row)s, kolumn %(column)s: kommentaren är längre än %(max)s tecken.",
                    row=row_number,
                    column=column_letter(comment_index + 1),
                    max=MAX_COMMENT_LENGTH,
                )
            )
            continue
        outcome = _outcome(result_text)
        if not result_text:
            if comment:
                problems.append(
                    _(
                        "Rad %(row)s, kolumn %(column)s: det finns en kommentar men inget "
                        "resultat; skriv OK eller Avvikelse.",
                        row=row_number,
                        column=result_column,
                    )
                )
            continue
        if outcome is None:
            problems.append(
                _(
                    "Rad %(row)s, kolumn %(column)s: ”%(value)s” är inget resultat; skriv OK "
                    "eller Avvikelse.",
                    row=row_number,
                    column=result_column,
                    value=result_text,
                )
            )
            continue
        results.append(ItemResult(item_id, outcome, comment, row_number))
    if problems:
        raise ResultsError(problems)
    return results


def _header_index(header: list[str], swedish: str, translated: str) -> int:
    names = {swedish.lower(), translated.lower()}
    for index, name in enumerate(header):
        if name in names:
            return index
    raise ResultsError(
        [_("Rad 1: kolumnen ”%(name)s” saknas; använd filen som ISK skapade.", name=translated)]
    )


def _outcome(text: str) -> ItemOutcome | None:
    word = text.strip().lower()
    if word in OK_WORDS or word == _("OK").lower():
        return ItemOutcome.OK
    if word in DEVIATION_WORDS or word == _("Avvikelse").lower():
        return ItemOutcome.DEVIATION
    return None
