"""The follow-up table as regions write it: imported, reported and exported word for word.

The table is the demo's (isk/demo_data/uppfoljning-servicenamnden-2025.csv), written as the
regions' verksamhetsberättelser write theirs: free-text methods and results, "Ej utfört" rows
with their reasons, "T1, T2, T3", weeks, months and dates under Utfört.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from importlib import resources

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from isk.extensions import db
from isk.models import AuditEntry, Control, ControlResult, Criterion, PlanStatus, Role
from isk.services import controls, plans
from isk.services.controls import table

from . import control_helpers
from .control_helpers import count
from .plan_helpers import csrf_from, page_text, pdf_text, post_form, squeeze

files_dir = control_helpers.files_dir  # fixture

TABLE_FILE = "uppfoljning-servicenamnden-2025.csv"
LONG_HEADINGS = ["Genomförd internkontroll", "Kontrollmetod",
                 "Utfört (datum, vecka, månad, period)", "Uppföljning/resultat av kontrollen",
                 "Eventuella Åtgärder/ förändringar"]


def table_bytes() -> bytes:
    return resources.files("isk.demo_data").joinpath(TABLE_FILE).read_bytes()


def cells_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def csv_of(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_of(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def plan_2025(make_unit):
    plan = plans.create_plan(make_unit("Servicenämnden", code="SN"), 2025)
    db.session.commit()
    return plan


@pytest.fixture
def controller(make_user, plan_2025):
    return make_user("kim@example.org", Role.CONTROLLER, plan_2025.org_unit, name="Kim")


def run(runner, *args: str):
    return runner.invoke(args=["isk", *args])


# --- the round trip -------------------------------------------------------------------------


def test_an_imported_table_comes_back_cell_for_cell(runner, plan_2025, tmp_path):
    source = tmp_path / TABLE_FILE
    source.write_bytes(table_bytes())
    imported = run(runner, "import-followup", str(source), "--unit", "SN", "--year", "2025")
    exported = tmp_path / "helar.csv"
    written = run(runner, "export-followup", "--unit", "SN", "--year", "2025", "--period",
                  "helar", "--format", "csv", "-o", str(exported))

    assert imported.exit_code == 0, imported.output
    assert "14 kontrollutfall" in imported.output and "14 nya kontroller" in imported.output
    assert written.exit_code == 0, written.output
    assert cells_of(exported.read_bytes()) == cells_of(table_bytes())


def test_the_imported_rows_are_kept_as_written(runner, plan_2025, tmp_path):
    source = tmp_path / TABLE_FILE
    source.write_bytes(table_bytes())
    run(runner, "import-followup", str(source), "--unit", "SN", "--year", "2025")
    results = db.session.scalars(select(ControlResult).order_by(ControlResult.id)).all()
    not_performed = [r for r in results if not r.performed]
    attest = next(r for r in results if r.control.description == "Attestordning")

    assert len(results) == 14 and len(not_performed) == 5
    assert all(r.performed_text == "Ej utfört" and r.performed_start is None
               and r.performed_end is None and r.result_text for r in not_performed)
    assert attest.performed_text == "T1, T2, T3"
    assert (attest.performed_start, attest.performed_end) == (date(2025, 1, 1),
                                                              date(2025, 12, 31))
    assert attest.remediation == "Attestordningen uppdaterad i april, effekten följs upp nästa år"
    assert attest.category is None  # the table has no category: none is made up
    assert all(r.control.target_risk is None for r in results)  # kontrollområden of the plan


def test_the_helar_pdf_prints_the_table_under_the_regions_headings(runner, plan_2025, tmp_path):
    source = tmp_path / TABLE_FILE
    source.write_bytes(table_bytes())
    run(runner, "import-followup", str(source), "--unit", "SN", "--year", "2025")
    out = tmp_path / "helar.pdf"
    result = run(runner, "export-followup", "--unit", "SN", "--year", "2025", "--format", "pdf",
                 "-o", str(out))
    text = squeeze(pdf_text(out.read_bytes()))

    assert result.exit_code == 0, result.output
    for part in ("Uppföljning av internkontroll", "Avser år 2025",
                 "Utfört (datum, vecka, månad, period)", "Uppföljning/resultat av kontrollen",
                 "Eventuella åtgärder/ förändringar", "Utförda: 9", "Ej utförda: 5"):
        assert squeeze(part) in text, part
    for row in cells_of(table_bytes())[1:]:
        for cell in row:
            assert squeeze(cell) in text, cell


def test_a_tertial_report_shows_what_falls_in_the_tertial(plan_2025):
    table.import_file(plan_2025, TABLE_FILE, table_bytes())
    db.session.commit()
    plan = plans.load_plan_for_display(plan_2025.id)
    t1 = controls.followup.build_report(plan, controls.periods.Period.T1, date(2026, 2, 1))
    shown = {row.description for row in t1.rows}

    assert {"Attestordning", "Löneutbetalningar", "Representation", "Inköp och avtal"} <= shown
    assert "Kassahantering" not in shown and "Avtalstrohet" not in shown
    assert "Lager" not in shown  # "Ej utfört" without a period: the year's report


def test_importing_the_same_table_twice_changes_nothing(plan_2025):
    table.import_file(plan_2025, TABLE_FILE, table_bytes())
    db.session.commit()
    again = table.import_file(plan_2025, TABLE_FILE, table_bytes())
    db.session.commit()

    assert again.results == 0 and again.unchanged == 14
    assert count(Control) == 14 and count(ControlResult) == 14


@pytest.mark.parametrize("layout", ["ascii", "long", "xlsx"])
def test_the_headings_may_be_ascii_or_as_printed_and_the_file_xlsx(plan_2025, layout):
    rows = cells_of(table_bytes())
    if layout == "ascii":
        rows[0] = ["kontrollomrade", "kontrollmetod", "utfort", "resultat", "atgarder"]
    else:
        rows[0] = LONG_HEADINGS
    data = xlsx_of(rows) if layout == "xlsx" else csv_of(rows)
    prepared = table.import_file(plan_2025, f"tabell.{'xlsx' if layout == 'xlsx' else 'csv'}",
                                 data)
    db.session.commit()
    report = controls.followup.build_report(plans.load_plan_for_display(plan_2025.id),
                                            controls.periods.Period.ANNUAL, date(2026, 2, 1))

    assert prepared.results == 14
    assert [list(cells) for cells in report.table()] == rows[1:]


def test_the_xlsx_export_imports_again_unchanged(plan_2025):
    table.import_file(plan_2025, TABLE_FILE, table_bytes())
    db.session.commit()
    plan = plans.load_plan_for_display(plan_2025.id)
    report = controls.followup.build_report(plan, controls.periods.Period.ANNUAL)
    data = table.export_table(report, "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active

    assert [c.value for c in sheet[1]] == report.headings
    assert table.import_file(plan, "export.xlsx", data).unchanged == 14


# --- a row for a control the plan already has -------------------------------------------------


def test_a_row_naming_a_planned_control_records_its_kontrollutfall(plan_2025):
    area = plans.add_process_area(plan_2025, "Ekonomi")
    risk = plans.add_risk(area, plans.RiskContent("Risken att löner betalas fel.",
                                                  [Criterion.C]))
    db.session.commit()
    planned = controls.create_control(plan_2025, f"risk-{risk.id}", controls.ControlData(
        "Löneutbetalningar", method_text="Stickprov", occurrences=["T1", "T2", "T3"]))
    db.session.commit()
    rows = [table.TABLE_HEADINGS,
            ["löneutbetalningar", "Stickprov", "vecka 12", "Inga avvikelser", ""],
            ["Löneutbetalningar", "Stickprov", "Ej utfört", "Sjukdom under hösten", ""]]
    prepared = table.import_file(plan_2025, "t.csv", csv_of([list(r) for r in rows]))
    db.session.commit()

    assert prepared.new_controls == 0 and prepared.results == 2
    spring, autumn = sorted(planned.live_results, key=lambda r: r.id)
    assert spring.occurrences == ["T1"]
    assert autumn.occurrences == ["T2", "T3"] and not autumn.performed


# --- bad tables: a clear message by row and column, nothing written --------------------------


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["Genomförd internkontroll", "Utfört"], ["A", "mars"]],
         "kolumnerna ska vara Genomförd internkontroll, Kontrollmetod"),
        ([list(table.TABLE_HEADINGS), ["", "Metod", "mars", "Ok", ""]],
         "Rad 2, kolumn Genomförd internkontroll: värdet saknas"),
        ([list(table.TABLE_HEADINGS), ["Kassa", "", "mars", "Ok", ""]],
         "Rad 2, kolumn Kontrollmetod: värdet saknas"),
        ([list(table.TABLE_HEADINGS), ["Kassa", "Inventering", "snart", "Ok", ""]],
         "Rad 2, kolumn Utfört: ”snart” går inte att läsa som en tidpunkt"),
        ([list(table.TABLE_HEADINGS), ["Kassa", "Inventering", "2024-05-01", "Ok", ""]],
         "Rad 2, kolumn Utfört: ”2024-05-01” ligger inte under planens år, 2025"),
        ([list(table.TABLE_HEADINGS), ["Kassa", "Inventering", "Ej utfört", "", ""]],
         "Rad 2, kolumn Uppföljning/resultat: skriv varför kontrollen inte utfördes"),
        ([list(table.TABLE_HEADINGS), ["Kassa", "Inventering", "=1+1", "Ok", ""]],
         "Rad 2, kolumn Utfört"),
        ([list(table.TABLE_HEADINGS)], "bara en rubrikrad"),
    ],
    ids=["missing-column", "no-control", "no-method", "unreadable-date", "other-year",
         "ej-utfort-without-reason", "formula", "header-only"],
)
def test_a_bad_table_is_refused_by_row_and_column_and_writes_nothing(runner, plan_2025,
                                                                     tmp_path, rows, message):
    good = cells_of(table_bytes())[1]
    path = tmp_path / "tabell.csv"
    path.write_bytes(csv_of([*rows[:1], good, *rows[1:]] if len(rows) > 1 else rows))
    before = count(AuditEntry)
    result = run(runner, "import-followup", str(path), "--unit", "SN", "--year", "2025")

    assert result.exit_code != 0
    assert "Filen importerades inte; inget har sparats." in result.output
    assert message.replace("Rad 2", "Rad 3") in result.output or message in result.output
    assert count(Control) == 0 and count(ControlResult) == 0 and count(AuditEntry) == before


def test_a_closed_plan_takes_no_follow_up_table(runner, plan_2025, tmp_path):
    plan_2025.status, plan_2025.adopted_on = PlanStatus.CLOSED, date(2024, 11, 20)
    db.session.commit()
    path = tmp_path / TABLE_FILE
    path.write_bytes(table_bytes())
    result = run(runner, "import-followup", str(path), "--unit", "SN", "--year", "2025")

    assert result.exit_code != 0 and "avslutad" in result.output
    assert count(Control) == 0


# --- the pages ------------------------------------------------------------------------------


def _upload(client, plan, data: bytes, name: str = TABLE_FILE):
    path = f"/planer/{plan.id}/uppfoljning/importera"
    token = csrf_from(client.get(path))
    return client.post(path, data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_the_page_previews_then_imports_on_confirmation(client, auth, plan_2025, controller):
    auth.login_via_session(controller)
    preview = _upload(client, plan_2025, table_bytes())
    text = page_text(preview)

    assert preview.status_code == 200
    assert "Inget är sparat ännu" in text and "14 kontrollutfall" in text
    assert "5 rader anger att kontrollen inte utfördes" in text
    assert count(ControlResult) == 0

    confirmed = client.post(f"/planer/{plan_2025.id}/uppfoljning/importera/bekrafta",
                            data={"csrf_token": csrf_from(preview),
                                  "token": _hidden(preview, "token")})
    assert confirmed.status_code == 302
    assert count(ControlResult) == 14
    report = page_text(client.get(confirmed.headers["Location"]))
    assert "Brister i attestordningen identifierade" in report and "Ej utfört" in report
    csv_export = client.get(f"/planer/{plan_2025.id}/uppfoljning.csv?period=helar")
    assert cells_of(csv_export.data) == cells_of(table_bytes())
    assert csv_export.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset


def _hidden(response, name: str) -> str:
    import re

    found = re.search(rf'name="{name}"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert found, name
    return found.group(1)


def test_the_page_refuses_a_bad_table_with_400_and_its_reasons(client, auth, plan_2025,
                                                             controller):
    auth.login_via_session(controller)
    rows = cells_of(table_bytes())
    rows[3][2] = "nästa vecka"
    response = _upload(client, plan_2025, csv_of(rows))

    assert response.status_code == 400
    assert "Rad 4, kolumn Utfört: ”nästa vecka” går inte att läsa" in page_text(response)
    assert count(ControlResult) == 0


def test_a_reader_may_export_but_not_import(client, auth, make_user, plan_2025):
    reader = make_user("lasare@example.org", Role.READER, plan_2025.org_unit)
    auth.login_via_session(reader)

    assert client.get(f"/planer/{plan_2025.id}/uppfoljning/importera").status_code == 403
    assert client.get(f"/planer/{plan_2025.id}/uppfoljning.xlsx?period=T2").status_code == 200


def test_an_expired_preview_asks_for_the_file_again(client, auth, plan_2025, controller):
    auth.login_via_session(controller)
    preview = _upload(client, plan_2025, table_bytes())
    response = post_form(client, f"/planer/{plan_2025.id}/uppfoljning/importera/bekrafta",
                         {"token": "finns-inte"})

    assert preview.status_code == 200
    assert response.status_code == 400
    assert "Förhandsgranskningen har gått ut" in page_text(response)
    assert count(ControlResult) == 0
