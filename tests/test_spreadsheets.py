"""The spreadsheet gate: one reader for every uploaded CSV/XLSX, one writer for every exported cell.

Hostile files (a zip bomb, a sheet that claims and uses a million rows, a CSV that is not UTF-8,
formulas, control characters) go to every upload route through the real app, logged in and
with the CSRF token, and to the CLI imports: each is refused with a 4xx (or a failing command)
and a Swedish message, and nothing is written.
"""

from __future__ import annotations

import csv
import functools
import io
import random
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from flask_wtf import FlaskForm
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from sqlalchemy import func, select

from isk.extensions import db
from isk.forms import Form
from isk.models import (
    Action,
    AuditEntry,
    Criterion,
    ManagerAssignment,
    Plan,
    Risk,
    Role,
    SampleItem,
)
from isk.services import plans, spreadsheets
from isk.services.errors import ProblemsError
from isk.services.sampling import samples
from isk.services.sampling.population import PopulationError, inspect_population
from isk.services.sampling.stats import judgement_size
from isk.services.sampling.worklist import ResultsError, read_results_xlsx, write_sample_xlsx
from isk.services.spreadsheets import Limits, Spreadsheet

from . import control_helpers
from .control_helpers import make_control, population_csv
from .plan_helpers import csrf_from, page_text, pdf_text, post_form, squeeze, zip_bytes
from .sam_factories import build_sam_org

files_dir, world = control_helpers.files_dir, control_helpers.world  # fixtures

MIB = 1024 * 1024


class GateError(ProblemsError):
    """What the unit tests let the gate raise."""


def read(data: bytes, filename: str = "t.csv", **limits: Any) -> list[spreadsheets.Row]:
    limits.setdefault("max_bytes", 20 * MIB)
    with Spreadsheet(data, filename, limits=Limits(**limits), error=GateError) as sheet:
        return list(sheet.rows())


def cell_messages(data: bytes, filename: str = "t.csv") -> list[str]:
    """The refused cells' messages, as a caller reports them (columns by letter)."""
    return [message for number, _cells, refusals in read(data, filename)
            for message in spreadsheets.cell_problems(number, refusals)]


def refusal(data: bytes, filename: str = "t.csv", **limits: Any) -> str:
    with pytest.raises(GateError) as error:
        read(data, filename, **limits)
    return str(error.value)


# --- files, good and hostile ------------------------------------------------------------------


