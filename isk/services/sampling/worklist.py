"""The drawn stickprov as an XLSX worklist for the controller, and reading the filled-in file back.

Every text cell that Excel could take for a formula (starting with = + - @, or a tab or carriage
return) is written as a string with a quote prefix, so opening the file never evaluates it.
"""

from __future__ import annotations

import io
import os
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, BinaryIO, Protocol

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..errors import ProblemsError
from .draw import DrawResult, Selection, amount_text
from .population import cell_text
from .stats import format_percent

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

MAX_RESULTS_FILE_BYTES = 10 * 1024 * 1024
MAX_COMMENT_LENGTH = 2000
MAX_PROBLEMS = 20
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
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


class Outcome(StrEnum):
    OK = "ok"
    DEVIATION = "deviation"

    @property
    def label(self) -> str:
        return _("OK") if self is Outcome.OK else _("Avvikelse")


@dataclass(frozen=True)
class ItemResult:
    item_id: str
    outcome: Outcome
    comment: str
    row_number: int


class SampleRowLike(Protocol):
    """What the worklist needs of a drawn item (a `DrawnItem`, or a stored one)."""

    item_id: str
    values: Sequence[str]
    amount: Decimal | None
    stratum: str | None
    selection: Selection


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
    items = list(items)
    show_selection = any(item.selection is Selection.FULL_REVIEW for item in items)
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
    result_column = get_column_letter(len(headers) - 1)
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
        sheet.column_dimensions[get_column_letter(column)].width = max(12, len(header) + 2)
    sheet.column_dimensions[get_column_letter(len(headers))].width = 50
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


def _write(sheet: Worksheet, row: int, column: int, value: str) -> Cell:
    """Write text so Excel shows it as text and never evaluates it."""
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


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
    source: bytes | BinaryIO | str | os.PathLike[str],
    sample_item_ids: Collection[str],
    *,
    max_bytes: int = MAX_RESULTS_FILE_BYTES,
) -> list[ItemResult]:
    """The results the controller filled in: per item OK or Avvikelse and a comment.

    Rows without a result are left out (not yet checked). Items outside the sample, unknown
    results, repeated items and formulas are refused, all or nothing.
    """
    data = _read_bytes(source, max_bytes)
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=False)
    except Exception as error:  # a damaged or non-XLSX file, in whichever way openpyxl finds it
        raise ResultsError([_("Filen är ingen giltig XLSX-fil.")]) from error
    titles = {_("Stickprov").lower(), "stickprov"}
    sheet = next(
        (ws for ws in workbook.worksheets if ws.title.lower() in titles), workbook.worksheets[0]
    )
    header = [cell_text(cell.value).lower() for cell in next(sheet.iter_rows(max_row=1), ())]
    result_index = _header_index(header, RESULT_HEADER, result_header())
    comment_index = _header_index(header, COMMENT_HEADER, comment_header())
    wanted = set(sample_item_ids)
    seen: dict[str, int] = {}
    results: list[ItemResult] = []
    problems: list[str] = []
    for row_number, row in enumerate(sheet.iter_rows(min_row=2), start=2):
        if len(problems) >= MAX_PROBLEMS:
            problems.append(_("Fler fel finns; rätta dessa först och läs in filen igen."))
            break
        cells = list(row)
        formulas = [cell for cell in cells if cell.data_type == "f"]
        if formulas:
            problems.append(
                _(
                    "Rad %(row)s, kolumn %(column)s: cellen innehåller en formel; skriv värdet i "
                    "stället.",
                    row=row_number,
                    column=get_column_letter(formulas[0].column),
                )
            )
            continue
        values = [cell_text(cell.value) for cell in cells]
        if not any(values):
            continue
        item_id = values[0] if values else ""
        result_text = values[result_index] if result_index < len(values) else ""
        comment = values[comment_index] if comment_index < len(values) else ""
        result_column = get_column_letter(result_index + 1)
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
                    column=get_column_letter(comment_index + 1),
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
    workbook.close()
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


def _outcome(text: str) -> Outcome | None:
    word = text.strip().lower()
    if word in OK_WORDS or word == _("OK").lower():
        return Outcome.OK
    if word in DEVIATION_WORDS or word == _("Avvikelse").lower():
        return Outcome.DEVIATION
    return None


def _read_bytes(source: bytes | BinaryIO | str | os.PathLike[str], max_bytes: int) -> bytes:
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            data = handle.read(max_bytes + 1)
    else:
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ResultsError(
            [_("Filen är för stor: högst %(max)s MB tas emot.", max=max_bytes // (1024 * 1024))]
        )
    if not data:
        raise ResultsError([_("Filen är tom.")])
    return data
