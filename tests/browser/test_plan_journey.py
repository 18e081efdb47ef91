"""An IK-plan from start to PDF in Chromium: new plan, verksamhet, risk, åtgärd, adopt, print."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest
from playwright.sync_api import expect

from ..plan_helpers import pdf_text, squeeze

pytestmark = pytest.mark.browser

ADMIN = "admin@example.org"
RISK = "Risken att leverantörsfakturor inte betalas i tid."
ACTION = "Månadsvisa kontroller av ej attesterade fakturor i ekonomisystemet."


def test_a_plan_is_built_adopted_and_printed_through_the_forms(
    page: Any, login: Any, screenshot: Any, assert_accessible: Any, tmp_path: Any
) -> None:
    login(ADMIN)
    page.get_by_role("link", name="Ny internkontrollplan").click()
    assert_accessible(page, "the new-plan form")
    page.get_by_label("Enhet").select_option(label="Hälso- och sjukvårdsnämnden (nämnd)")
    page.get_by_label("År").fill("2027")
    page.get_by_role("button", name="Skapa utkast").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Internkontrollplan 2027 – Hälso- och sjukvårdsnämnden")
    plan_url = page.url

    page.get_by_role("link", name="Ny verksamhet").click()
    page.get_by_label("Verksamhet").fill("Ekonomi")
    assert_accessible(page, "the new-verksamhet form")
    page.get_by_role("button", name="Spara verksamhet").click()
    expect(page.get_by_role("status").filter(has_text="Verksamheten")).to_be_visible()

    page.get_by_role("link", name="Ny risk", exact=True).first.click()
    page.get_by_role("button", name="Spara risk").click()  # empty: the form says what is wrong
    expect(page.get_by_text("Beskriv risken.").first).to_be_visible()
    assert_accessible(page, "the risk form with errors")
    page.get_by_label("Risk", exact=True).fill(RISK)
    page.get_by_label("c) Efterlevnad").check()
    page.get_by_label("d) Rättvisande").check()
    page.get_by_label("Sannolikhet (1-4)").select_option("3")
    page.get_by_label("Konsekvens (1-4)").select_option("4")
    page.get_by_label("Källa").fill("Revisionsrapport 19RS3049")
    page.get_by_role("button", name="Spara risk").click()
    expect(page.get_by_text("1 risk saknar åtgärd")).to_be_visible()

    page.get_by_role("link", name=re.compile("^Lägg till åtgärd")).click()
    assert_accessible(page, "the action form")
    page.get_by_label("Åtgärd", exact=True).fill(ACTION)
    page.get_by_label("Ansvarig").fill("Ekonomichef")
    page.get_by_label("Klar senast").fill("2027-06-30")
    page.get_by_role("button", name="Spara åtgärd").click()
    expect(page.get_by_text("saknar åtgärd")).to_have_count(0)
    table = page.locator("table.plan-table")
    expect(table).to_contain_text(RISK)
    expect(table).to_contain_text(ACTION)
    expect(table).to_contain_text("Riskvärde: 12 (3 × 4)")
    expect(page.get_by_label("1 risk med sannolikhet 3 och konsekvens 4 (riskvärde 12)")
           ).to_be_visible()
    assert_accessible(page, "the plan page while editing")
    screenshot(page, "plan-editing")

    page.get_by_role("link", name="Fastställ", exact=True).click()
    assert_accessible(page, "the adopt form")
    page.get_by_label("Beslutsdatum").fill("2026-11-19")
    page.get_by_label("Paragraf").fill("HSN § 12")
    page.get_by_label("Diarienummer").fill("HSN 2026/88")
    page.get_by_role("button", name="Fastställ planen").click()
    expect(page.get_by_role("status").filter(has_text="Planen är fastställd")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("HSN § 12, 2026-11-19")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF för nämnden").click()
    pdf_path = tmp_path / "plan.pdf"
    download_info.value.save_as(pdf_path)
    text = pdf_text(pdf_path.read_bytes())
    assert "Internkontrollplan 2027 – Hälso- och sjukvårdsnämnden" in text
    assert "Fastställd: HSN § 12, 2026-11-19" in text
    assert squeeze(RISK) in squeeze(text) and squeeze(ACTION) in squeeze(text)

    page.goto(plan_url)
    page.get_by_role("link", name=re.compile("^Versioner")).click()
    expect(page.get_by_role("cell", name="Fastställd (HSN § 12, 2026-11-19)")).to_be_visible()
    assert_accessible(page, "the version history")
    page.get_by_role("link", name="Visa version 1").click()
    expect(page.locator("table.plan-table")).to_contain_text(ACTION)
    assert_accessible(page, "version 1 of the plan")

    page.goto(plan_url)
    page.get_by_role("link", name=re.compile("^Arkivera.*Månadsvisa")).click()
    assert_accessible(page, "the archive confirmation of an adopted plan's åtgärd")
    page.get_by_role("button", name="Arkivera").click()
    expect(page.get_by_text("Ange varför den ändras").first).to_be_visible()
    page.get_by_label("Anledning till ändringen").fill("Åtgärden ersätts av en ny rutin.")
    page.get_by_role("button", name="Arkivera").click()
    expect(page.get_by_text("Ändringen är sparad som en ny version av planen.")).to_be_visible()
    expect(page.get_by_text("1 risk saknar åtgärd")).to_be_visible()


def test_a_plan_is_imported_with_a_preview(
    page: Any, login: Any, assert_accessible: Any, screenshot: Any, tmp_path: Any
) -> None:
    login(ADMIN)
    page.get_by_role("link", name="Ny internkontrollplan").click()
    page.get_by_label("Enhet").select_option(
        label="Hälso- och sjukvårdsförvaltningen (förvaltning)")
    page.get_by_label("År").fill("2023")
    page.get_by_role("button", name="Skapa utkast").click()
    page.get_by_role("link", name="Importera").click()
    assert_accessible(page, "the import form")

    source = tmp_path / "servicenamnden-2023.csv"
    source.write_bytes(resources.files("isk.demo_data").joinpath(source.name).read_bytes())
    page.get_by_label("Fil (CSV eller XLSX)").set_input_files(str(source))
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Förhandsgranska import")
    expect(page.get_by_text("finns redan i regionens plan och delas")).to_be_visible()
    assert_accessible(page, "the import preview")
    screenshot(page, "import-preview")
    page.get_by_role("button", name="Importera").click()

    expect(page.get_by_role("status").filter(has_text="Importen är klar")).to_be_visible()
    expect(page.locator("table.plan-table")).to_contain_text(
        "Påbörja arbetet med att förstärka och renovera elförsörjningen")