def xlsx(rows: list[list[Any]], *, build: Any = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Stickprov"
    for row in rows:
        sheet.append(row)
    if build:
        build(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@functools.cache
def _bomb(rows: tuple[tuple[str, ...], ...]) -> bytes:
    parts = unzip(xlsx([list(row) for row in rows]))
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"</worksheet>", b" " * (20 * MIB) + b"</worksheet>")
    return zip_bytes(parts)


def zip_bomb(rows: list[list[str]]) -> bytes:
    """A real workbook of the rows whose sheet unpacks to 20 MB more than it weighs (20 kB)."""
    return _bomb(tuple(tuple(row) for row in rows))


def huge_sheet(rows: list[list[str]]) -> bytes:
    """The rows, and a value in the sheet's last cell: it claims and uses A1:XFD1048576."""
    return xlsx(rows, build=lambda sheet: sheet.cell(row=1_048_576, column=16_384, value="x"))


def with_cell(rows: list[list[str]], column: int, text: str) -> list[list[str]]:
    """The rows with the first data row's cell replaced."""
    changed = [list(row) for row in rows]
    changed[1][column] = text
    return changed


@dataclass(frozen=True)
class Hostile:
    name: str
    filename: str
    is_csv: bool

    def build(self, rows: list[list[str]], column: int) -> bytes:
        cell = rows[1][column]
        return {
            "zip-bomb": lambda: zip_bomb(rows),
            "huge-sheet": lambda: huge_sheet(rows),
            "not-utf8": lambda: csv_text(with_cell(rows, column, cell + "å")).encode("cp1252"),
            "csv-formula": lambda: csv_text(with_cell(
                rows, column, '=HYPERLINK("http://evil.example","x")')).encode(),
            "xlsx-formula": lambda: xlsx(with_cell(rows, column, "=1+1")),
            "csv-nul": lambda: csv_text(with_cell(rows, column, cell + "\x00")).encode(),
            # Excel writes a character XML cannot carry as _xHHHH_; the gate reads it as Excel.
            "xlsx-control": lambda: xlsx(with_cell(rows, column, cell + "_x000B_")),
        }[self.name]()

    def message(self, column: str, takes_csv: bool = True) -> str:
        if self.is_csv and not takes_csv:
            return "ingen giltig XLSX-fil"
        return {
            "zip-bomb": "kan inte läsas som en Excel-fil: en del av den packas upp till mer än "
                        "200 gånger sin storlek",
            "huge-sheet": "Filen har fler än",
            "not-utf8": "Filen är inte UTF-8-kodad (första felet på rad 2)",
            "csv-formula": f"Rad 2, kolumn {column}: cellen innehåller en formel",
            "xlsx-formula": f"Rad 2, kolumn {column}: cellen innehåller en formel",
            "csv-nul": f"Rad 2, kolumn {column}: cellen innehåller ett otillåtet tecken (U+0000)",
            "xlsx-control": f"Rad 2, kolumn {column}: cellen innehåller ett otillåtet tecken "
                            "(U+000B)",
        }[self.name]


# Every kind goes to every route and command; the variants of each kind (other formula starts,
# other control characters) are read by the gate's own tests below.
HOSTILE = [
    Hostile("zip-bomb", "fil.xlsx", is_csv=False),
    Hostile("huge-sheet", "fil.xlsx", is_csv=False),
    Hostile("not-utf8", "fil.csv", is_csv=True),
    Hostile("csv-formula", "fil.csv", is_csv=True),
    Hostile("xlsx-formula", "fil.xlsx", is_csv=False),
    Hostile("csv-nul", "fil.csv", is_csv=True),
    Hostile("xlsx-control", "fil.xlsx", is_csv=False),
]
HOSTILE_IDS = [hostile.name for hostile in HOSTILE]


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- every upload route -----------------------------------------------------------------------


def _post_file(client: Any, page: str, target: str, filename: str, data: bytes,
               **fields: str) -> Any:
    token = csrf_from(client.get(page))
    return client.post(target, data={"csrf_token": token, **fields,
                                     "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


@pytest.fixture
def plan_route(make_unit, make_user, auth, client):
    unit = make_unit("Servicenämnden", code="SN")
    plan = plans.create_plan(unit, 2026)
    db.session.commit()
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    path = f"/planer/{plan.id}/importera"
    return {
        "rows": [["verksamhet", "risk", "atgard"],
                 ["Ekonomi", "Risken att fakturor betalas sent", "Attest"]],
        "column": 1, "label": "risk", "takes_csv": True,
        "post": lambda name, data: _post_file(client, path, path, name, data),
        "state": lambda: (count(Plan), count(Risk), count(Action), count(AuditEntry)),
    }


@pytest.fixture
def chain_route(make_unit, make_user, auth, client):
    sam_org = build_sam_org(make_unit, make_user)
    auth.login_via_session(sam_org.users["admin"])

    def state() -> Any:
        db.session.expire_all()
        return (count(ManagerAssignment), count(AuditEntry),
                sorted((a.user_id, a.delegating_assignment_id, a.version_id)
                       for a in db.session.scalars(select(ManagerAssignment))))

    return {
        "rows": [["chef", "enheter", "fordelande_chef"],
                 ["maria@example.org", "MT", "rebecka@example.org"]],
        "column": 1, "label": "enheter", "takes_csv": True,
        "post": lambda name, data: _post_file(client, "/sam/chefer", "/sam/chefer/import",
                                              name, data),
        "state": state,
    }


@pytest.fixture
def population_route(world, files_dir, auth, client):
    control = make_control(world)
    auth.login_via_session(world["controller"])
    path = f"/planer/{world['plan'].id}/kontroller/{control.id}/stickprov/ny"
    folder = files_dir / "populations"
    return {
        "rows": [["fakturanr", "belopp"], ["F1", "100"], ["F2", "200"], ["F3", "300"]],
        "column": 0, "label": "A", "takes_csv": True,
        "post": lambda name, data: _post_file(client, path, path, name, data),
        "state": lambda: (sorted(folder.iterdir()) if folder.exists() else [],
                          count(AuditEntry)),
    }


def _drawn_sample(world: dict[str, Any]) -> Any:
    control = make_control(world)
    population = samples.keep_population(io.BytesIO(population_csv(60)), "f.csv", None)
    sample = samples.draw_for_control(
        control, population, judgement_size(5, "Liten population."),
        samples.DrawChoices(id_column="fakturanr", seed="grind"), Fraction(1, 20),
        Fraction(1, 20))
    db.session.commit()
    return sample


@pytest.fixture
def results_route(world, files_dir, auth, client):
    sample = _drawn_sample(world)
    auth.login_via_session(world["controller"])
    page = (f"/planer/{world['plan'].id}/kontroller/{sample.control_id}/stickprov/{sample.id}")

    def state() -> Any:
        db.session.expire_all()
        return ([(i.outcome, i.comment) for i in db.session.scalars(select(SampleItem))],
                count(AuditEntry))

    return {
        "rows": [["fakturanr", "Resultat (OK/Avvikelse)", "Kommentar"],
                 [sample.items[0].item_id, "OK", "Kontrollerad"]],
        "column": 2, "label": "C", "takes_csv": False,
        "post": lambda name, data: _post_file(client, page, f"{page}/fil", name, data,
                                              version=str(sample.version_id)),
        "state": state,
    }


ROUTES = ["plan_route", "chain_route", "population_route", "results_route"]


@pytest.mark.parametrize("hostile", HOSTILE, ids=HOSTILE_IDS)
@pytest.mark.parametrize("route_name", ROUTES)
def test_every_upload_route_refuses_a_hostile_file_and_writes_nothing(
    app, request, route_name, hostile
):
    route = request.getfixturevalue(route_name)
    data = hostile.build(route["rows"], route["column"])
    before = route["state"]()

    response = route["post"](hostile.filename, data)

    assert response.status_code == 400
    assert hostile.message(route["label"], route["takes_csv"]) in page_text(response)
    assert route["state"]() == before


@pytest.mark.parametrize("route_name", ROUTES)
def test_the_hostile_files_are_otherwise_good_files(app, request, route_name):
    """The same rows, unpoisoned, are accepted: the refusals above are the gate's alone."""
    route = request.getfixturevalue(route_name)

    response = route["post"]("fil.xlsx", xlsx(route["rows"]))

    assert response.status_code in (200, 302), page_text(response)
    if route["takes_csv"]:
        response = route["post"]("fil.csv", csv_text(route["rows"]).encode())
        assert response.status_code in (200, 302), page_text(response)


def test_a_zip_bomb_as_evidence_is_refused_and_nothing_is_written(client, auth, world,
                                                                    files_dir):
    from isk.models import ControlResult, EvidenceFile

    control = make_control(world)
    auth.login_via_session(world["controller"])
    bomb = zip_bomb([["a"], ["b"]])

    response = post_form(client, f"/planer/{world['plan'].id}/kontroller/{control.id}/utfall/ny",
                         {"outcome": "performed", "performed_text": "T1",
                          "result_text": "Inga brister",
                          "files": (io.BytesIO(bomb), "underlag.xlsx")},
                         content_type="multipart/form-data")

    assert response.status_code == 400
    assert "inte av en tillåten typ" in page_text(response)
    assert count(ControlResult) == 0 and count(EvidenceFile) == 0
    assert not (files_dir / "evidence").exists()


# --- the CLI imports --------------------------------------------------------------------------


@pytest.mark.parametrize("hostile", HOSTILE, ids=HOSTILE_IDS)
def test_import_plan_refuses_a_hostile_file_and_writes_nothing(runner, make_unit, tmp_path,
                                                               hostile):
    make_unit("Servicenämnden", code="SN")
    rows = [["verksamhet", "risk", "atgard"], ["Ekonomi", "Risken att något händer", "Attest"]]
    path = tmp_path / hostile.filename
    path.write_bytes(hostile.build(rows, 1))

    result = runner.invoke(args=["isk", "import-plan", str(path), "--unit", "SN",
                                 "--year", "2026"])

    assert result.exit_code != 0
    assert "Filen importerades inte; inget har sparats." in result.output
    assert hostile.message("risk") in result.output
    assert (count(Risk), count(Action)) == (0, 0)


@pytest.mark.parametrize("hostile", HOSTILE, ids=HOSTILE_IDS)
def test_import_managers_refuses_a_hostile_file_and_writes_nothing(runner, make_unit, make_user,
                                                                   tmp_path, hostile):
    build_sam_org(make_unit, make_user)
    rows = [["chef", "enheter", "fordelande_chef"],
            ["maria@example.org", "MT", "rebecka@example.org"]]
    path = tmp_path / hostile.filename
    path.write_bytes(hostile.build(rows, 1))
    before = (count(ManagerAssignment), count(AuditEntry))

    result = runner.invoke(args=["isk", "import-managers", str(path)])

    assert result.exit_code != 0
    assert "Filen lästes inte in:" in result.output
    assert hostile.message("enheter") in result.output
    assert (count(ManagerAssignment), count(AuditEntry)) == before


# --- the checks before a row is read ----------------------------------------------------------


def test_a_zip_bomb_is_refused_when_opened_before_openpyxl_sees_it(monkeypatch):
    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("opened"))
    bomb = zip_bomb([["id"], ["A"]])
    assert len(bomb) < 100 * 1024

    with pytest.raises(GateError, match="packas upp till mer än 200 gånger sin storlek"):
        Spreadsheet(bomb, "b.xlsx", limits=Limits(max_bytes=MIB), error=GateError)


def test_an_archive_that_unpacks_past_the_callers_limit_is_refused():
    parts = unzip(xlsx([["id"], ["A"]]))
    parts["xl/media/bild.bin"] = random.Random(1).randbytes(2 * MIB)  # packs not at all

    message = refusal(zip_bytes(parts), "b.xlsx", max_unpacked=MIB)

    assert "Filen kan inte läsas som en Excel-fil: den packas upp till mer än 1 MB." in message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda parts: parts.update({f"xl/extra/{n}.xml": b"<a/>" for n in range(1001)}),
         "den har fler än 1000 delar"),
        (lambda parts: parts.update({"../../etc/evil.xml": b"<a/>"}),
         "den har en ovanlig del (../../etc/evil.xml)"),
        (lambda parts: parts.update({"/absolut.xml": b"<a/>"}),
         "den har en ovanlig del (/absolut.xml)"),
    ],
    ids=["too-many-parts", "parent-path", "absolute-path"],
)
def test_an_archive_with_too_many_or_odd_parts_is_refused(change, message):
    parts = unzip(xlsx([["id"], ["A"]]))
    change(parts)

    assert message in refusal(zip_bytes(parts), "b.xlsx")


