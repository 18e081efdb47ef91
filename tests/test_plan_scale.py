"""Plans of thousands of risks: statement counts that do not grow, paging by verksamhet, a PDF
laid out a page at a time, exports read back cell for cell, and a 5,000-risk import.

Speed itself is measured in benchmarks/ (bench_plan_page.py, bench_plan_pdf.py,
bench_plan_export.py), never here.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from isk.extensions import db
from isk.models import (
    Action,
    ActionStatus,
    OrgUnit,
    Plan,
    ProcessArea,
    Risk,
    RiskTreatment,
    Role,
)
from isk.models.types import utcnow
from isk.services import plans
from isk.services.pdf import plan as pdf_plan
from isk.services.plans.document import build_document
from isk.services.plans.loading import read_document
from isk.services.spreadsheets import XlsxSheet, xlsx_bytes

from .plan_helpers import csrf_from, page_text, pdf_text


def fill(plan: Plan, risks: int, *, areas: int = 4, actions: int = 2, prefix: str = "Risk"
         ) -> None:
    """`risks` risks in `areas` verksamheter (in blocks, as plans list them), each with
    `actions` åtgärder; inserted directly, as the services would write them."""
    area_list = [ProcessArea(plan=plan, name=f"Verksamhet {n + 1:02d}", position=n)
                 for n in range(areas)]
    db.session.add_all(area_list)
    for n in range(risks):
        area = area_list[n * areas // risks]
        risk = Risk(process_area=area, position=n, text=f"{prefix} nummer {n}",
                    criterion_c=True, likelihood=n % 4 + 1, consequence=(n // 4) % 4 + 1,
                    region_wide=plan.is_region_plan)
        db.session.add(risk)
        for m in range(actions):
            db.session.add(Action(risk=risk, position=m, text=f"Åtgärd {n}.{m}",
                                  responsible="Ekonomichef", due_date=date(2026, 1 + m, 28),
                                  region_wide=plan.is_region_plan))
    db.session.commit()


@pytest.fixture
def admin(make_user, auth):
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")


def statements_for(client, query_counter, url: str) -> tuple[int, object]:
    with query_counter() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements), response


# --- statement counts ---------------------------------------------------------------------


def test_the_plan_page_runs_the_same_statements_for_20_and_1200_risks(
    make_unit, admin, client, query_counter
):
    """Past 500 risks (the old chunk size of the åtgärder's load) and past the paging limit."""
    small = plans.create_plan(make_unit("Liten nämnd", code="LN"), 2026)
    large = plans.create_plan(make_unit("Stor nämnd", code="SN"), 2026)
    fill(small, 20)
    fill(large, 1200)

    counts = {}
    for name, plan in (("small", small), ("large", large)):
        counts[name], _ = statements_for(client, query_counter, f"/planer/{plan.id}")
        counts[name + " whole"], _ = statements_for(client, query_counter,
                                                    f"/planer/{plan.id}?visa=alla")

    assert len(set(counts.values())) == 1, counts
    assert counts["small"] <= 8, counts


@pytest.mark.parametrize("kind", ["csv", "xlsx", "pdf"])
def test_an_export_runs_the_same_statements_for_20_and_1200_risks(
    make_unit, admin, client, query_counter, kind
):
    small = plans.create_plan(make_unit("Liten nämnd", code="LN"), 2026)
    large = plans.create_plan(make_unit("Stor nämnd", code="SN"), 2026)
    fill(small, 20)
    fill(large, 1200 if kind != "pdf" else 600, actions=1 if kind == "pdf" else 2)

    small_count, _ = statements_for(client, query_counter, f"/planer/{small.id}/export.{kind}")
    large_count, response = statements_for(client, query_counter,
                                           f"/planer/{large.id}/export.{kind}")

    assert small_count == large_count
    if kind == "csv":
        text = response.get_data(as_text=True)
        assert text.count("\r\n") == 1 + 2400
        assert "Risk nummer 1199" in text


def test_the_plan_as_rows_is_the_plan_as_objects(make_unit, make_user, admin):
    """The page and exports read the plan as rows; the editing code builds it from objects."""
    unit = make_unit("Servicenämnden", code="SN")
    plan = plans.create_plan(unit, 2026)
    region_plan = plans.create_plan(db.session.get(OrgUnit, plans.region_root_id(unit)), 2026)
    fill(region_plan, 6, areas=2, prefix="Regionrisk")
    fill(plan, 30, areas=3)
    owner = make_user("agare@example.org", Role.CONTROLLER, unit)
    risks = db.session.scalars(select(Risk).join(ProcessArea).where(
        ProcessArea.plan_id == plan.id).order_by(Risk.id)).all()
    risks[0].owner_id = owner.id
    risks[1].treatment = RiskTreatment.ACCEPT
    risks[1].accepted_by, risks[1].accepted_on = "Nämnden", date(2026, 2, 3)
    risks[1].acceptance_reason = "Låg risk"
    risks[2].archived_at = utcnow()
    risks[3].actions[0].archived_at = utcnow()
    risks[4].actions[1].status = ActionStatus.DONE
    risks[5].criterion_e, risks[5].threatens_integrity = True, True
    db.session.commit()

    own_order: list[int] = []
    as_rows = read_document(plan, region_plan, own_order=own_order)
    assert plans.region_plan_for(plan).id == region_plan.id

    assert as_rows == build_document(plans.load_plan_for_display(plan.id),
                                     plans.region_plan_for(plan))
    assert [area.name for area in as_rows.areas][:2] == ["Verksamhet 01", "Verksamhet 02"]
    assert len(own_order) == 3


# --- paging a big plan by verksamhet --------------------------------------------------------


def test_a_plan_over_1000_risks_pages_by_verksamhet_keeping_the_matrix_and_filters(
    make_unit, admin, client
):
    plan = plans.create_plan(make_unit("Stor nämnd", code="SN"), 2026)
    fill(plan, 1200, areas=6, actions=1)  # 200 risks a verksamhet: two verksamheter a page

    first = client.get(f"/planer/{plan.id}")
    text = page_text(first)
    assert "Sida 1 av 3" in text
    assert "Sida 2: Verksamhet 03 – Verksamhet 04" in text
    assert "Risk nummer 399" in text and "Risk nummer 400" not in text
    # The matrix counts every risk of the plan, not only those on the page.
    matrix_total = sum(int(n) for n in re.findall(
        r'class="matrix__cell[^"]*">\s*<a [^>]*>(\d+)</a>', first.get_data(as_text=True)))
    assert matrix_total == 1200
    assert 'aria-label="Planens sidor"' in first.get_data(as_text=True)

    third = page_text(client.get(f"/planer/{plan.id}?sida=3"))
    assert "Risk nummer 1199" in third and "Risk nummer 399" not in third
    assert "Sida 3 av 3" in third

    whole = page_text(client.get(f"/planer/{plan.id}?visa=alla"))
    assert "Risk nummer 0 " in whole and "Risk nummer 1199" in whole
    assert "Hela planen visas." in whole

    # A filter applies to the whole plan; the pages are those of what it keeps.
    filtered = page_text(client.get(f"/planer/{plan.id}?verksamhet=Verksamhet+06"))
    assert "Risk nummer 1199" in filtered and "Sida 1 av 1" in filtered


def test_till_opens_the_page_holding_the_risk(make_unit, admin, client):
    plan = plans.create_plan(make_unit("Stor nämnd", code="SN"), 2026)
    fill(plan, 1200, areas=6, actions=1)
    last = db.session.scalar(select(func.max(Risk.id)))

    response = client.get(f"/planer/{plan.id}?till=risk-{last}")

    assert f'id="risk-{last}"' in response.get_data(as_text=True)
    assert "Sida 3 av 3" in page_text(response)
    # Unknown or odd values fall back to the first page.
    for odd in ("risk-999999", "risk-x", "verksamhet-1"):
        assert "Sida 1 av 3" in page_text(client.get(f"/planer/{plan.id}?till={odd}"))
    assert "Sida 1 av 3" in page_text(client.get(f"/planer/{plan.id}?sida=99"))


def test_a_warning_links_to_the_page_of_its_risk(make_unit, admin, client):
    plan = plans.create_plan(make_unit("Stor nämnd", code="SN"), 2026)
    fill(plan, 1200, areas=6, actions=1)
    last = db.session.scalar(select(func.max(Risk.id)))
    db.session.get(Risk, last).actions[0].archived_at = utcnow()  # a risk without åtgärd
    db.session.commit()

    body = client.get(f"/planer/{plan.id}").get_data(as_text=True)

    assert f'href="/planer/{plan.id}?till=risk-{last}#risk-{last}"' in body


def test_a_plan_of_1000_risks_or_fewer_is_one_page(make_unit, admin, client):
    plan = plans.create_plan(make_unit("Nämnd", code="N"), 2026)
    fill(plan, 1000, areas=5, actions=1)

    body = client.get(f"/planer/{plan.id}").get_data(as_text=True)

    assert "Planens sidor" not in body
    assert "Risk nummer 999" in body


# --- the PDF, a page at a time ----------------------------------------------------------------


def test_the_pdf_keeps_every_risk_and_each_verksamhet_with_its_first_row(
    make_unit, admin, client, monkeypatch
):
    plan = plans.create_plan(make_unit("Nämnd", code="N"), 2026)
    fill(plan, 300, areas=5, actions=2)
    held: list[int] = []
    release = pdf_plan._Rows.release

    def watched(self, stop):
        held.append(len(self.built))
        release(self, stop)

    monkeypatch.setattr(pdf_plan._Rows, "release", watched)

    for layout in ("namnd", "arbete"):
        data = client.get(f"/planer/{plan.id}/export.pdf?layout={layout}").data
        from pypdf import PdfReader

        pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
        text = "\n".join(pages)
        for n in range(300):
            assert re.search(rf"Risk nummer {n}\b", text), n
            assert re.search(rf"Åtgärd {n}\.1\b", text), n
        for number in range(1, 6):
            name = f"Verksamhet {number:02d}"
            first_risk = (number - 1) * 60
            page = next(p for p in pages if name in p)
            assert f"Risk nummer {first_risk}" in page, name  # the heading with its first row

    # Only a page's rows (and the one that did not fit) exist as paragraphs at a time.
    assert held and max(held) < 40, max(held)


def test_the_pdf_prints_a_row_taller_than_a_page(make_unit, admin, client):
    plan = plans.create_plan(make_unit("Nämnd", code="N"), 2026)
    fill(plan, 10, areas=1, actions=1)
    risk = db.session.scalars(select(Risk).order_by(Risk.id)).first()
    risk.actions[0].text = " ".join(f"ord{n}" for n in range(2500)) + " SLUTET"
    db.session.commit()

    text = pdf_text(client.get(f"/planer/{plan.id}/export.pdf").data)

    assert "SLUTET" in text and "Risk nummer 9" in text


# --- XLSX, written by the gate --------------------------------------------------------------


def test_the_xlsx_writer_reads_back_cell_for_cell_with_formulas_and_controls_neutralised():
    rows = [
        ["verksamhet", "risk", "tal"],
        ["Ekonomi", "=SUM(A1:A9)", 12],
        ["HR & lön <x>", "Radbrytning\nhär\r\noch tab\t", 1.5],
        ["Vertikal\x0btab", "Nul\x00och\x1fkontroll", None],
        ["_x000B_ bokstavligt", "-2 + 3", ""],
        ["@mention", "+46 70", True],
    ]
    data = xlsx_bytes([XlsxSheet("Plan: 2026/[a]", rows, widths=[20, 40], wrap=True)])

    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet.title == "Plan  2026  a"  # characters Excel refuses in a title are replaced
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 40
    values = [[cell.value for cell in row] for row in sheet.iter_rows(max_col=3)]
    assert values == [
        ["verksamhet", "risk", "tal"],
        ["Ekonomi", "=SUM(A1:A9)", 12],
        ["HR & lön <x>", "Radbrytning\nhär\r\noch tab\t", 1.5],
        ["Vertikal\ntab", "Nul\ufffdoch\ufffdkontroll", None],
        ["_x005F_x000B_ bokstavligt", "-2 + 3", None],
        ["@mention", "+46 70", "SANT"],
    ]
    formula_like = sheet["B2"]
    assert formula_like.data_type == "s" and formula_like.quotePrefix
    assert sheet["A6"].quotePrefix and sheet["B6"].quotePrefix and not sheet["A2"].quotePrefix
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    assert sheet["B3"].alignment.wrap_text


def test_the_xlsx_export_reads_back_as_the_csv_export(make_unit, admin, client):
    plan = plans.create_plan(make_unit("Nämnd", code="N"), 2026)
    fill(plan, 50, areas=2)
    risk = db.session.scalars(select(Risk).order_by(Risk.id)).first()
    risk.text = "=HYPERLINK(\"http://example.org\")"
    risk.actions[0].text = "Kontroll\x07 med klocka"
    db.session.commit()

    xlsx = load_workbook(io.BytesIO(client.get(f"/planer/{plan.id}/export.xlsx").data)).active
    csv_text = client.get(f"/planer/{plan.id}/export.csv").get_data(as_text=True)

    csv_rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    xlsx_rows = [["" if value is None else value for value in row] for row in xlsx.values]
    # The CSV marks formula-like text with a quote; the XLSX with the cell's quote prefix.
    assert [[cell.removeprefix("'") for cell in row] for row in csv_rows] == xlsx_rows
    assert xlsx["B2"].value == "=HYPERLINK(\"http://example.org\")"
    assert xlsx["B2"].data_type == "s" and xlsx["B2"].quotePrefix
    assert xlsx["C2"].value == "Kontroll\ufffd med klocka"


# --- importing a plan of 5,000 risks --------------------------------------------------------


def big_plan_file(risks: int = 5000) -> bytes:
    """A plan of `risks` risks with 2 åtgärder each and texts of ~330 characters."""
    filler = ("som innebär att verksamheten inte bedrivs enligt gällande styrdokument, "
              "att beslut fattas på ofullständigt underlag och att uppföljningen brister ") * 2
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["verksamhet", "risk", "atgard", "kriterier"])
    for n in range(risks):
        for m in range(2):
            writer.writerow([f"Verksamhet {n % 12:02d}", f"Risk {n} {filler[:300]}",
                             f"Åtgärd {n}.{m} {filler[:300]}", "c"])
    return buffer.getvalue().encode("utf-8")


