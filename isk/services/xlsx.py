"""Opening uploaded XLSX files without letting a small file take all memory or CPU.

An XLSX file is a zip archive: a few hundred kilobytes can unpack to gigabytes, and a sheet
can declare a million columns that openpyxl then pads every row to. Uploads are checked
before openpyxl sees them, and rows are read only as wide as the caller needs.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200


class UnsafeWorkbook(ValueError):
    """The file is not a readable workbook, or it unpacks to far more than it weighs."""


def open_workbook(data: bytes, *, max_unpacked: int = MAX_UNPACKED_BYTES) -> Any:
    """A read-only openpyxl workbook of the upload, after checking what the zip unpacks to."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = 0
            for member in archive.infolist():
                unpacked += member.file_size
                ratio = member.file_size / max(member.compress_size, 1)
                if unpacked > max_unpacked or (member.file_size > 1024 * 1024
                                               and ratio > MAX_COMPRESSION_RATIO):
                    raise UnsafeWorkbook("unpacks too large")
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except UnsafeWorkbook:
        raise
    except Exception as error:  # openpyxl and zipfile raise many kinds for a foreign file
        raise UnsafeWorkbook(str(error)) from error


def sheet_rows(sheet: Any, max_col: int) -> Iterator[tuple[Any, ...]]:
    """The sheet's cells row by row, at most `max_col` wide, whatever size the sheet declares."""
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()  # read-only sheets otherwise trust (and pad to) the declared size
    yield from sheet.iter_rows(max_col=max_col)