def test_an_encrypted_or_oddly_packed_part_is_refused():
    parts = unzip(xlsx([["id"], ["A"]]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
        archive.writestr("xl/packad.bin", b"x" * 100, compress_type=zipfile.ZIP_BZIP2)

    assert "den har en ovanlig del (xl/packad.bin)" in refusal(buffer.getvalue(), "b.xlsx")


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "t.csv", "Filen är tom."),
        (b"id\r\n" + b"A\r\n" * 600_000, "t.csv",
         "Filen är för stor (1,7 MB). Största tillåtna storlek är 1 MB."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1gammal", "t.xls", "Gamla Excelfiler (.xls)"),
        (b"id\r\nA\r\n", "t.xlsx", "ingen giltig XLSX-fil"),
        (b"PK\x03\x04trasig", "t.xlsx", "ingen giltig XLSX-fil"),
    ],
    ids=["empty", "too-large", "old-xls", "csv-named-xlsx", "broken-zip"],
)
def test_a_file_that_cannot_be_read_is_refused_when_opened(data, filename, message):
    assert message in refusal(data, filename, max_bytes=MIB)


@pytest.fixture
def row_widths(monkeypatch):
    """Every row openpyxl builds for the gate, by width: the guard against padded rows."""
    widths: list[int] = []
    original = ReadOnlyWorksheet._get_row

    def spy(self, row, min_col=1, max_col=None, values_only=False):
        built = original(self, row, min_col, max_col, values_only)
        widths.append(len(built))
        return built

    monkeypatch.setattr(ReadOnlyWorksheet, "_get_row", spy)
    return widths


