"""The one gate for spreadsheets: every uploaded CSV or XLSX is read here, every exported cell
is written here. It is one module of ~900 lines on purpose: the checks are one algorithm (a
file is refused or read by the same rules wherever it comes from), and splitting it would put
the rules for one file in several places. About 160 of those lines are the text-only XLSX
writer (`xlsx_bytes`), kept beside the one cell rule it applies; it is the part that could
move to a module of its own if the gate grows further.

Reading (`Spreadsheet`). The whole file is checked before a row is read: it must not be empty
or larger than its caller accepts, and an XLSX, being a zip archive, is refused when it would
unpack to more than the caller accepts, when a part unpacks to far more than it weighs, or when
it has too many or odd parts, all before openpyxl sees it (`check_archive`). A sheet's declared
size is ignored: rows are read only as wide as the header row plus `SPARE_COLUMNS` (so that a
stray value is reported by the caller, not cut; values further right, under no heading, are not
read), never padded to what the sheet claims, and a file may have only so many rows. A CSV must
be UTF-8, with or without a BOM; its separator is `;`, `,` or a tab, whichever its first line
has most of.

Every cell is checked alike. Refused are a formula (an XLSX formula cell, or a CSV cell that a
spreadsheet would run: one starting with `=`, or with `+`, `-` or `@` unless it is a number)
and text with a control character (below U+0020, except tab, newline and carriage return).
The refusals come with their row, `(number, cells, refusals)`, so that a caller reports them
among the row's other problems, in its own order and column names (`cell_problems`).

A CSV cell that starts with a quote before what would otherwise need one (`'=x`, `'-x`, `''x`)
is text without that quote: it is how a spreadsheet marks text, and how ISK's own export
writes it (`csv_cell`), so an export reads back byte for byte.

A population of a million CSV rows is streamed without a Python step per cell: the bytes are
scanned once, with the checksum, for anything a cell check could refuse or change, and only a
file that has such bytes gets the per-cell checks.

Writing. `export_text` is what every exported cell holds: characters that XML (and so XLSX)
cannot carry are replaced, never refused, so an old value with a control character still
exports. `csv_bytes` writes a CSV (UTF-8 with BOM, CRLF) with formula-like text behind a
quote (`csv_chunks`: the same in pieces, for a download that streams); `set_text_cell` puts
text in an openpyxl cell as text, never as a formula; `xlsx_bytes` writes a text workbook's
XML directly, by the same rules, for exports too big to build as openpyxl objects. openpyxl is
imported only where a workbook is read or built with it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, BinaryIO, NamedTuple

from flask_babel import gettext as _

from .errors import ProblemsError

MIB = 1024 * 1024
CHUNK = MIB
MAX_UNPACKED_BYTES = 100 * MIB  # what an XLSX may unpack to, unless its caller says otherwise
MAX_COMPRESSION_RATIO = 200  # for parts over 1 MB: ordinary sheets pack 5-20 times
MAX_MEMBERS = 1000  # parts of an XLSX; Excel writes a dozen, a few per extra sheet
MAX_COLUMNS = 500  # the widest header row read
SPARE_COLUMNS = 5
EXCEL_MAX_ROWS = 1_048_576

Source = bytes | BinaryIO | str | os.PathLike[str]

# Below U+0020 only tab, newline and carriage return belong in text; XML cannot carry the rest,
# and PostgreSQL cannot store NUL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# What an XLSX cannot carry at all: those, U+FFFE and U+FFFF, and lone surrogates.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@")
_QUOTED_STARTS = (*FORMULA_STARTS, "\t", "\r")
_WHITESPACE = " \t\r\n"
_SIGNED_NUMBER = re.compile(r"[+-][\d .,'\u00a0\u202f\u2009]*\d[\d .,'\u00a0\u202f\u2009]*"
                            r"(?:kr|sek|%)?", re.IGNORECASE)
# For the byte scan of a CSV: what separates cells becomes 0, a control character 1; the
# quick look also makes a possible formula start 2 and anything else 3.
_SCAN_TABLE = bytes(
    1 if byte < 0x20 and byte not in b"\t\n\r" else 0 if byte in b";,\t\n\r\" " else byte
    for byte in range(256)
)
_SCAN_MARKS = bytes(
    mark if mark < 2 else 2 if byte in b"=@'+-" else 3 for byte, mark in enumerate(_SCAN_TABLE)
)
# In the scanned bytes: a cell's start followed by what the cell checks must look at.
_CELL_START_RISK = re.compile(rb"\x00(?:[=@']|[-+](?!\x00|[0-9][0-9.,]*\x00))")
_SCAN_OVERLAP = 64
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
# How an XLSX writes a character XML cannot carry (and "_x005F_" for a literal "_"): Excel writes
# a vertical tab as "_x000B_". openpyxl leaves these as they are; the gate reads them as Excel.
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_PLAIN_VALUES = frozenset({int, float, bool, datetime, date, time, timedelta})


class SheetFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class Refusal(NamedTuple):
    """A refused cell of a row: its column (from 0) and why, for the user."""

    column: int
    reason: str


Row = tuple[int, list[Any], tuple[Refusal, ...]]


@dataclass(frozen=True)
class Limits:
    """What a caller accepts; everything else about reading is the same for every caller."""

    max_bytes: int
    max_rows: int | None = None  # rows below the header; None: only an XLSX sheet's own limit
    max_columns: int = MAX_COLUMNS
    max_unpacked: int = MAX_UNPACKED_BYTES


class UnsafeArchive(ValueError):
    """A zip archive that must not be unpacked; the message says why, for the user."""


# --- the text of a cell -----------------------------------------------------------------------


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could take the text for a formula: such text is written quoted."""
    return text.startswith(_QUOTED_STARTS) or text.lstrip(_WHITESPACE).startswith(FORMULA_STARTS)


