"""Reading a stickprov population: CSV and XLSX, streamed, validated all or nothing."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from isk.services.sampling.population import (
    FileFormat,
    PopulationError,
    PopulationReader,
    inspect_population,
    parse_amount,
)


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def read_all(data: bytes, filename: str = "population.csv", **options) -> tuple[list, object]:
    with PopulationReader(data, filename, **options) as reader:
        rows = list(reader)
    return rows, reader.summary


SWEDISH_EXPORT = (
    "\ufeffFakturanr;Belopp;Datum;Konto\n"
    "F-1001;1 234,50;2025-01-15;4010\n"
    "F-1002;99,00;2025-02-01;4020\n"
    "\n"
    "F-1003;-12,5;2025-03-31;4010\n"
)


def test_a_swedish_excel_csv_with_bom_semicolons_and_decimal_commas_is_read():
    rows, summary = read_all(csv_bytes(SWEDISH_EXPORT), amount_column="belopp")

    assert [row.item_id for row in rows] == ["F-1001", "F-1002", "F-1003"]
    assert [row.amount for row in rows] == [Decimal("1234.50"), Decimal("99.00"), Decimal("-12.5")]
    assert rows[0].values == ("1 234,50", "2025-01-15", "4010")
    assert rows[2].row_number == 5
    assert summary.row_count == 3
    assert summary.id_column == "Fakturanr"
    assert summary.amount_column == "Belopp"
    assert summary.columns == ("Belopp", "Datum", "Konto")
    assert summary.file_format is FileFormat.CSV


def test_a_comma_separated_csv_is_read_and_the_id_column_chosen_by_name():
    data = csv_bytes('konto,id,text\n4010,A1,"Hyra, januari"\n4020,A2,El\n')

    rows, summary = read_all(data, id_column="ID", columns=["text"])

    assert [(row.item_id, row.values) for row in rows] == [
        ("A1", ("Hyra, januari",)),
        ("A2", ("El",)),
    ]
    assert summary.columns == ("text",)


def test_the_checksum_is_the_sha256_of_the_raw_bytes():
    data = csv_bytes(SWEDISH_EXPORT)

    summary = inspect_population(data, "population.csv")

    assert summary.checksum == hashlib.sha256(data).hexdigest()
    assert summary.file_size == len(data)


def test_a_missing_id_column_is_refused_naming_the_columns_there_are():
    with pytest.raises(PopulationError) as error:
        inspect_population(csv_bytes(SWEDISH_EXPORT), "p.csv", id_column="verifikation")

    assert "”verifikation” finns inte" in str(error.value)
    assert "Fakturanr, Belopp, Datum, Konto" in str(error.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Filen är tom"),
        (csv_bytes("id;belopp\n"), "bara rubriker"),
        (csv_bytes("id;belopp\n\n;\n"), "bara rubriker"),
        (csv_bytes("\n"), "kolumnrubriker"),
    ],
)
def test_an_empty_population_is_refused(data, message):
    with pytest.raises(PopulationError, match=message):
        inspect_population(data, "p.csv")


def test_duplicate_ids_are_refused_with_their_row_numbers():
    data = csv_bytes("id;belopp\nA;1\nB;2\nA;3\nC;4\nB;5\nA;6\n")

    with pytest.raises(PopulationError) as error:
        inspect_population(data, "p.csv")

    assert error.value.problems == [
        "Post-id ”A” förekommer flera gånger: rad 2, 4, 7.",
        "Post-id ”B” förekommer flera gånger: rad 3, 6.",
    ]


def test_a_csv_that_is_not_utf8_is_refused_with_advice_naming_the_line():
    data = csv_bytes("id;text\nA1;Åtgärd för räkning\n", encoding="cp1252")

    message = r"inte UTF-8-kodad \(första felet på rad 2\).*CSV UTF-8"
    with pytest.raises(PopulationError, match=message):
        inspect_population(data, "p.csv")


def test_a_file_larger_than_the_limit_is_refused():
    data = csv_bytes("id\n" + "".join(f"A{i}\n" for i in range(1000)))

    with pytest.raises(PopulationError, match="för stor"):
        inspect_population(data, "p.csv", max_bytes=1024)


def test_more_rows_than_the_limit_are_refused():
    data = csv_bytes("id\nA\nB\nC\nD\n")

    with pytest.raises(PopulationError, match="fler än 3 poster"):
        inspect_population(data, "p.csv", max_rows=3)


def test_row_problems_name_the_row_the_column_and_the_reason():
    data = csv_bytes("id;belopp;konto\nA;12,50;4010\n;5;4010\nC;tolv;4010\nD;;4010\nE;1;2;3\n")

    with pytest.raises(PopulationError) as error:
        inspect_population(data, "p.csv", amount_column="belopp")

    assert error.value.problems == [
        "Rad 3, kolumn id: post-id saknas.",
        "Rad 4, kolumn belopp: ”tolv” är inget belopp.",
        "Rad 5, kolumn belopp: belopp saknas.",
        "Rad 6: raden har fler värden än det finns rubriker.",
    ]


def test_a_failed_file_yields_no_rows_after_its_first_problem():
    data = csv_bytes("id;belopp\nA;1\nB;x\nC;3\n")
    seen = []

    with (
        pytest.raises(PopulationError),
        PopulationReader(data, "p.csv", amount_column="belopp") as r,
    ):
        seen.extend(row.item_id for row in r)

    assert seen == ["A"]  # the caller sees the error, so it writes nothing


def test_problems_stop_after_twenty():
    data = csv_bytes("id;belopp\n" + "".join(f"A{i};x\n" for i in range(100)))

    with pytest.raises(PopulationError) as error:
        inspect_population(data, "p.csv", amount_column="belopp")

    assert len(error.value.problems) == 21
    assert "Fler fel finns" in error.value.problems[-1]


def test_headers_must_be_named_and_unique():
    with pytest.raises(PopulationError) as error:
        inspect_population(csv_bytes("id;;Konto;konto\nA;1;2;3\n"), "p.csv")

    assert error.value.problems == [
        "Rad 1, kolumn 2: kolumnen saknar rubrik.",
        "Rad 1: rubriken ”konto” förekommer flera gånger.",
    ]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1 234,50", "1234.50"),
        ("1\u00a0234,50", "1234.50"),
        ("1234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("-12,5 kr", "-12.5"),
        ("\u22125", "-5"),
        ("100 SEK", "100"),
    ],
)
def test_amounts_are_read_as_swedes_and_excel_write_them(text, amount):
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["tolv", "1,2,3", "1.234.567", "12 kr 50", ""])
def test_text_that_is_no_amount_is_refused(text):
    with pytest.raises(ValueError):
        parse_amount(text)


def test_an_xlsx_population_is_read_with_numbers_and_dates_as_text():
    data = xlsx_bytes(
        [
            ["Verifikation", "Belopp", "Datum", "Konto"],
            [1001, 1234.5, date(2025, 1, 15), 4010],
            ["V-2", "99,00", date(2025, 2, 1), 4020],
            [None, None, None, None],
        ]
    )

    rows, summary = read_all(data, "population.xlsx", amount_column="Belopp")

    assert [row.item_id for row in rows] == ["1001", "V-2"]
    assert [row.amount for row in rows] == [Decimal("1234.5"), Decimal("99.00")]
    assert rows[0].values == ("1234.5", "2025-01-15", "4010")
    assert summary.file_format is FileFormat.XLSX
    assert summary.row_count == 2


def test_a_formula_cell_in_an_xlsx_is_refused():
    data = xlsx_bytes([["id", "belopp"], ["A", 10], ["B", "=A2*2"]])

    with pytest.raises(PopulationError) as error:
        inspect_population(data, "population.xlsx")

    assert error.value.problems[0].startswith("Rad 3, kolumn B: cellen innehåller en formel")


def test_duplicate_ids_in_an_xlsx_are_refused():
    data = xlsx_bytes([["id"], ["A"], ["B"], ["A"]])

    with pytest.raises(PopulationError, match="”A” förekommer flera gånger: rad 2, 4"):
        inspect_population(data, "population.xlsx")


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"PK\x03\x04 not really a zip", "p.xlsx", "ingen giltig XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "p.xls", r"\.xls"),
        (b"id\nA\n", "p.xlsx", "ingen giltig XLSX"),
    ],
)
def test_files_that_are_no_population_are_refused(data, filename, message):
    with pytest.raises(PopulationError, match=message):
        inspect_population(data, filename)


def test_a_file_can_be_read_from_a_path_and_read_twice(tmp_path):
    path = tmp_path / "population.csv"
    path.write_bytes(csv_bytes(SWEDISH_EXPORT))

    with PopulationReader(path) as reader:
        first = [row.item_id for row in reader]
        second = [row.item_id for row in reader]

    assert first == second == ["F-1001", "F-1002", "F-1003"]


def test_an_xlsx_that_understates_its_size_is_still_read_in_full():
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["id"], ["A"], ["B"], ["C"]])))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+" ?/>', b'<dimension ref="A1:A2"/>', data)
            target.writestr(entry, data)

    rows, _summary = read_all(output.getvalue(), "population.xlsx")

    assert [row.item_id for row in rows] == ["A", "B", "C"]
