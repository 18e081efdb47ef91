"""Reading a stickprov population (CSV or XLSX) as a stream, validated all or nothing.

A population is one row per item: an id column plus optional columns such as amount, date and
account. The reader never holds the rows: it yields them one at a time to a consumer (the draw
keeps only what it selects) and remembers only an 8-byte hash per id to find duplicates. It
writes nothing; if anything is wrong it raises `PopulationError` after (or, past a limit of
problems, during) the pass, so a caller that writes only on success writes nothing on failure.
The file itself is opened and checked by the spreadsheet gate (`services.spreadsheets`): size,
zip archive, encoding, formulas and control characters, before and while it streams.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import NamedTuple

from flask_babel import gettext as _

from ..errors import ProblemsError
from ..spreadsheets import Limits, Row, SheetFormat, Source, Spreadsheet, cell_problems, cell_text

MAX_ROWS = 1_000_000
MAX_FILE_BYTES = 100 * 1024 * 1024
# A million rows of XLSX unpack to about 200 MB; openpyxl streams the sheet, but holds its
# shared strings, so this also bounds the memory a file can take.
MAX_UNPACKED_BYTES = 250 * 1024 * 1024
MAX_ID_LENGTH = 200
MAX_PROBLEMS = 20
MAX_DUPLICATES_SHOWN = 5

PopulationSource = Source
FileFormat = SheetFormat


class PopulationError(ProblemsError):
    """The file cannot be used as a population; `problems` lists each reason for the user."""


class PopulationRow(NamedTuple):
    """One item: its id, the kept columns as text, and the parsed amount when asked for."""

    row_number: int
    item_id: str
    values: tuple[str, ...]
    amount: Decimal | None


@dataclass(frozen=True)
class PopulationSummary:
    """What a complete pass found: enough to record which file was drawn from."""

    file_format: FileFormat
    checksum: str
    file_size: int
    row_count: int
    id_column: str
    amount_column: str | None
    columns: tuple[str, ...]


# --- values ---------------------------------------------------------------------------------------

_AMOUNT_NOISE = str.maketrans("", "", " \u00a0\u202f\u2009'")
_AMOUNT_PATTERN = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)")


def parse_amount(text: str) -> Decimal:
    """An amount as people and Swedish Excel write it: "1 234,50", "1234.50", "-12,5 kr"."""
    cleaned = text.translate(_AMOUNT_NOISE).replace("\u2212", "-")
    if cleaned[-2:].lower() == "kr":
        cleaned = cleaned[:-2]
    elif cleaned[-3:].upper() == "SEK":
        cleaned = cleaned[:-3]
    if "," in cleaned:
        if "." in cleaned:
            # Both signs: the later one is the decimal sign, the other groups thousands.
            if cleaned.rfind(",") > cleaned.rfind("."):
                cleaned = cleaned.replace(".", "").replace(",", ".")
            else:
                cleaned = cleaned.replace(",", "")
        else:
            cleaned = cleaned.replace(",", ".")
    if not _AMOUNT_PATTERN.fullmatch(cleaned):
        raise ValueError(text)
    return Decimal(cleaned)


# --- the reader -----------------------------------------------------------------------------------


class PopulationReader:
    """Iterate to stream the rows; after a full pass `summary` describes the file.

    Each iteration re-reads the file, so a caller can validate once and draw in a second pass.
    """

    def __init__(
        self,
        source: PopulationSource,
        filename: str = "",
        *,
        id_column: str | None = None,
        amount_column: str | None = None,
        columns: Iterable[str] | None = None,
        max_rows: int = MAX_ROWS,
        max_bytes: int = MAX_FILE_BYTES,
    ):
        self.filename = filename or (str(source) if isinstance(source, str | os.PathLike) else "")
        self.id_column_name = id_column.strip() if id_column else None
        self.amount_column_name = amount_column.strip() if amount_column else None
        self.column_names = tuple(name.strip() for name in columns) if columns is not None else None
        self.max_rows = max_rows
        # The gate's row limit is the most items a population may have: blank rows count too.
        self.sheet = Spreadsheet(
            source, self.filename, error=PopulationError,
            limits=Limits(max_bytes=max_bytes, max_rows=max(max_rows, MAX_ROWS),
                          max_unpacked=MAX_UNPACKED_BYTES),
        )
        self.checksum, self.file_size = self.sheet.checksum, self.sheet.size
        self.file_format = self.sheet.format
        self.summary: PopulationSummary | None = None
        # Known once iteration has begun: every column, and the kept ones.
        self.header: tuple[str, ...] = ()
        self.columns: tuple[str, ...] = ()
        self.kept_values: Callable[[list[object]], tuple[str, ...]] = lambda cells: ()

    def close(self) -> None:
        self.sheet.close()

    def __enter__(self) -> PopulationReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[PopulationRow]:
        for row_number, item_id, cells, amount in self.raw_rows():
            yield PopulationRow(row_number, item_id, self.kept_values(cells), amount)

    def raw_rows(self) -> Iterator[tuple[int, str, list[object], Decimal | None]]:
        """The fast path for a consumer that keeps few rows: (row number, id, cells, amount).

        Turn the few it keeps into `PopulationRow`s with `kept_values(cells)`.
        """
        raw_rows = self.sheet.rows(raw=True)
        pass_ = _Pass(self)
        try:
            yield from pass_.run(raw_rows)
        finally:
            raw_rows.close()
        duplicates = pass_.duplicate_candidates
        if duplicates:
            pass_.problems.extend(self._confirm_duplicates(duplicates))
        if pass_.problems:
            raise PopulationError(pass_.problems)
        self.summary = PopulationSummary(
            file_format=self.file_format,
            checksum=self.checksum,
            file_size=self.file_size,
            row_count=pass_.row_count,
            id_column=pass_.header[pass_.id_index],
            amount_column=(
                pass_.header[pass_.amount_index] if pass_.amount_index is not None else None
            ),
            columns=tuple(pass_.header[index] for index in pass_.kept_indexes),
        )

    def _confirm_duplicates(self, candidates: set[str]) -> list[str]:
        """Find every row of the ids whose hashes repeated; a second pass, on the error path only.

        Hashes can collide, so only ids that really repeat are reported.
        """
        raw_rows = self.sheet.rows(raw=True)
        rows_by_id: dict[str, list[int]] = {}
        header = next(raw_rows, (1, [], ()))[1]
        id_index = _Pass.find_column(header, self.id_column_name) if self.id_column_name else 0
        for row_number, cells, _refusals in raw_rows:
            item_id = cell_text(cells[id_index]) if id_index < len(cells) else ""
            if item_id in candidates:
                rows_by_id.setdefault(item_id, []).append(row_number)
        repeated = [(item_id, rows) for item_id, rows in rows_by_id.items() if len(rows) > 1]
        repeated.sort(key=lambda entry: entry[1][1])
        problems = [
            _(
                "Post-id ”%(id)s” förekommer flera gånger: rad %(rows)s.",
                id=item_id,
                rows=", ".join(str(number) for number in rows[:10]),
            )
            for item_id, rows in repeated[:MAX_DUPLICATES_SHOWN]
        ]
        if len(repeated) > MAX_DUPLICATES_SHOWN:
            problems.append(
                _(
                    "Ytterligare %(count)s post-id förekommer flera gånger.",
                    count=len(repeated) - MAX_DUPLICATES_SHOWN,
                )
            )
        return problems


class _Pass:
    """One validating pass over the raw rows of a file."""

    def __init__(self, reader: PopulationReader):
        self.reader = reader
        self.problems: list[str] = []
        self.duplicate_candidates: set[str] = set()
        self.row_count = 0
        self.header: list[str] = []
        self.id_index = 0
        self.amount_index: int | None = None
        self.kept_indexes: tuple[int, ...] = ()

    @staticmethod
    def find_column(header: list[object], name: str) -> int:
        """The index of the column with this name, in any case."""
        names = [cell_text(cell) for cell in header]
        lowered = [column.lower() for column in names]
        if name.lower() not in lowered:
            raise PopulationError(
                [
                    _(
                        "Kolumnen ”%(name)s” finns inte i filen. Filens kolumner är: %(columns)s.",
                        name=name,
                        columns=", ".join(column for column in names if column) or _("inga"),
                    )
                ]
            )
        return lowered.index(name.lower())

    def read_header(self, cells: list[object]) -> None:
        header = [cell_text(cell) for cell in cells]
        while header and not header[-1]:
            header.pop()
        if not header:
            raise PopulationError(
                [_("Rad 1 ska innehålla kolumnrubriker, till exempel id;belopp;datum;konto.")]
            )
        problems = []
        seen: set[str] = set()
        for position, name in enumerate(header, start=1):
            if not name:
                problems.append(
                    _("Rad 1, kolumn %(position)s: kolumnen saknar rubrik.", position=position)
                )
            elif name.lower() in seen:
                problems.append(_("Rad 1: rubriken ”%(name)s” förekommer flera gånger.", name=name))
            seen.add(name.lower())
        if problems:
            raise PopulationError(problems)
        reader = self.reader
        self.header = header
        if reader.id_column_name:
            self.id_index = self.find_column(header, reader.id_column_name)
        if reader.amount_column_name:
            self.amount_index = self.find_column(header, reader.amount_column_name)
        if reader.column_names is None:
            self.kept_indexes = tuple(i for i in range(len(header)) if i != self.id_index)
        else:
            self.kept_indexes = tuple(
                self.find_column(header, name) for name in reader.column_names
            )
        reader.header = tuple(header)
        reader.columns = tuple(header[index] for index in self.kept_indexes)
        reader.kept_values = _values_getter(self.kept_indexes, reader.file_format)

    def problem(self, message: str) -> None:
        self.problems.append(message)
        if len(self.problems) >= MAX_PROBLEMS:
            self.problems.append(_("Fler fel finns; rätta dessa först och läs in filen igen."))
            raise PopulationError(self.problems)

    def run(
        self, raw_rows: Iterator[Row]
    ) -> Iterator[tuple[int, str, list[object], Decimal | None]]:
        first = next(raw_rows, None)
        if first is None:
            raise PopulationError([_("Filen är tom: populationen innehåller inga poster.")])
        if first[2]:
            raise PopulationError(cell_problems(1, first[2]))
        self.read_header(first[1])
        width, id_index, amount_index = len(self.header), self.id_index, self.amount_index
        max_rows, max_id_length = self.reader.max_rows, MAX_ID_LENGTH
        id_name = self.header[id_index]
        amount_name = self.header[amount_index] if amount_index is not None else ""
        seen: set[int] = set()
        remember = seen.add
        problems = self.problems
        row_count = 0
        for row_number, cells, refusals in raw_rows:
            if not cells:
                continue  # a blank row
            if refusals:
                for problem in cell_problems(row_number, refusals):
                    self.problem(problem)
                continue
            if len(cells) != width:
                if len(cells) > width:
                    if any(cell_text(cell) for cell in cells[width:]):
                        self.problem(
                            _(
                                "Rad %(row)s: raden har fler värden än det finns rubriker.",
                                row=row_number,
                            )
                        )
                        continue
                    cells = cells[:width]
                else:
                    cells = [*cells, *([""] * (width - len(cells)))]
            item_id = cells[id_index]
            item_id = item_id.strip() if isinstance(item_id, str) else cell_text(item_id)
            if not item_id:
                if any(cell_text(cell) for cell in cells):
                    self.problem(
                        _(
                            "Rad %(row)s, kolumn %(column)s: post-id saknas.",
                            row=row_number,
                            column=id_name,
                        )
                    )
                continue
            row_count += 1
            if row_count > max_rows:
                raise PopulationError(
                    [
                        _(
                            "Filen har fler än %(max)s poster; dela upp populationen.",
                            max=f"{max_rows:,}".replace(",", " "),
                        )
                    ]
                )
            if len(item_id) > max_id_length:
                self.problem(
                    _(
                        "Rad %(row)s, kolumn %(column)s: post-id är längre än %(max)s tecken.",
                        row=row_number,
                        column=id_name,
                        max=MAX_ID_LENGTH,
                    )
                )
                continue
            # Only a hash per id is kept; the rare repeat is confirmed by a second pass.
            id_hash = hash(item_id)
            if id_hash in seen:
                if len(self.duplicate_candidates) < 1000:
                    self.duplicate_candidates.add(item_id)
                continue
            remember(id_hash)
            amount = None
            if amount_index is not None:
                raw_amount = cells[amount_index]
                try:
                    amount = _amount(raw_amount)
                except ValueError:
                    self.problem(
                        _(
                            "Rad %(row)s, kolumn %(column)s: ”%(value)s” är inget belopp.",
                            row=row_number,
                            column=amount_name,
                            value=cell_text(raw_amount),
                        )
                    )
                    continue
                if amount is None:
                    self.problem(
                        _(
                            "Rad %(row)s, kolumn %(column)s: belopp saknas.",
                            row=row_number,
                            column=amount_name,
                        )
                    )
                    continue
            if problems:
                continue  # keep validating, but a failed file yields nothing more
            yield row_number, item_id, cells, amount
        self.row_count = row_count
        if self.row_count == 0 and not self.problems:
            raise PopulationError(
                [_("Filen innehåller bara rubriker: populationen innehåller inga poster.")]
            )


def _values_getter(
    indexes: tuple[int, ...], file_format: FileFormat
) -> Callable[[list[object]], tuple[str, ...]]:
    """A fast function from a row's cells to the kept values as stripped text."""
    if not indexes:
        return lambda cells: ()
    pick = itemgetter(*indexes)
    if file_format is FileFormat.CSV:
        if len(indexes) == 1:
            return lambda cells: (pick(cells).strip(),)
        return lambda cells: tuple(map(str.strip, pick(cells)))
    if len(indexes) == 1:
        return lambda cells: (cell_text(pick(cells)),)
    return lambda cells: tuple(map(cell_text, pick(cells)))


def _amount(value: object) -> Decimal | None:
    """A cell's amount; None when empty; ValueError when it is not an amount."""
    if isinstance(value, str):
        try:  # the common case, fast: "1234,50"
            amount = Decimal(value.replace(",", ".", 1))
        except InvalidOperation:
            if not value.strip():
                return None
            return parse_amount(value)
        if amount.is_finite():
            return amount
        raise ValueError(value)
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float) and math.isfinite(value):
        return Decimal(repr(value))
    raise ValueError(value)


def inspect_population(
    source: PopulationSource, filename: str = "", **options: object
) -> PopulationSummary:
    """Validate a whole file and describe it, keeping no rows."""
    with PopulationReader(source, filename, **options) as reader:
        for _row in reader:
            pass
    assert reader.summary is not None
    return reader.summary