def runs_as_formula(text: str) -> bool:
    """Whether a spreadsheet would run this CSV cell: `=...`, or `+ - @` before all but a number.

    A lone sign, or signs alone, run nothing.
    """
    stripped = text.lstrip(_WHITESPACE)
    if stripped.startswith("="):
        return True
    if not stripped.startswith(FORMULA_STARTS):
        return False
    return not (_SIGNED_NUMBER.fullmatch(stripped) or not stripped.strip("+-@ "))


def _excel_unescaped(found: re.Match[str]) -> str:
    code = int(found.group(1), 16)
    return found.group() if 0xD800 <= code <= 0xDFFF else chr(code)  # no lone surrogates


def character_code(character: str) -> str:
    return f"U+{ord(character):04X}"


def control_character(text: str) -> str | None:
    """The first control character in the text (written U+ and four hex digits), or None."""
    found = CONTROL_CHARACTERS.search(text)
    return character_code(found.group()) if found else None


def cell_text(value: object) -> str:
    """A spreadsheet value as the text we keep: 1001.0 → "1001", a date → "2025-03-31"."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "SANT" if value else "FALSKT"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def split_header(rows: Iterable[Row], error: type[ProblemsError]
                 ) -> tuple[list[str], Iterator[Row]]:
    """The header row's cells (trailing empty ones dropped) and the rows after it; a file
    without rows, or a header cell the gate refuses, raises `error` with the reason."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        raise error([_("Filen är tom.")])
    number, names, refusals = first
    if refusals:
        raise error(cell_problems(number, refusals))
    names = list(names)
    while names and not str(names[-1]).strip():
        names.pop()
    return names, iterator


def cell_problems(number: int, refusals: Iterable[Refusal],
                  names: Sequence[str] | None = None) -> list[str]:
    """The refusals of row `number` as messages; columns by name where `names` has one."""
    return [
        _("Rad %(n)d, kolumn %(col)s: %(reason)s", n=number,
          col=_column_name(refusal.column, names), reason=refusal.reason)
        for refusal in refusals
    ]


