"""Closing the year in Chromium: a controller drafts the ISK-bedömning, the förvaltningschef
fastställer it, the PDF downloads, and a later change asks for a reason and shows as a
version with its diff."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ..plan_helpers import pdf_text, squeeze

pytestmark = pytest.mark.browser

CONTROLLER = "kontrollant@example.org"
SIGNER = "forvaltningschef@example.org"
MOTIVATION = "Kontrollerna visade inga väsentliga brister och planens åtgärder är genomförda."
CHANGED = "Efter revisionens granskning: en brist i attestordningen har tillkommit."


def logout(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Logga ut").click()


def test_an_assessment_is_drafted_adopted_printed_and_changed_with_a_reason(
    page: Any, login: Any, screenshot: Any, assert_accessible: Any, tmp_path: Path
) -> None:
    login(CONTROLLER)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link",
                                                              name="Bedömningar").click()
    assert_accessible(page, "the list of assessments")
    page.get_by_label("Nämnd eller förvaltning").select_option(label="Regionservice (förvaltning)")
    page.get_by_label("År", exact=True).fill(str(date.today().year))
    page.get_by_label("Helår").check()
    page.get_by_role("button", name="Skapa utkast").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ISK-bedömning helår")
    assessment_url = page.url
    assert_accessible(page, "a draft assessment with its evidence")
    screenshot(page, "assessment-draft")

    page.get_by_label("Tillräcklig", exact=True).check()
    page.get_by_label("Motivering").fill(MOTIVATION)
    for letter in "abcde":
        page.get_by_label(re.compile(rf"^{letter}\) ")).fill(f"Kommentar till krav {letter}.")
    page.get_by_role("button", name="Spara bedömningen").click()
    expect(page.get_by_role("status").filter(has_text="Bedömningen är sparad")).to_be_visible()
    page.get_by_label("Förbättringsområde", exact=True).fill("Stickprov på fakturor varje tertial.")
    page.get_by_role("button", name="Lägg till").click()
    expect(page.get_by_text("Stickprov på fakturor varje tertial.").first).to_be_visible()
    expect(page.get_by_role("link", name="Fastställ")).to_have_count(0)  # not the controller's
    logout(page)

    login(SIGNER)
    page.goto(assessment_url)
    page.get_by_role("link", name="Fastställ", exact=True).click()
    assert_accessible(page, "the adoption form")
    page.get_by_label("Beslutsdatum").fill(date.today().isoformat())
    page.get_by_label("Paragraf").fill("RS § 14")
    page.get_by_role("button", name="Fastställ bedömningen").click()
    expect(page.get_by_role("status").filter(has_text="Bedömningen är fastställd")).to_be_visible()
    expect(page.locator(".facts").first).to_contain_text("RS § 14")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF för nämnden").click()
    pdf = tmp_path / "bedomning.pdf"
    download_info.value.save_as(pdf)
    text = squeeze(pdf_text(pdf.read_bytes()))
    assert squeeze("Uppföljning av intern styrning och kontroll") in text
    assert squeeze("Tillräcklig") in text and squeeze(MOTIVATION) in text
    assert squeeze("RS § 14") in text
    logout(page)

    login(CONTROLLER)
    page.goto(assessment_url)
    page.get_by_label("Motivering").fill(CHANGED)
    page.get_by_role("button", name="Spara bedömningen").click()
    expect(page.get_by_text("Ange varför den ändras").first).to_be_visible()
    assert_accessible(page, "a change refused for want of a reason")
    page.get_by_label("Anledning till ändringen").first.fill("Revisionsrapport 26RS101")
    page.get_by_role("button", name="Spara bedömningen").click()
    expect(page.get_by_role("status").filter(has_text="ny version")).to_be_visible()
    page.get_by_role("link", name="Version 2").click()
    diff = page.locator("table.diff-table")
    expect(diff).to_contain_text(MOTIVATION)
    expect(diff).to_contain_text(CHANGED)
    expect(page.get_by_text("Revisionsrapport 26RS101")).to_be_visible()
    assert_accessible(page, "a version with its diff")
    screenshot(page, "assessment-version-diff")