def test_a_plan_of_5000_risks_imports(make_unit, admin, client):
    plan = plans.create_plan(make_unit("Stor nämnd", code="SN"), 2026)
    db.session.commit()
    data = big_plan_file()
    assert len(data) > 5 * 1024 * 1024  # over the old cap

    form = client.get(f"/planer/{plan.id}/importera")
    preview = client.post(f"/planer/{plan.id}/importera", data={
        "csrf_token": csrf_from(form), "file": (io.BytesIO(data), "stor.csv")},
        content_type="multipart/form-data")
    # Werkzeug's test client spools a large body to a temporary file that it leaves open.
    preview.request.environ["wsgi.input"].close()
    assert preview.status_code == 200, page_text(preview)[:500]
    token = re.search(r'name="token" type="hidden" value="([^"]+)"',
                      preview.get_data(as_text=True)).group(1)
    done = client.post(f"/planer/{plan.id}/importera/bekrafta", data={
        "csrf_token": csrf_from(preview), "token": token})

    assert done.status_code == 302
    assert db.session.scalar(select(func.count(Risk.id))) == 5000
    assert db.session.scalar(select(func.count(Action.id))) == 10000


def test_a_file_over_the_cap_is_refused_naming_the_limit_and_nothing_is_written(
    make_unit, admin, client
):
    plan = plans.create_plan(make_unit("Stor nämnd", code="SN"), 2026)
    db.session.commit()
    row = b"Ekonomi,Risk,Atgard\r\n"
    data = (b"verksamhet,risk,atgard\r\n" + row * (21 * 1024 * 1024 // len(row)))

    form = client.get(f"/planer/{plan.id}/importera")
    response = client.post(f"/planer/{plan.id}/importera", data={
        "csrf_token": csrf_from(form), "file": (io.BytesIO(data), "for-stor.csv")},
        content_type="multipart/form-data")
    response.request.environ["wsgi.input"].close()  # (as above)

    assert response.status_code == 400
    assert "Största tillåtna storlek är 20 MB." in page_text(response)
    assert db.session.scalar(select(func.count(Risk.id))) == 0