def column_letter(number: int) -> str:
    """Excel's name of column `number` (from 1): 1 → A, 27 → AA."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _column_name(index: int, names: Sequence[str] | None) -> str:
    if names and index < len(names) and names[index]:
        return names[index]
    return column_letter(index + 1)


def _formula_reason() -> str:
    return _("cellen innehåller en formel; skriv värdet i stället.")


def _csv_formula_reason(text: str) -> str:
    return _("cellen innehåller en formel (den börjar med ”%(start)s”); skriv värdet i stället, "
             "eller en apostrof (') först om det är text.", start=text.lstrip(_WHITESPACE)[0])


def _control_reason(code: str) -> str:
    return _("cellen innehåller ett otillåtet tecken (%(code)s); ta bort det.", code=code)


def _megabytes(size: int) -> str:
    return f"{size / MIB:.1f}".replace(".", ",")


def _whole_megabytes(size: int) -> str:
    return _megabytes(size).removesuffix(",0")


def _not_xlsx() -> str:
    return _("Filen kunde inte läsas som en XLSX-arbetsbok: den är ingen giltig XLSX-fil. Spara "
             "den i Excel som .xlsx och försök igen.")


def _too_many_rows(limit: int) -> str:
    return _("Filen har fler än %(n)s rader.", n=f"{limit:,}".replace(",", " "))


# --- zip archives ---------------------------------------------------------------------------


def check_archive(file: BinaryIO, max_unpacked: int = MAX_UNPACKED_BYTES) -> None:
    """Refuse a zip archive that would take too much to unpack, before anything unpacks it.

    Raises `UnsafeArchive` (with the reason for the user), or `zipfile.BadZipFile` for a file
    that is no zip archive. Nothing in the archive is opened; an archive inside it is never
    unpacked, only counted by its size.
    """
    entries, directory_size = _central_directory(file)
    if entries > MAX_MEMBERS or directory_size > MAX_MEMBERS * 1024:
        raise UnsafeArchive(_("den har fler än %(n)d delar", n=MAX_MEMBERS))
    with zipfile.ZipFile(file) as archive:
        members = archive.infolist()
    seen: set[str] = set()
    unpacked = 0
    for member in members:
        name = member.filename
        if (
            name in seen
            or name.startswith("/")
            or "\\" in name
            or ".." in name.split("/")
            or member.flag_bits & 0x1  # encrypted
            or member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        ):
            raise UnsafeArchive(_("den har en ovanlig del (%(name)s)", name=name[:80]))
        seen.add(name)
        unpacked += member.file_size
        if member.file_size > MIB and (
            member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        ):
            raise UnsafeArchive(_("en del av den packas upp till mer än %(n)d gånger sin storlek",
                                  n=MAX_COMPRESSION_RATIO))
        if unpacked > max_unpacked:
            raise UnsafeArchive(_("den packas upp till mer än %(max)s MB",
                                  max=_whole_megabytes(max_unpacked)))


def _central_directory(file: BinaryIO) -> tuple[int, int]:
    """The number of parts and the size of the directory, as the archive's end record says.

    Read before `zipfile` reads the directory, which it would do whatever its size.
    """
    file.seek(0, os.SEEK_END)
    size = file.tell()
    tail_size = min(size, 22 + 0xFFFF)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    file.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise zipfile.BadZipFile("no end of central directory record")
    entries = int.from_bytes(tail[at + 10 : at + 12], "little")
    directory_size = int.from_bytes(tail[at + 12 : at + 16], "little")
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF:
        raise UnsafeArchive(_("den har fler än %(n)d delar", n=MAX_MEMBERS))  # zip64
    return entries, directory_size


# --- reading --------------------------------------------------------------------------------


class Spreadsheet:
    """An uploaded CSV or XLSX file, checked as a whole when opened; `rows()` reads it.

    `error` is the caller's `ProblemsError` subclass: every refusal is raised as one, with a
    message for the user. Each call of `rows()` reads the file again from the start.
    """

    def __init__(
        self,
        source: Source,
        filename: str = "",
        *,
        limits: Limits,
        error: type[ProblemsError],
        formats: Collection[SheetFormat] = (SheetFormat.CSV, SheetFormat.XLSX),
    ):
        self.filename = filename
        self.limits = limits
        self.error = error
        self._owns_file = not hasattr(source, "read") or not source.seekable()
        self._file = _seekable(source)
        self._scan_controls = self._scan_formulas = False
        try:
            self.size = self._check_size()
            self.format = self._detect_format(formats)
            self.checksum = self._scan()
            if self.format is SheetFormat.XLSX:
                self._check_archive()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._owns_file:
            self._file.close()

    def __enter__(self) -> Spreadsheet:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def rows(self, *, raw: bool = False, sheet_titles: Collection[str] = ()) -> Iterator[Row]:
        """(row number, cells, refusals) for every row, the header row first, numbered from 1.

        Cells are text, except with `raw`, where an XLSX gives its numbers and dates as they
        are (and None for an empty cell). An XLSX row is as wide as its header row, wider only
        where a value stands further right, and an empty one has no cells. The sheet read is
        the first one titled as in `sheet_titles` (in any case), else the first.
        """
        if self.format is SheetFormat.XLSX:
            return self._xlsx_rows(raw, {title.lower() for title in sheet_titles})
        return self._csv_rows()

    # --- the checks on opening ---

    def _refuse(self, message: str) -> ProblemsError:
        return self.error([message])

    def _check_size(self) -> int:
        self._file.seek(0, os.SEEK_END)
        size = self._file.tell()
        self._file.seek(0)
        if size == 0:
            raise self._refuse(_("Filen är tom."))
        if size > self.limits.max_bytes:
            raise self._refuse(
                _("Filen är för stor (%(size)s MB). Största tillåtna storlek är %(max)s MB.",
                  size=_megabytes(size), max=_whole_megabytes(self.limits.max_bytes))
            )
        return size

    def _detect_format(self, formats: Collection[SheetFormat]) -> SheetFormat:
        magic = self._file.read(8)
        self._file.seek(0)
        extension = os.path.splitext(self.filename)[1].lower()
        if magic.startswith(b"PK\x03\x04"):
            found = SheetFormat.XLSX
        elif magic.startswith(_OLE_MAGIC) or extension == ".xls":
            raise self._refuse(
                _("Gamla Excelfiler (.xls) kan inte läsas. Spara filen som .xlsx eller CSV.")
            )
        elif extension in (".xlsx", ".xlsm"):
            raise self._refuse(_not_xlsx())
        else:
            found = SheetFormat.CSV
        if found not in formats:
            raise self._refuse(_not_xlsx())
        return found

    def _scan(self) -> str:
        """The SHA-256 of the file; for a CSV, also whether its cells need checking one by one.

        The scan looks for the bytes that a cell check could refuse or change: a control
        character, and where a cell can start (after a separator, a quote, a line end or a
        space) `=`, `@`, `'`, or `+`/`-` before anything but a plain number. All of them are
        ASCII, so the UTF-8 bytes show them as they are. Windows overlap, so that what crosses
        the end of one is seen whole in the next; a doubt at an edge counts as a find, which
        only costs the per-cell checks.
        """
        digest = hashlib.sha256()
        scan = self.format is SheetFormat.CSV
        previous = b"\n"  # the file's start is a cell's start
        chunk = self._file.read(CHUNK)
        text = chunk.removeprefix(codecs.BOM_UTF8)
        while chunk:
            digest.update(chunk)
            following = self._file.read(CHUNK)
            if scan and not (self._scan_controls and self._scan_formulas):
                window = previous + text + (b"" if following else b"\n")
                marks = window.translate(_SCAN_MARKS)
                self._scan_controls = self._scan_controls or b"\x01" in marks
                if not self._scan_formulas and b"\x00\x02" in marks:
                    decided = len(window) if not following else len(window) - _SCAN_OVERLAP
                    self._scan_formulas = any(
                        found.start() < decided
                        for found in _CELL_START_RISK.finditer(window.translate(_SCAN_TABLE))
                    )
                previous = window[-_SCAN_OVERLAP:]
            chunk = text = following
        self._file.seek(0)
        return digest.hexdigest()

    def _check_archive(self) -> None:
        try:
            check_archive(self._file, self.limits.max_unpacked)
        except UnsafeArchive as error:
            raise self._refuse(
                _("Filen kan inte läsas som en Excel-fil: %(reason)s.", reason=str(error))
            ) from error
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise self._refuse(_not_xlsx()) from error
        finally:
            self._file.seek(0)

    def _row_limit(self) -> int | None:
        """The last row number allowed, the header row included."""
        if self.limits.max_rows is None:
            return EXCEL_MAX_ROWS if self.format is SheetFormat.XLSX else None
        return self.limits.max_rows + 1

    # --- CSV ---

    def _csv_rows(self) -> Iterator[Row]:
        self._file.seek(0)
        text = io.TextIOWrapper(self._file, encoding="utf-8-sig", newline="")
        reader = None
        try:
            delimiter = max((",", ";", "\t"), key=text.readline().count)
            text.seek(0)
            reader = csv.reader(text, delimiter=delimiter, strict=True)
            limit = self._row_limit()
            if not (self._scan_controls or self._scan_formulas):
                # The fast path: nothing for a cell check to find, so no Python step per row.
                rows = reader if limit is None else itertools.islice(reader, limit)
                yield from zip(itertools.count(1), rows, itertools.repeat(()))
                if limit is not None and next(reader, None) is not None:
                    raise self._refuse(_too_many_rows(limit - 1))
                return
            for number, cells in enumerate(reader, start=1):
                if limit is not None and number > limit:
                    raise self._refuse(_too_many_rows(limit - 1))
                yield number, cells, _csv_refusals(cells, self._scan_controls,
                                                   self._scan_formulas)
        except UnicodeDecodeError as error:
            raise self._refuse(
                _("Filen är inte UTF-8-kodad (första felet på rad %(line)d). Spara den som "
                  "”CSV UTF-8” i Excel, eller som XLSX, och försök igen.",
                  line=self._undecodable_line())
            ) from error
        except csv.Error as error:
            raise self._refuse(
                _("Rad %(n)d: raden kan inte läsas som CSV (%(reason)s).",
                  n=reader.line_num if reader else 1, reason=str(error))
            ) from error
        finally:
            if not self._file.closed:
                text.detach()  # leave the file open for the next pass

    def _undecodable_line(self) -> int:
        """The line of the first byte that is not UTF-8 (the error path: the file is read again)."""
        self._file.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        line = 1
        while True:
            chunk = self._file.read(CHUNK)
            data = decoder.getstate()[0] + chunk
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                return line + data[: error.start].count(b"\n")
            if not chunk:
                return line
            line += chunk.count(b"\n")

    # --- XLSX ---

    def _xlsx_rows(self, raw: bool, titles: set[str]) -> Iterator[Row]:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(self._file, read_only=True, data_only=False,
                                     keep_links=False)
        except Exception as error:  # openpyxl raises many kinds for a foreign file
            raise self._refuse(_not_xlsx()) from error
        try:
            if not workbook.worksheets:
                raise self._refuse(_not_xlsx())
            sheet = next((ws for ws in workbook.worksheets if ws.title.lower() in titles),
                         workbook.worksheets[0])
            sheet.reset_dimensions()  # a read-only sheet otherwise trusts, and pads to, its claim
            header = self._next_row(sheet.iter_rows(max_row=1, max_col=self.limits.max_columns))
            width = _last_value(header or ()) + 1
            rows = sheet.iter_rows(max_col=width + SPARE_COLUMNS)
            limit = self._row_limit()
            number = 0
            gap = None  # openpyxl fills a gap between rows with one and the same empty row
            while (cells := self._next_row(rows)) is not None:
                number += 1
                if limit is not None and number > limit:
                    raise self._refuse(_too_many_rows(limit - 1))
                if cells is gap:
                    yield number, [], ()
                    continue
                values, refusals = _xlsx_cells(cells, raw, width)
                if not values:
                    gap = cells
                yield number, values, refusals
        finally:
            workbook.close()

    def _next_row(self, rows: Iterator[Any]) -> Any:
        """The next row from openpyxl, or None at the end; its errors mean a broken file."""
        try:
            return next(rows, None)
        except Exception as error:  # damaged XML, a bad cell reference, a missing string...
            raise self._refuse(_not_xlsx()) from error


def _last_value(cells: Sequence[Any]) -> int:
    return max((index for index, cell in enumerate(cells) if cell.value is not None), default=-1)


def _xlsx_cells(cells: Sequence[Any], raw: bool, width: int
                ) -> tuple[list[Any], tuple[Refusal, ...]]:
    values = [cell.value for cell in cells]
    empty = values.count(None)
    if empty == len(values):
        return [], ()
    if empty and values[width:].count(None) == len(values) - width:
        del values[width:]  # the spare columns, when nothing stands in them
    elif empty:
        while values[-1] is None:
            values.pop()
    refusals: tuple[Refusal, ...] = ()
    for index, value in enumerate(values):
        if value.__class__ is str:
            if value[:1] == "=" and cells[index].data_type == "f":
                refusals += (Refusal(index, _formula_reason()),)
                continue
            if "_x" in value:
                value = values[index] = _EXCEL_ESCAPE.sub(_excel_unescaped, value)
            if code := control_character(value):
                refusals += (Refusal(index, _control_reason(code)),)
        elif (value is not None and value.__class__ not in _PLAIN_VALUES
              and cells[index].data_type == "f"):  # an array or data table formula
            refusals += (Refusal(index, _formula_reason()),)
    return (values if raw else [cell_text(value) for value in values]), refusals


def _csv_refusals(cells: list[str], controls: bool, formulas: bool) -> tuple[Refusal, ...]:
    """Check a CSV row's cells, dropping the quote that marks text; the refused ones."""
    refusals: tuple[Refusal, ...] = ()
    for index, cell in enumerate(cells):
        if not cell:
            continue
        if controls and (code := control_character(cell)):
            refusals += (Refusal(index, _control_reason(code)),)
        elif formulas:
            if cell[0] == "'" and (cell[1:2] == "'" or looks_like_formula(cell[1:])):
                cells[index] = cell[1:]
            elif runs_as_formula(cell):
                refusals += (Refusal(index, _csv_formula_reason(cell)),)
    return refusals