def _styled_to_the_last_column(sheet: Any) -> None:
    """An empty but formatted cell at XFD on every row: the sheet claims 16,384 columns."""
    for row in range(1, sheet.max_row + 1):
        sheet.cell(row=row, column=16_384).font = Font(bold=True)


def test_a_sheet_claiming_every_column_is_read_only_as_wide_as_its_header(row_widths):
    data = xlsx([["id", "belopp"], *([f"F{n}", n] for n in range(200))],
                build=_styled_to_the_last_column)
    assert b'ref="A1:XFD201"' in unzip(data)["xl/worksheets/sheet1.xml"]

    rows = read(data, "p.xlsx")

    assert len(rows) == 201 and rows[200][1] == ["F199", "199"]
    header, *others = row_widths  # the header row is read at most MAX_COLUMNS wide, once
    assert header <= spreadsheets.MAX_COLUMNS
    assert len(others) == 201 and max(others) <= 2 + spreadsheets.SPARE_COLUMNS


def test_a_value_beyond_the_header_is_kept_for_the_caller_to_report():
    rows = read(xlsx([["id", "belopp"], ["A", "1", None, "extra"]]), "p.xlsx")

    assert rows[1][1] == ["A", "1", "", "extra"]


def test_a_sheet_using_more_rows_than_allowed_is_refused_at_the_limit():
    data = huge_sheet([["id"], ["A"]])

    assert "Filen har fler än 20 000 rader." in refusal(data, "p.xlsx", max_rows=20_000)


