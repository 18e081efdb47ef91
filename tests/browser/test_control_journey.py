"""A control from plan to PDF in Chromium: plan it, upload a population, draw a stickprov, mark
two deviations, record the kontrollutfall from the stickprov's evaluation with evidence, and
print the follow-up report; then import a region's follow-up table."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from ..plan_helpers import pdf_text, squeeze

pytestmark = pytest.mark.browser

CONTROLLER = "kontrollant@example.org"
DESCRIPTION = "Fakturor i byggprojekt stäms av mot beställning (webbtest)"


def population() -> bytes:
    lines = ["fakturanr;belopp;konto"]
    lines += [f"BP-{n:04d};{n * 113 % 9000 + 500},00;{5400 + n % 3}" for n in range(1, 121)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_a_controller_draws_a_sample_records_the_outcome_and_prints_the_follow_up(
    page: Any, login: Any, plan_paths: dict[str, str], screenshot: Any,
    assert_accessible: Any, artifacts_dir: Any,
) -> None:
    login(CONTROLLER)
    page.goto(plan_paths["2026 – Servicenämnden"])
    page.get_by_role("link", name="Kontroller och uppföljning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontroller och uppföljning")
    assert_accessible(page, "the controls list")
    screenshot(page, "control-list")

    page.get_by_role("link", name="Ny kontroll").click()
    target = page.locator("#target option", has_text="Kontroll mot avtal").first
    page.get_by_label("Vad kontrollen följer upp").select_option(target.get_attribute("value"))
    page.get_by_label("Genomförd internkontroll (vad kontrolleras)").fill(DESCRIPTION)
    page.get_by_label("Kontrollmetod", exact=True).fill(
        "Stickprov på fakturor: varje faktura stäms av mot beställningen.")
    page.get_by_label("Typ av kontroll (valfritt)").select_option(label="Stickprov")
    page.get_by_label("T2", exact=True).check()
    assert_accessible(page, "the control form")
    page.get_by_role("button", name="Spara kontroll").click()
    expect(page.get_by_role("status").filter(has_text="Kontrollen är tillagd")).to_be_visible()
    assert_accessible(page, "the control page")

    page.get_by_role("link", name="Nytt stickprov").click()
    page.get_by_label("Populationsfil (CSV eller XLSX)").set_input_files(
        {"name": "byggfakturor.csv", "mimeType": "text/csv", "buffer": population()})
    assert_accessible(page, "the population upload")
    page.get_by_role("button", name="Läs in populationen").click()
    expect(page.get_by_text("byggfakturor.csv")).to_be_visible()
    assert_accessible(page, "the draw form")
    page.get_by_label("Bestämd efter bedömning (motivera)").check()
    page.get_by_label("Antal poster (vid bedömning)").fill("12")
    page.get_by_label("Motivering (vid bedömning)").fill(
        "Få fakturor i perioden; tolv räcker för att se om rutinen följs.")
    page.get_by_label("Frö").fill("webbtest-1")
    page.get_by_role("button", name="Dra stickprovet").click()
    expect(page.get_by_text("Stickprovet är draget: 12 poster.")).to_be_visible()

    ids = page.locator("table.sample-items tbody th").all_inner_texts()
    assert len(ids) == 12
    for item_id in ids:
        page.get_by_label(f"Resultat för post {item_id}", exact=True).select_option("ok")
    for item_id in ids[2:4]:
        page.get_by_label(f"Resultat för post {item_id}", exact=True).select_option("deviation")
        page.get_by_label(f"Kommentar för post {item_id}", exact=True).fill("Beställning saknas")
    page.get_by_role("button", name="Spara resultat").click()
    expect(page.get_by_text("Granskade poster: 12 av 12.")).to_be_visible()
    expect(page.locator("#slutsats")).to_contain_text("Kontrollen kan inte förlitas på")
    expect(page.locator("#slutsats")).to_contain_text("2 avvikelser av 12 poster")
    assert_accessible(page, "the sample page with its evaluation")
    screenshot(page, "control-sample")

    page.get_by_role("link", name="Ompröva: populationsfil och omdragning").click()
    page.get_by_role("button", name="Dra om urvalet").click()
    expect(page.get_by_text("Samma 12 poster i samma ordning")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Till stickprovet")).click()

    page.get_by_role("link", name="Registrera kontrollutfall").click()
    # The form starts from the stickprov's evaluation; the controller writes it as it is to
    # be printed.
    expect(page.get_by_text("Förifyllt från stickprovets utvärdering")).to_be_visible()
    expect(page.get_by_label("Utförd", exact=True)).to_be_checked()
    expect(page.get_by_label("Resultatkategori (valfritt)")).to_have_value("findings")
    expect(page.get_by_label("Uppföljning/resultat av kontrollen")).to_contain_text(
        "Kontrollen kan inte förlitas på")
    page.get_by_label("Utfört (datum, vecka, månad, period)").fill("vecka 21")
    page.get_by_label("Uppföljning/resultat av kontrollen").fill(
        "Två beställningar saknades bland tolv fakturor.")
    page.get_by_label("Eventuella åtgärder/förändringar").fill("Projektledarna påminda.")
    page.get_by_label("Åtgärdernas status (valfritt)").select_option(label="Åtgärder vidtagna")
    page.get_by_label("Underlag").set_input_files(
        {"name": "avstamning.txt", "mimeType": "text/plain",
         "buffer": "Avstämning byggprojekt maj 2026\n".encode()})
    assert_accessible(page, "the kontrollutfall form")
    page.get_by_role("button", name="Spara kontrollutfall").click()
    expect(page.get_by_role("link", name="avstamning.txt")).to_be_visible()

    page.get_by_role("link", name="Kontroller", exact=True).click()
    page.get_by_role("link", name="T2 (maj–augusti)").click()
    row = page.locator("table.followup-table tr", has_text=DESCRIPTION)
    expect(row).to_contain_text("Två beställningar saknades")
    expect(row).to_contain_text("vecka 21")
    assert_accessible(page, "the follow-up report")
    page.get_by_role("link", name="Helår (januari–december)").click()
    report = page.locator("table.followup-table")
    expect(report).to_contain_text(DESCRIPTION)
    expect(report).to_contain_text("Ej utfört")
    expect(report.locator("th", has_text="Regionövergripande")).to_be_visible()
    expect(report.locator("th", has_text="Kontrollområden")).to_be_visible()
    screenshot(page, "control-report")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF för nämnden").click()
    pdf_path = artifacts_dir / "control-followup.pdf"  # kept with the screenshots
    download_info.value.save_as(pdf_path)
    printed = squeeze(pdf_text(pdf_path.read_bytes()))
    assert squeeze(DESCRIPTION) in printed
    assert squeeze("Två beställningar saknades bland tolv fakturor.") in printed
    assert squeeze("vecka 21") in printed and squeeze("Projektledarna påminda.") in printed
    assert squeeze("Utfört (datum, vecka, månad, period)") in printed
    assert re.search("Ejutfört", printed)


FOLLOWUP_TABLE = (
    "Genomförd internkontroll;Kontrollmetod;Utfört;Uppföljning/resultat;Eventuella åtgärder\n"
    "Kassahantering (webbtest);Oanmäld kassainventering;vecka 44;Kassan stämde;\n"
    "Fordon (webbtest);Körjournaler mot bränslekort;Ej utfört;Data saknades;Ny rapport\n"
)


def test_a_controller_imports_a_follow_up_table_after_a_preview(
    page: Any, login: Any, plan_paths: dict[str, str], screenshot: Any,
    assert_accessible: Any,
) -> None:
    login(CONTROLLER)
    page.goto(plan_paths["2026 – Servicenämnden"])
    page.get_by_role("link", name="Kontroller och uppföljning").click()
    page.get_by_role("link", name="Importera uppföljningstabell").click()
    assert_accessible(page, "the follow-up import")
    page.get_by_label("Uppföljningstabell (CSV eller XLSX)").set_input_files(
        {"name": "uppfoljning.csv", "mimeType": "text/csv",
         "buffer": FOLLOWUP_TABLE.encode("utf-8")})
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(page.get_by_text("Inget är sparat ännu")).to_be_visible()
    expect(page.get_by_text("1 rad anger att kontrollen inte utfördes.")).to_be_visible()
    assert_accessible(page, "the follow-up import preview")
    screenshot(page, "followup-import-preview")
    page.get_by_role("button", name="Importera").click()
    expect(page.get_by_role("status").filter(has_text="Importen är klar")).to_be_visible()
    row = page.locator("table.followup-table tr", has_text="Fordon (webbtest)")
    expect(row).to_contain_text("Ej utfört")
    expect(row).to_contain_text("Data saknades")
    assert_accessible(page, "the helår follow-up report")
    screenshot(page, "followup-helar")