def _seekable(source: Source) -> BinaryIO:
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source)
    if isinstance(source, str | os.PathLike):
        return open(source, "rb")  # closed by Spreadsheet.close
    if source.seekable():
        return source
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * MIB)  # noqa: SIM115
    shutil.copyfileobj(source, spooled)
    spooled.seek(0)
    return spooled  # type: ignore[return-value]


# --- writing --------------------------------------------------------------------------------


def export_text(text: str) -> str:
    """Text as an exported cell holds it: what XML cannot carry is replaced, never refused.

    A vertical tab or form feed (Word's manual line and page breaks) becomes a newline, any
    other such character U+FFFD.
    """
    if not _NOT_IN_XML.search(text):
        return text
    return _NOT_IN_XML.sub(lambda found: "\n" if found.group() in "\x0b\x0c" else "\ufffd", text)


def csv_cell(value: object) -> str:
    """One exported CSV cell: formula-like text, and text starting with a quote, behind a quote.

    The reader drops exactly that quote, so any text survives export and import unchanged.
    """
    text = export_text("" if value is None else str(value))
    if text.startswith("'") or looks_like_formula(text):
        return "'" + text
    return text


def csv_bytes(rows: Iterable[Iterable[object]]) -> bytes:
    """A CSV as Excel reads it: UTF-8 with BOM (so it shows å, ä, ö), comma-separated, CRLF."""
    return b"".join(csv_chunks(rows))