def test_the_worklist_reader_no_longer_loads_a_whole_sheet_it_is_handed(row_widths):
    """A filled-in worklist with a value at XFD1048576 took 27 s and 615 MB to read."""
    data = huge_sheet([["fakturanr", "Resultat (OK/Avvikelse)", "Kommentar"], ["F1", "OK", ""]])

    with pytest.raises(ResultsError, match="Filen har fler än 12 000 rader"):
        read_results_xlsx(data, ["F1"])
    assert max(row_widths[1:]) <= 3 + spreadsheets.SPARE_COLUMNS


def test_the_population_reader_refuses_a_bomb_and_reads_a_wide_sheet_narrowly(row_widths):
    """A 2 MB population XLSX took one worker to 4.1 GB and was accepted."""
    with pytest.raises(PopulationError, match="packas upp till mer än 200 gånger"):
        inspect_population(zip_bomb([["id"], ["A"]]), "p.xlsx")

    summary = inspect_population(
        xlsx([["id", "belopp"], *([f"F{n}", n] for n in range(100))],
             build=_styled_to_the_last_column), "p.xlsx")

    assert summary.row_count == 100
    assert max(row_widths[1:]) <= 2 + spreadsheets.SPARE_COLUMNS


# --- encoding and separators ------------------------------------------------------------------


def test_a_csv_that_is_not_utf8_is_refused_naming_the_first_bad_line():
    data = "id;text\r\nA;ok\r\nB;Åtgärd\r\nC;räkning\r\n".encode("cp1252")

    assert "inte UTF-8-kodad (första felet på rad 3)" in refusal(data)


def test_a_utf16_csv_is_refused_at_line_1():
    assert "(första felet på rad 1)" in refusal("id,text\r\nA,b\r\n".encode("utf-16"))


def test_the_error_line_is_found_beyond_the_first_chunk():
    lines = "".join(f"A{n};ok\r\n" for n in range(200_000))
    data = ("id;text\r\n" + lines).encode() + "Z;räkning\r\n".encode("cp1252")

    assert "(första felet på rad 200002)" in refusal(data)


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("\ufeffid;belopp\r\nA;1,50\r\n", [["id", "belopp"], ["A", "1,50"]]),
        ('id,text\r\nA,"Hyra; januari"\r\n', [["id", "text"], ["A", "Hyra; januari"]]),
        ("id\ttext\r\nA\tHyra, januari\r\n", [["id", "text"], ["A", "Hyra, januari"]]),
        ("id\nA\n", [["id"], ["A"]]),
    ],
    ids=["bom-semicolon", "comma", "tab", "one-column"],
)
def test_utf8_with_or_without_bom_and_the_separator_the_first_line_uses(text, rows):
    assert [cells for _number, cells, _refusals in read(text.encode())] == rows


def test_bad_csv_quoting_is_refused_naming_the_line():
    assert "Rad 2: raden kan inte läsas som CSV" in refusal(b'id,text\r\nA,"a"b\r\n')


