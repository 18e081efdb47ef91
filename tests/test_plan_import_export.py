"""Importing plans from CSV/XLSX and exporting them to CSV, XLSX and PDF."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from importlib import resources

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from isk.extensions import db
from isk.models import Action, Criterion, Plan, Risk, Role, SecurityAspect
from isk.services import plans
from isk.services.plans import exports, imports

from .plan_helpers import csrf_from, page_text, pdf_text, squeeze, zip_bytes

SEED_FILES = ("medicinsk-teknik-2022.csv", "servicenamnden-2023.csv", "servicenamnden-2026.csv")


def seed_bytes(name: str) -> bytes:
    return resources.files("isk.demo_data").joinpath(name).read_bytes()


def seed_rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(seed_bytes(name).decode("utf-8"))))


@pytest.fixture
def admin_plan(make_unit, make_user, auth):
    """An empty draft for Servicenämnden 2026, and an admin (who may add region content)."""
    unit = make_unit("Servicenämnden", code="SN")
    plan = plans.create_plan(unit, 2026)
    db.session.commit()
    make_user("admin@example.org", Role.ADMIN)
    make_user("kim@example.org", Role.CONTROLLER, unit)
    auth.login("admin@example.org")
    return plan


def upload(client, plan, filename: str, data: bytes):
    token = csrf_from(client.get(f"/planer/{plan.id}/importera"))
    return client.post(f"/planer/{plan.id}/importera", data={
        "csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data")


def confirm(client, plan, preview):
    token = re.search(r'name="token" type="hidden" value="([^"]+)"',
                      preview.get_data(as_text=True)).group(1)
    return client.post(f"/planer/{plan.id}/importera/bekrafta", data={
        "csrf_token": csrf_from(preview), "token": token})


def counts() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count(Plan.id))),
            db.session.scalar(select(func.count(Risk.id))),
            db.session.scalar(select(func.count(Action.id))))


@pytest.mark.parametrize("name", SEED_FILES)
def test_each_seed_plan_imports_and_prints_every_risk_and_action_in_order(
    name, admin_plan, client
):
    preview = upload(client, admin_plan, name, seed_bytes(name))
    assert preview.status_code == 200
    assert "Inget är sparat ännu" in page_text(preview)
    assert counts()[1] == 0  # the preview writes nothing

    assert confirm(client, admin_plan, preview).status_code == 302
    pdf = client.get(f"/planer/{admin_plan.id}/export.pdf")

    assert pdf.headers["Content-Type"] == "application/pdf"
    text = squeeze(pdf_text(pdf.data))
    assert squeeze("Internkontrollplan 2026 – Servicenämnden") in text
    position = 0
    for row in seed_rows(name):
        risk_at = text.find(squeeze(row["risk"]))
        assert risk_at >= 0, row["risk"][:60]
        if row["atgard"]:
            found = text.find(squeeze(row["atgard"]), position)
            assert found >= 0, f"missing or out of order: {row['atgard'][:60]}"
            position = found


def test_region_wide_rows_go_to_the_regions_plan_and_are_shared(admin_plan, client, make_unit,
                                                                auth):
    name = "servicenamnden-2026.csv"
    confirm(client, admin_plan, upload(client, admin_plan, name, seed_bytes(name)))
    region_plan = plans.region_plan_for(admin_plan)
    ja_actions = [r["atgard"] for r in seed_rows(name) if r["regionovergripande"] == "ja"]
    assert [a.text for area in region_plan.process_areas for r in area.risks
            for a in r.actions] == ja_actions

    other = plans.create_plan(make_unit("Kulturnämnden", code="KN"), 2026)
    db.session.commit()
    auth.logout()
    auth.login("kim@example.org")  # not allowed to add region content, but may share it
    kn_controller_plan = other
    before = counts()
    preview = upload(client, admin_plan, name, seed_bytes(name))
    assert preview.status_code == 200
    assert "finns redan i regionens plan och delas" in page_text(preview)
    assert counts() == before
    assert kn_controller_plan.id


def test_a_namnd_user_cannot_invent_region_wide_content(admin_plan, client, auth):
    auth.logout()
    auth.login("kim@example.org")
    data = "verksamhet,risk,atgard,regionovergripande\r\nHR,Ny regionrisk,Ny åtgärd,ja\r\n"

    response = upload(client, admin_plan, "plan.csv", data.encode())

    assert response.status_code == 400
    assert "Rad 2: den regionövergripande risken ”Ny regionrisk” finns inte i regionens plan" \
        in page_text(response)
    assert counts()[1] == 0


def test_the_word_layout_with_blank_continuation_cells_imports(admin_plan, client):
    data = (
        "Verksamhet;Risk;Åtgärd\r\n"
        "Ekonomi;Risken att fakturor betalas sent.;Månadsvis kontroll.\r\n"
        ";;Påminnelserutin.\r\n"
        ";Risken att inköp sker utanför avtal.;Stickprov på inköp.\r\n"
        "HR;Risken att lönerna blir fel.;Avstämning.\r\n"
    ).encode()

    confirm(client, admin_plan, upload(client, admin_plan, "word.csv", data))

    document = plans.document_for(db.session.get(Plan, admin_plan.id))
    assert [(a.name, [(r.text, [x.text for x in r.actions]) for r in a.risks])
            for a in document.areas] == [
        ("Ekonomi", [("Risken att fakturor betalas sent.", ["Månadsvis kontroll.",
                                                           "Påminnelserutin."]),
                     ("Risken att inköp sker utanför avtal.", ["Stickprov på inköp."])]),
        ("HR", [("Risken att lönerna blir fel.", ["Avstämning."])]),
    ]


def export_then_import(client, plan, kind: str, make_unit) -> tuple[bytes, bytes]:
    exported = client.get(f"/planer/{plan.id}/export.{kind}").data
    target = plans.create_plan(make_unit(f"Mottagare {kind}", code=f"M{kind.upper()}"), plan.year)
    db.session.commit()
    preview = upload(client, target, f"plan.{kind}", exported)
    assert preview.status_code == 200, page_text(preview)[:500]
    assert confirm(client, target, preview).status_code == 302
    again = client.get(f"/planer/{target.id}/export.{kind}").data
    return exported, again


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_imports_back_to_the_same_plan(kind, admin_plan, client, make_unit):
    name = "servicenamnden-2026.csv"
    confirm(client, admin_plan, upload(client, admin_plan, name, seed_bytes(name)))
    risk = db.session.scalars(select(Risk).where(Risk.text.startswith("Risken att fakturor"))
                              ).one()
    plans.update_risk(risk, plans.RiskContent(
        "=HYPERLINK(\"http://evil.example\") + <b>fet</b> & 'citat'",
        {Criterion.D, Criterion.E}, aspects={SecurityAspect.INTEGRITY},
        likelihood=3, consequence=4, source="-internt"), risk.process_area, None)
    db.session.commit()

    exported, again = export_then_import(client, admin_plan, kind, make_unit)

    if kind == "csv":
        assert exported == again
    else:
        rows_before = list(load_workbook(io.BytesIO(exported)).active.values)
        rows_after = list(load_workbook(io.BytesIO(again)).active.values)
        assert rows_before == rows_after
    assert len(exported) > 1000


def test_exported_cells_that_look_like_formulas_are_neutralised(admin_plan, client):
    area = plans.add_process_area(admin_plan, "@Ekonomi")
    risk = plans.add_risk(area, plans.RiskContent("=1+1", {Criterion.C}, source="+46"))
    plans.add_action(risk, plans.ActionContent("-minus", responsible="@chef"))
    db.session.commit()

    rows = list(csv.reader(io.StringIO(
        client.get(f"/planer/{admin_plan.id}/export.csv").data.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(client.get(f"/planer/{admin_plan.id}/export.xlsx").data)
                          ).active

    assert rows[1][:3] == ["'@Ekonomi", "'=1+1", "'-minus"]
    cells = {cell.value: cell for row in sheet.iter_rows(min_row=2) for cell in row}
    for text in ("@Ekonomi", "=1+1", "-minus", "+46", "@chef"):
        assert cells[text].data_type == "s", text
        assert cells[text].quotePrefix, text


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("plan.csv", b"", "Filen är tom."),
        ("plan.csv", b"namn,beskrivning\r\nA,B\r\n", "kolumnerna ska vara"),
        ("plan.csv", "verksamhet,risk,atgard\r\nEkonomi,Risk på å\xe4\r\n".encode("latin-1"),
         "inte UTF-8-kodad"),
        ("plan.csv", (b"verksamhet,risk,atgard\r\nEkonomi,\"=HYPERLINK(\"\"http://x\"\")\",A\r\n"
                      ), "Rad 2, kolumn risk: cellen innehåller en formel"),
        ("plan.csv", b"verksamhet,risk,atgard,regionovergripande\r\nEkonomi,R,A,kanske\r\n"
, "Rad 2, kolumn regionovergripande: ”kanske” ska vara ja eller nej."),
        ("plan.csv", b"verksamhet,risk,atgard\r\nEkonomi,R,A\r\n,,\r\nHR,,\r\n",
         "Rad 4, kolumn risk: värdet saknas."),
    ],
)
def test_a_bad_file_gets_a_clear_message_and_nothing_is_written(
    filename, data, message, admin_plan, client
):
    before = counts()

    response = upload(client, admin_plan, filename, data)

    assert response.status_code == 400
    assert message in page_text(response)
    assert "Inget har sparats." in page_text(response)
    assert counts() == before


def test_a_21_mb_file_is_refused(admin_plan, client):
    row = b"Ekonomi,Risk,Atgard\r\n"
    data = (b"verksamhet,risk,atgard\r\n" + row * (21 * 1024 * 1024 // len(row)))
    data = data[: 21 * 1024 * 1024]

    response = upload(client, admin_plan, "stor.csv", data)
    # Werkzeug's test client spools a large body to a temporary file that it leaves open.
    response.request.environ["wsgi.input"].close()

    assert response.status_code == 400
    assert "Filen är för stor (21,0 MB). Största tillåtna storlek är 20 MB." in page_text(response)
    assert counts()[1] == 0


def test_a_formula_in_an_xlsx_cell_is_refused(admin_plan, client):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["verksamhet", "risk", "atgard"])
    sheet.append(["Ekonomi", "Risken att …", '=HYPERLINK("http://evil.example","klicka")'])
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = upload(client, admin_plan, "plan.xlsx", buffer.getvalue())

    assert response.status_code == 400
    assert "Rad 2, kolumn atgard: cellen innehåller en formel" in page_text(response)
    assert counts()[1] == 0


def test_every_bad_row_is_reported_at_once(admin_plan, client):
    data = (b"verksamhet,risk,atgard,regionovergripande,sannolikhet,konsekvens\r\n"
            b"Ekonomi,R1,A,nej,5,2\r\n"
            b"Ekonomi,R2,A,nej,2,\r\n"
            b",,,,,\r\n"
            b"HR,R3,=1+2,nej,,\r\n")

    text = page_text(upload(client, admin_plan, "plan.csv", data))

    assert "Rad 2, kolumn sannolikhet: ”5” ska vara en siffra 1-4." in text
    assert "Rad 3, kolumn sannolikhet: ange både sannolikhet och konsekvens" in text
    assert "Rad 5, kolumn atgard: cellen innehåller en formel" in text


def test_an_import_is_all_or_nothing_even_when_writing_fails(admin_plan, monkeypatch):
    calls = {"n": 0}
    original = plans.add_action

    def failing_add_action(risk, data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return original(risk, data)

    monkeypatch.setattr(imports, "add_action", failing_add_action)
    with pytest.raises(RuntimeError):
        imports.import_file(admin_plan, "plan.csv", seed_bytes("servicenamnden-2026.csv"),
                            may_edit_region=True)
    db.session.rollback()

    assert counts()[1:] == (0, 0)


def test_pdf_prints_user_text_literally_and_never_clips_long_text(admin_plan, client):
    area = plans.add_process_area(admin_plan, "Ekonomi & <para>")
    long_text = " ".join(f"ord{n}" for n in range(1500))
    risk = plans.add_risk(area, plans.RiskContent("<b>Fet</b> & <para>risk</para> – å ä ö •",
                                               {Criterion.C}))
    plans.add_action(risk, plans.ActionContent(long_text))
    db.session.commit()

    response = client.get(f"/planer/{admin_plan.id}/export.pdf")

    text = pdf_text(response.data)
    assert "<b>Fet</b> & <para>risk</para> – å ä ö •" in text
    assert "Ekonomi & <para>" in text
    words = squeeze(text)
    assert all(f"ord{n}" in words for n in range(0, 1500, 7))
    assert "ord1499" in words
    assert re.search(r"Sida 1 av (\d+)", text)
    pages = int(re.search(r"Sida 1 av (\d+)", text).group(1))
    assert pages >= 2
    assert text.count("Verksamhet") >= pages  # the header repeats on every page


def test_the_cli_imports_and_exports_a_plan(runner, make_unit, tmp_path):
    make_unit("Servicenämnden", code="SN")
    source = tmp_path / "sn.csv"
    source.write_bytes(seed_bytes("servicenamnden-2023.csv"))

    imported = runner.invoke(args=["isk", "import-plan", str(source), "--unit", "SN",
                                   "--year", "2023"])
    exported = runner.invoke(args=["isk", "export-plan", "--unit", "SN", "--year", "2023",
                                   "--format", "pdf", "-o", str(tmp_path / "sn.pdf")])
    missing = runner.invoke(args=["isk", "export-plan", "--unit", "SN", "--year", "1999",
                                  "--format", "csv", "-o", str(tmp_path / "x.csv")])

    assert imported.exit_code == 0, imported.output
    assert "Importerade 7 risker och 11 åtgärder" in imported.output
    assert exported.exit_code == 0, exported.output
    text = squeeze(pdf_text((tmp_path / "sn.pdf").read_bytes()))
    for row in seed_rows("servicenamnden-2023.csv"):
        assert squeeze(row["atgard"]) in text
    assert missing.exit_code != 0
    assert "har ingen internkontrollplan för 1999" in missing.output


def test_the_cli_import_refuses_a_bad_file_and_writes_nothing(runner, make_unit, tmp_path):
    make_unit("Servicenämnden", code="SN")
    source = tmp_path / "bad.csv"
    source.write_bytes(b"verksamhet,risk\r\nA,B\r\n")

    result = runner.invoke(args=["isk", "import-plan", str(source), "--unit", "SN",
                                 "--year", "2026"])

    assert result.exit_code != 0
    assert "inget har sparats" in result.output
    assert counts() == (0, 0, 0)


def test_export_functions_keep_region_rows_marked(admin_plan):
    area = plans.add_process_area(admin_plan, "HR")
    plans.add_risk(area, plans.RiskContent("R", {Criterion.C}))
    db.session.commit()

    rows = list(exports.rows(plans.document_for(admin_plan)))

    assert rows[0][:4] == ["verksamhet", "risk", "atgard", "regionovergripande"]
    assert rows[1][:4] == ["HR", "R", "", "nej"]


def test_an_import_cannot_add_to_a_region_plan_that_adopted_plans_print(admin_plan, client,
                                                                        make_unit):
    other = plans.create_plan(make_unit("Kulturnämnden", code="KN"), 2026)
    region_plan = plans.create_plan(admin_plan.org_unit.parent, 2026)
    area = plans.add_process_area(region_plan, "HR")
    plans.add_action(plans.add_risk(area, plans.RiskContent("SAM-risk", {Criterion.C})),
                     plans.ActionContent("SAM-åtgärd"))
    db.session.commit()
    plans.adopt_plan(other, date(2025, 11, 20), "KN § 1", None)
    db.session.commit()
    data = ("verksamhet,risk,atgard,regionovergripande\r\n"
            "HR,SAM-risk,SAM-åtgärd,ja\r\nHR,Ny regionrisk,Smygåtgärd,ja\r\n").encode()
    before = counts()

    response = upload(client, admin_plan, "plan.csv", data)

    assert response.status_code == 400
    assert "Rad 3: den regionövergripande risken ”Ny regionrisk” finns inte" in page_text(response)
    assert counts() == before


def test_a_value_longer_than_its_column_is_refused_before_anything_is_written(admin_plan,
                                                                              client):
    data = ("verksamhet,risk,atgard,kalla\r\nEkonomi,R,A," + "x" * 301 + "\r\n").encode()

    response = upload(client, admin_plan, "plan.csv", data)

    assert response.status_code == 400
    assert "Rad 2, kolumn kalla: texten får vara högst 300 tecken." in page_text(response)
    assert counts()[1] == 0


def test_an_xlsx_that_unpacks_to_gigabytes_is_refused_without_unpacking_it(admin_plan, client):
    bomb = zip_bytes({"xl/worksheets/sheet1.xml": b"<" + b" " * (300 * 1024 * 1024) + b">"})
    assert len(bomb) < 1024 * 1024

    response = upload(client, admin_plan, "bomb.xlsx", bomb)

    assert response.status_code == 400
    assert "kan inte läsas som en Excel-fil" in page_text(response)


def test_an_xlsx_declaring_a_huge_sheet_is_read_only_as_wide_as_needed(admin_plan, client):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["verksamhet", "risk", "atgard"])
    sheet.append(["Ekonomi", "Risk", "Åtgärd"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    # Rewrite the declared dimension to the largest sheet Excel allows.
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    sheet_xml = files["xl/worksheets/sheet1.xml"].decode()
    files["xl/worksheets/sheet1.xml"] = re.sub(
        r'<dimension ref="[^"]+"', '<dimension ref="A1:XFD1048576"', sheet_xml).encode()

    preview = upload(client, admin_plan, "plan.xlsx", zip_bytes(files))

    assert preview.status_code == 200
    assert "1 risk och 1 åtgärd skapas" in page_text(preview)