def csv_chunks(rows: Iterable[Iterable[object]], rows_per_chunk: int = 500) -> Iterator[bytes]:
    """`csv_bytes` in pieces of a few hundred rows, for a download of any size to stream.

    Written as `csv.writer` (the excel dialect, CRLF) writes it, field by field: a table
    repeats most of its cells (a risk on each of its åtgärder' rows, the same words in a
    column), so each distinct text is neutralised and quoted once.
    """
    fields: dict[str, str] = {}

    def field(value: object) -> str:
        if value.__class__ is not str:  # (True == 1: only text is looked up)
            return _csv_field(csv_cell(value))
        text = fields.get(value)  # type: ignore[call-overload]
        if text is None:
            if len(fields) > 100_000:
                fields.clear()
            text = fields[value] = _csv_field(csv_cell(value))  # type: ignore[index]
        return text

    lines = ["\ufeff"]
    for row in rows:
        cells = [field(value) for value in row]
        lines.append(",".join(cells) + "\r\n" if cells != [""] else '""\r\n')
        if len(lines) >= rows_per_chunk:
            yield "".join(lines).encode("utf-8")
            lines = []
    if lines:
        yield "".join(lines).encode("utf-8")


_CSV_QUOTED = re.compile(r'[",\r\n]')


def _csv_field(text: str) -> str:
    """A field as the csv module's excel dialect writes it: quoted when it must be."""
    if _CSV_QUOTED.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _batched(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def set_text_cell(cell: Any, value: object) -> Any:
    """Put a value in an XLSX cell so that text stays text: never run as a formula.

    Text is stored as a string (openpyxl would otherwise store "=..." as a formula), and text
    that a spreadsheet could take for a formula gets Excel's own quote prefix, so it shows
    unchanged. Text that reads as Excel's escape of a character ("_x000B_") is escaped in turn,
    so Excel and the reader show it as written. Other values (numbers, dates) are stored as they
    are.
    """
    if isinstance(value, str):
        value = export_text(value)
        cell.value = _EXCEL_ESCAPE.sub(r"_x005F\g<0>", value) if "_x" in value else value
        cell.data_type = "s"
        if looks_like_formula(value):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def write_table(kind: str, title: str, head: Sequence[str],
                rows: Iterable[Sequence[object]]) -> bytes:
    """One table as a CSV (`csv_bytes`) or as one XLSX sheet (streamed, every cell as text).

    The header row is bold in the sheet; the sheet is titled `title` (Excel allows 31
    characters).
    """
    if kind == "csv":
        return csv_bytes(itertools.chain([head], rows))
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    bold = Font(bold=True)
    for number, values in enumerate(itertools.chain([head], rows)):
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet)
            set_text_cell(cell, value)
            if number == 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# --- writing an XLSX ------------------------------------------------------------------------