# --- formulas and control characters ----------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    ["=1+1", "=HYPERLINK(\"http://x\")", " =1+1", "\t=1+1", "+A1", "+1+1", "-A1",
     "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "="],
)
def test_a_csv_cell_a_spreadsheet_would_run_is_refused(cell):
    data = csv_text([["id", "text"], ["A", cell]]).encode()

    assert cell_messages(data) == [
        f"Rad 2, kolumn B: cellen innehåller en formel (den börjar med ”{cell.strip()[0]}”); "
        "skriv värdet i stället, eller en apostrof (') först om det är text."]


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("-12,5", "-12,5"), ("-1 234,50 kr", "-1 234,50 kr"), ("+46", "+46"), ("-", "-"),
        ("'=1+1", "=1+1"), ("'+46 70", "+46 70"), ("'-minus", "-minus"), ("'@chef", "@chef"),
        ("''citat", "'citat"), ("'vanlig", "'vanlig"), ("Kim's", "Kim's"), ("a=b", "a=b"),
    ],
)
def test_numbers_and_text_behind_a_quote_are_read_as_text(cell, text):
    rows = read(csv_text([["id", "text"], ["A", cell]]).encode())

    assert rows[1] == (2, ["A", text], ())


def test_an_xlsx_formula_is_refused_but_text_that_looks_like_one_is_not():
    rows = read(xlsx([["id", "text"], ["A", "=1+1"]]), "t.xlsx")

    def as_text(sheet: Any) -> None:
        sheet["B3"] = "=1+1"
        sheet["B3"].data_type = "s"

    text = read(xlsx([["id", "text"], ["A", "ok"]], build=as_text), "t.xlsx")

    assert spreadsheets.cell_problems(*rows[1][::2]) == [
        "Rad 2, kolumn B: cellen innehåller en formel; skriv värdet i stället."]
    assert text[2][1:] == (["", "=1+1"], ())


@pytest.mark.parametrize(
    ("cell", "code"),
    [("a\x00b", "U+0000"), ("a\x0bb", "U+000B"), ("\x1fa", "U+001F"), ("a\x0c", "U+000C")],
)
def test_control_characters_are_refused_naming_row_and_column(cell, code):
    data = csv_text([["id", "text"], ["A", "ok"], ["B", cell]]).encode()

    assert cell_messages(data) == [
        f"Rad 3, kolumn B: cellen innehåller ett otillåtet tecken ({code}); ta bort det."]


def test_tabs_and_newlines_inside_a_cell_are_text():
    rows = read(b'id,text\r\nA,"rad ett\r\nrad\ttv\xc3\xa5"\r\n')

    assert rows[1] == (2, ["A", "rad ett\r\nrad\ttvå"], ())


def test_an_xlsx_reads_excels_escapes_as_excel_does():
    rows = read(xlsx([["id", "text"], ["A", "ett_x000D_två"], ["B", "_x005F_x000B_"],
                      ["C", "rad_x000B_bryt"]]), "t.xlsx")

    assert rows[1][1] == ["A", "ett\rtvå"] and rows[2][1] == ["B", "_x000B_"]
    assert spreadsheets.cell_problems(*rows[3][::2]) == [
        "Rad 4, kolumn B: cellen innehåller ett otillåtet tecken (U+000B); ta bort det."]


def test_a_large_clean_csv_is_streamed_without_a_check_per_cell(monkeypatch):
    """The byte scan finds nothing to check, so the per-cell checks never run."""
    monkeypatch.setattr(spreadsheets, "_csv_refusals", lambda *a: pytest.fail("checked"))
    data = ("id;belopp;datum\r\n" + "".join(f"F{n};{n},50;2025-01-{n % 28 + 1:02d}\r\n"
                                            for n in range(50_000))).encode()

    assert len(read(data)) == 50_001


def test_negative_amounts_and_lone_dashes_keep_the_fast_path(monkeypatch):
    monkeypatch.setattr(spreadsheets, "_csv_refusals", lambda *a: pytest.fail("checked"))
    data = ('id;belopp;text\r\n' + "".join(f"F{n};-{n},50;-\r\n" for n in range(1000))
            + '"F-1";"-1 234,50";a=b@c\r\n').encode()

    assert len(read(data)) == 1002