@dataclass
class XlsxSheet:
    """One sheet for `xlsx_bytes`: a title, its rows (the first the header) and its look."""

    title: str
    rows: Iterable[Sequence[object]]
    widths: Sequence[float] = ()  # column widths in characters, from column A
    wrap: bool = False  # wrap text, aligned to the top of the cell
    bold_header: bool = True
    freeze_header: bool = True


_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Cell formats: index = bold + 2 × wrap + 4 × quote prefix (text that looks like a formula).
_STYLES = (
    _XML_HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="8">'
    + "".join(
        f'<xf numFmtId="0" fontId="{index & 1}" fillId="0" borderId="0" xfId="0"'
        + (' applyFont="1"' if index & 1 else "")
        + (' quotePrefix="1"' if index & 4 else "")
        + (' applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
           if index & 2 else "/>")
        for index in range(8))
    + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    '</cellStyles></styleSheet>'
)


_STYLE_ATTRIBUTES = ("", *(f' s="{index}"' for index in range(1, 8)))


def _xlsx_value(value: object) -> tuple[str, str, int]:
    """A value as a cell holds it: (the cell's type attribute, its content, extra style).

    Text is an inline string (never a formula), with the quote prefix style (4) when a
    spreadsheet could take it for a formula; numbers stay numbers.
    """
    if isinstance(value, bool):
        value = "SANT" if value else "FALSKT"
    elif isinstance(value, int | float):
        return "", f"<v>{value!r}</v>", 0
    text = export_text(value if isinstance(value, str) else str(value))
    if "_x" in text:
        text = _EXCEL_ESCAPE.sub(r"_x005F\g<0>", text)
    content = f'<is><t xml:space="preserve">{text.translate(_XML_ESCAPES)}</t></is>'
    return ' t="inlineStr"', content, 4 if looks_like_formula(text) else 0


def _sheet_chunks(sheet: XlsxSheet) -> Iterator[str]:
    yield _XML_HEAD + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
    if sheet.freeze_header:
        yield ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
               'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
               'activeCell="A2" sqref="A2"/></sheetView></sheetViews>')
    if sheet.widths:
        yield "<cols>" + "".join(
            f'<col min="{n}" max="{n}" width="{width:g}" customWidth="1"/>'
            for n, width in enumerate(sheet.widths, start=1)) + "</cols>"
    yield "<sheetData>"
    letters: list[str] = []
    wrap = 2 if sheet.wrap else 0
    written: dict[str, tuple[str, str, int]] = {}  # each distinct text is escaped once
    for number, row in enumerate(sheet.rows, start=1):
        values = list(row)
        while len(letters) < len(values):
            letters.append(column_letter(len(letters) + 1))
        style = wrap | (1 if number == 1 and sheet.bold_header else 0)
        cells = []
        for index, value in enumerate(values):
            if value is None or value == "":
                continue
            if value.__class__ is not str:  # (True == 1: only text is looked up)
                found = _xlsx_value(value)
            elif (found := written.get(value)) is None:  # type: ignore[call-overload]
                if len(written) > 100_000:
                    written.clear()
                found = written[value] = _xlsx_value(value)  # type: ignore[index]
            kind, content, extra = found
            cells.append(f'<c r="{letters[index]}{number}"{kind}'
                         f"{_STYLE_ATTRIBUTES[style | extra]}>{content}</c>")
        yield f'<row r="{number}">' + "".join(cells) + "</row>"
    yield "</sheetData></worksheet>"