@pytest.mark.parametrize("offset", [-70, -64, -2, -1, 0, 1, 2])
def test_a_formula_at_a_chunk_boundary_of_the_scan_is_found(offset):
    """The byte scan reads 1 MB at a time: a formula's start on either side of a seam counts."""
    dash = spreadsheets.CHUNK + offset  # where the formula's "-" lands in the file
    header = "id;x\r\n"
    fill = dash - len("G;") - len(header) - len("P;\r\n")
    data = (header + "F;1\r\n" * (fill // 5) + "P;" + "a" * (fill % 5) + "\r\n"
            + "G;-A1+cmd|' /C calc'!A0\r\n" + "H;2\r\n" * 10).encode()
    assert data.index(b"-A1") == dash
    last_row = data.count(b"\n") - 10

    assert cell_messages(data) == [
        f"Rad {last_row}, kolumn B: cellen innehåller en formel (den börjar med ”-”); "
        "skriv värdet i stället, eller en apostrof (') först om det är text."]


# --- writing ----------------------------------------------------------------------------------


TRICKY = ["=1+1", "+46 70 123", "-minus", "@chef", "'citat", "''två", " =mellanslag", "\tflik",
          "-5", "=", "'", "vanlig", "Kim's", "a;b,c", 'citat "x"', "rad ett\nrad två", "_x000B_",
          "Åtgärd & <b>fet</b>"]


def test_every_text_survives_a_csv_export_and_import_unchanged():
    exported = spreadsheets.csv_bytes([["text"], *([text] for text in TRICKY)])

    rows = read(exported)

    assert exported.startswith(b"\xef\xbb\xbf") and b"\r\n" in exported
    assert [cells[0] for _n, cells, refusals in rows[1:] if not refusals] == TRICKY
    assert spreadsheets.csv_bytes([cells for _n, cells, _r in rows]) == exported


def test_every_text_survives_an_xlsx_export_and_import_unchanged():
    workbook = Workbook()
    for row, text in enumerate(["text", *TRICKY], start=1):
        spreadsheets.set_text_cell(workbook.active.cell(row=row, column=1), text)
    buffer = io.BytesIO()
    workbook.save(buffer)

    rows = read(buffer.getvalue(), "t.xlsx")
    cells = {cell.value: cell for cell in load_workbook(buffer).active["A"]}

    stripped = [text.strip() for text in TRICKY]  # the text reader strips as it always has
    assert [values[0] for _n, values, refusals in rows[1:] if not refusals] == stripped
    assert all(cell.data_type == "s" for cell in cells.values())
    assert cells["=1+1"].quotePrefix and cells["@chef"].quotePrefix
    assert not cells["vanlig"].quotePrefix


def test_characters_xml_cannot_carry_are_replaced_on_export_never_refused():
    text = "Risk\x0bmed radbrytning\x00och\x01\ufffe"
    workbook = Workbook()
    cell = spreadsheets.set_text_cell(workbook.active["A1"], text)

    assert cell.value == "Risk\nmed radbrytning\ufffdoch\ufffd\ufffd"
    assert spreadsheets.csv_cell(text) == "Risk\nmed radbrytning\ufffdoch\ufffd\ufffd"
    assert spreadsheets.csv_cell("-\x0b") == "'-\n"


def test_a_worklist_with_a_control_character_from_an_old_population_exports():
    from isk.services.sampling.draw import DrawnItem, Selection

    item = DrawnItem(item_id="F\x0b1", row_number=2, values=("a\x00b",), amount=None,
                     stratum=None, selection=Selection.RANDOM, key="0")

    sheet = load_workbook(io.BytesIO(write_sample_xlsx([item], ["text"], id_header="id"))
                          ).worksheets[0]

    assert [cell.value for cell in sheet[2]][:2] == ["F\n1", "a\ufffdb"]


@pytest.fixture
def plan_with_a_vertical_tab(make_unit, make_user, auth):
    """A risk saved before control characters were refused: Word's line break inside it."""
    plan = plans.create_plan(make_unit("Servicenämnden", code="SN"), 2026)
    area = plans.add_process_area(plan, "Ekonomi")
    risk = plans.add_risk(area, plans.RiskContent("Risken att\x0bfakturor betalas sent",
                                                  [Criterion.C], source="Revision\x0b2025"))
    plans.add_action(risk, plans.ActionContent("Attest\x0bi två steg"))
    db.session.commit()
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    return plan


def test_a_risk_with_a_vertical_tab_in_the_database_still_exports(client, plan_with_a_vertical_tab):
    base = f"/planer/{plan_with_a_vertical_tab.id}"

    xlsx_response = client.get(f"{base}/export.xlsx")
    csv_response = client.get(f"{base}/export.csv")
    pdf_response = client.get(f"{base}/export.pdf")

    assert (xlsx_response.status_code, csv_response.status_code,
            pdf_response.status_code) == (200, 200, 200)
    rows = list(load_workbook(io.BytesIO(xlsx_response.data)).active.values)
    assert rows[1][1:3] == ("Risken att\nfakturor betalas sent", "Attest\ni två steg")
    assert b"\x0b" not in csv_response.data
    assert squeeze("Risken att fakturor betalas sent") in squeeze(pdf_text(pdf_response.data))


# --- text typed into forms --------------------------------------------------------------------


@pytest.fixture
def controller_plan(make_unit, make_user, auth):
    plan = plans.create_plan(make_unit("Servicenämnden", code="SN"), 2026)
    area = plans.add_process_area(plan, "Ekonomi")
    db.session.commit()
    make_user("kim@example.org", Role.CONTROLLER, plan.org_unit)
    auth.login("kim@example.org")
    return plan, area


@pytest.mark.parametrize(("text", "code"), [("Risken\x00att", "U+0000"),
                                            ("Risken att\x0bfakturor", "U+000B")])
def test_a_control_character_typed_into_a_risk_is_refused_with_400(client, controller_plan,
                                                                   text, code):
    plan, area = controller_plan

    response = post_form(client, f"/planer/{plan.id}/risker/ny", {
        "area": str(area.id), "text": text, "criteria": ["c"], "treatment": "mitigate",
        "owner": "0", "source": "Revision"})

    assert response.status_code == 400
    assert f"Texten innehåller ett otillåtet tecken ({code})" in page_text(response)
    assert count(Risk) == 0


def test_a_nul_in_a_field_a_view_reads_itself_is_refused_with_400(client, auth, world, files_dir):
    sample = _drawn_sample(world)
    auth.login_via_session(world["controller"])
    page = f"/planer/{world['plan'].id}/kontroller/{sample.control_id}/stickprov/{sample.id}"
    item = sample.items[0]

    response = client.post(f"{page}/resultat", data={
        "csrf_token": csrf_from(client.get(page)), "version": str(sample.version_id),
        f"outcome-{item.id}": "ok", f"comment-{item.id}": "Attest\x00saknas"})

    assert response.status_code == 400
    assert "Texten innehåller ett otillåtet tecken (U+0000)" in page_text(response)
    db.session.expire_all()
    assert db.session.get(SampleItem, item.id).outcome is None


def test_a_nul_in_the_login_form_is_refused_before_the_database_sees_it(client):
    token = csrf_from(client.get("/logga-in"))

    response = client.post("/logga-in", data={"csrf_token": token, "email": "kim\x00@example.org",
                                              "password": "x"})

    assert response.status_code == 400
    assert "Texten innehåller ett otillåtet tecken (U+0000)" in page_text(response)


def test_every_form_of_the_app_refuses_control_characters(app):
    """Fail closed: a form that is not built on `Form` would skip the check."""

    def subclasses(cls: type) -> set[type]:
        return set(cls.__subclasses__()).union(*(subclasses(c) for c in cls.__subclasses__()))

    forms = {cls for cls in subclasses(FlaskForm) if cls.__module__.startswith("isk.")}

    assert len(forms) > 20
    assert [cls.__qualname__ for cls in forms if not issubclass(cls, Form)] == []


# --- one gate ---------------------------------------------------------------------------------


def test_no_module_but_the_gate_reads_or_writes_a_spreadsheet():
    """Every CSV and XLSX read, and every CSV written, goes through services/spreadsheets.py."""
    root = Path(__file__).resolve().parents[1] / "isk"
    reading = re.compile(r"load_workbook|csv\.(reader|DictReader|writer|DictWriter|Sniffer)|"
                         r"iter_rows|\.decode\(\"utf-8-sig\"\)")
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(root.rglob("*.py")) if path.name != "spreadsheets.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if reading.search(line)
    ]

    assert found == []


def test_a_date_and_a_number_read_from_an_xlsx_as_text():
    rows = read(xlsx([["datum", "belopp", "ja"], [date(2026, 3, 31), 1001.0, True]]), "t.xlsx")

    assert rows[1][1] == ["2026-03-31", "1001", "SANT"]