def _sheet_title(title: str, taken: set[str]) -> str:
    """A title Excel accepts: 31 characters, none of []:*?/\\, unique in the workbook."""
    base = _SHEET_TITLE_FORBIDDEN.sub(" ", title).strip()[:31] or "Blad"
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{base[:28]} {number}"
    taken.add(candidate.lower())
    return candidate


def xlsx_bytes(sheets: Sequence[XlsxSheet]) -> bytes:
    """A workbook of text sheets, written directly as its XML parts (no workbook in memory).

    Every value goes through the same gate as `set_text_cell`: text is an inline string,
    never a formula; text a spreadsheet could take for a formula has Excel's quote prefix
    (shown unchanged); characters XML cannot carry are replaced (`export_text`); text that
    reads as Excel's escape of a character is escaped in turn. Numbers stay numbers. Each
    sheet's rows are read once, as they are written.
    """
    output = io.BytesIO()
    taken: set[str] = set()
    titles = [_sheet_title(sheet.title, taken) for sheet in sheets]
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _XML_HEAD + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="'
                      'application/vnd.openxmlformats-officedocument.spreadsheetml.'
                      'worksheet+xml"/>' for n in range(1, len(sheets) + 1))
            + "</Types>"))
        archive.writestr("_rels/.rels", _XML_HEAD + (
            f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
            f'Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"))
        archive.writestr("xl/workbook.xml", _XML_HEAD + (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><bookViews>'
            '<workbookView activeTab="0"/></bookViews><sheets>'
            + "".join(f'<sheet name="{title.translate(_ATTRIBUTE_ESCAPES)}" sheetId="{n}" '
                      f'r:id="rId{n}"/>' for n, title in enumerate(titles, start=1))
            + "</sheets></workbook>"))
        archive.writestr("xl/_rels/workbook.xml.rels", _XML_HEAD + (
            f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
            + "".join(f'<Relationship Id="rId{n}" Type="{_RELATIONSHIPS}/worksheet" '
                      f'Target="worksheets/sheet{n}.xml"/>' for n in range(1, len(sheets) + 1))
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_RELATIONSHIPS}/styles" '
            'Target="styles.xml"/></Relationships>'))
        archive.writestr("xl/styles.xml", _STYLES)
        for n, sheet in enumerate(sheets, start=1):
            with archive.open(f"xl/worksheets/sheet{n}.xml", "w") as part:
                pending: list[str] = []
                size = 0
                for chunk in _sheet_chunks(sheet):
                    pending.append(chunk)
                    size += len(chunk)
                    if size > 256 * 1024:
                        part.write("".join(pending).encode("utf-8"))
                        pending, size = [], 0
                part.write("".join(pending).encode("utf-8"))
    return output.getvalue()
