"""SAM in headless Chromium: a round from start to avstämning, and axe scans of the SAM pages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from isk.services import clock

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser

ADMIN = "admin@example.org"
HR = "hr@example.org"
ELIN = "enhetschef.service@example.org"  # an enhetschef under Maria Chef
MARIA = "chef@example.org"  # Elin's fördelande chef, and a chef herself
NBSP = "\u00a0"


def log_out(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("banner").get_by_role("button", name="Logga ut").click()


def row_text(page: Any, name: str) -> str:
    """The text of the shares table row whose header cell is `name`, spaces normalised."""
    header = page.locator("th[scope=row]", has_text=re.compile(rf"^\s*{name}\s*$"))
    row = page.locator("table.sam-shares tbody tr").filter(has=header)
    return re.sub(r"\s+", " ", row.inner_text().replace(NBSP, " ")).strip()


def test_a_round_from_start_to_avstamning(
    page: Any, login: Any, assert_accessible: Any, screenshot: Any
) -> None:
    year = clock.today().year + 1  # the demo already has this year's round
    due = clock.today() + timedelta(days=30)
    title = f"SAM-uppföljning {year} – Servicenämnden"

    # An admin starts the round for Servicenämnden.
    login(ADMIN)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="SAM").click()
    page.get_by_role("link", name="Starta en runda").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Starta en SAM-runda")
    page.get_by_label("Del av organisationen").select_option(label="\u2003Servicenämnden")
    page.get_by_label("År").fill(str(year))
    page.get_by_label("Sista dag för svar och kvittering").fill(due.isoformat())
    expect(page.get_by_label("Checklista")).to_contain_text("samverkan med skyddsombud")
    assert_accessible(page, "the start-a-round page")
    screenshot(page, "sam-round-start")
    with page.expect_navigation():
        page.get_by_role("button", name="Starta rundan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("status")).to_have_text(
        f"SAM-rundan {year} för Servicenämnden är startad med 7 uppföljningar."
    )
    assert "Servicenämnden 7 0 av 7 (0 %)" in row_text(page, "Servicenämnden")
    log_out(page)

    # Elin answers, returns a task and kvitterar.
    login(ELIN)
    todo = page.get_by_role("region", name="Att göra i SAM")
    todo.get_by_role(
        "link", name=f"Din årliga uppföljning av SAM {year} – Enhet Medicinteknisk service"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"SAM-uppföljning {year} – Elin Enhetschef"
    )
    groups = page.get_by_role("group", name=re.compile(r"^\d+\. "))
    expect(groups).to_have_count(7)
    for index in range(7):
        groups.nth(index).get_by_label("Ja", exact=True).check()
    second = groups.nth(1)
    second.get_by_label("Delvis", exact=True).check()
    second.get_by_label("Kommentar till fråga 2").fill("Budgeten räcker inte för skyddsronder.")
    assert_accessible(page, "a chef's follow-up form")
    with page.expect_navigation():
        page.get_by_role("button", name="Spara svaren").click()
    expect(page.get_by_role("status")).to_have_text("Svaren är sparade. Kvittera när du är klar.")
    expect(
        page.get_by_role("group", name=re.compile(r"^2\. ")).get_by_label("Delvis", exact=True)
    ).to_be_checked()

    page.get_by_text("Returnera en uppgift", exact=True).click()
    page.get_by_label("Arbetsmiljöuppgift som returneras").fill("Brandskydd i verkstaden")
    page.get_by_label("Skäl").fill("Lokalerna hyrs och jag har ingen budget för åtgärder.")
    with page.expect_navigation():
        page.get_by_role("button", name="Returnera uppgiften").click()
    expect(page.get_by_role("status")).to_have_text(
        "Uppgiften är returnerad till din fördelande chef."
    )
    screenshot(page, "sam-follow-up")

    page.get_by_label(
        "Jag kvitterar att svaren stämmer. Efter kvitteringen kan de inte ändras."
    ).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Kvittera uppföljningen").click()
    expect(page.get_by_role("status")).to_have_text(
        "Uppföljningen är kvitterad och skickad till din fördelande chef."
    )
    expect(page.get_by_text(re.compile(r"^Kvitterad av Elin Enhetschef "))).to_be_visible()
    expect(page.get_by_role("button", name="Spara svaren")).to_have_count(0)
    assert_accessible(page, "a kvitterad follow-up")
    log_out(page)

    # Maria, the fördelande chef, stämmer av.
    login(MARIA)
    page.get_by_role("region", name="Att göra i SAM").get_by_role(
        "link", name=f"Stäm av uppföljningen av SAM {year} för Elin Enhetschef"
    ).click()
    expect(page.get_by_text("Brandskydd i verkstaden", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Markera som avstämd")).to_have_count(0)
    assert_accessible(page, "a follow-up to stämma av")
    # The returned task is answered first: how it is handled from now on.
    page.get_by_label("Hur hanteras uppgiften nu?").fill(
        "Fastighetsenheten tar över brandskyddet i verkstaden från maj.")
    with page.expect_navigation():
        page.get_by_role("button", name="Spara svaret").click()
    expect(page.get_by_role("status")).to_have_text(
        "Svaret på den returnerade uppgiften är sparat.")
    with page.expect_navigation():
        page.get_by_role("button", name="Markera som avstämd").click()
    expect(page.get_by_role("status")).to_have_text("Uppföljningen är avstämd.")
    expect(page.get_by_text(re.compile(r"^Avstämd av Maria Chef "))).to_be_visible()
    log_out(page)

    # The overview counts it: 1 of the 7 chefs, 1 of the 3 in Medicinsk teknik.
    login(HR)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="SAM").click()
    page.get_by_role("link", name=f"SAM {year} – Servicenämnden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    assert row_text(page, "Servicenämnden") == (
        "Servicenämnden 7 1 av 7 (14 %) 1 av 7 (14 %) 1 av 7 (14 %) 0 Ej uppnått"
    )
    assert row_text(page, "Område Medicinsk teknik") == (
        "Område Medicinsk teknik 3 1 av 3 (33 %) 1 av 3 (33 %) 1 av 3 (33 %) 0 Ej uppnått"
    )
    assert row_text(page, "Enhet Medicinteknisk service") == (
        "Enhet Medicinteknisk service 1 1 av 1 (100 %) 1 av 1 (100 %) 1 av 1 (100 %) 0 Uppnått"
    )
    concerns = page.get_by_role("table", name="Svar delvis och nej")
    expect(concerns).to_contain_text("Budgeten räcker inte för skyddsronder.")
    expect(page.get_by_role("table", name="Returnerade arbetsmiljöuppgifter")).to_contain_text(
        "Brandskydd i verkstaden"
    )
    assert_accessible(page, "the SAM overview")
    screenshot(page, "sam-overview")

    page.get_by_role("link", name="Område Medicinsk teknik", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"SAM-uppföljning {year} – Område Medicinsk teknik"
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="Exportera till PDF").click()
    assert download.value.suggested_filename == f"SAM-uppfoljning-{year}-MT.pdf"


def test_the_demo_round_shows_every_state_and_its_pages_are_accessible(
    page: Any, login: Any, assert_accessible: Any
) -> None:
    year = clock.today().year
    login(MARIA)
    todo = page.get_by_role("region", name="Att göra i SAM")
    expect(
        todo.get_by_role("link", name=f"Stäm av uppföljningen av SAM {year} för Elin Enhetschef")
    ).to_be_visible()
    todo.get_by_role("link", name=re.compile(rf"^Din årliga uppföljning av SAM {year}")).click()
    expect(
        page.get_by_role("group", name=re.compile(r"^4\. ")).get_by_label("Delvis", exact=True)
    ).to_be_checked()
    assert_accessible(page, "the demo chef's own follow-up")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="SAM").click()
    assert_accessible(page, "the SAM start page of a chef")
    log_out(page)

    login(ADMIN)
    page.goto("/sam/")
    page.get_by_role("link", name=f"SAM {year} – Servicenämnden").click()
    for status in ("Ej påbörjad", "Besvarad", "Kvitterad", "Avstämd", "Återsänd"):
        expect(
            page.get_by_role("table", name="Chefernas uppföljningar")
            .get_by_text(status, exact=True)
            .first
        ).to_be_visible()
    expect(page.get_by_role("table", name="Försenade uppföljningar")).to_contain_text(
        "Oskar Enhetschef"
    )
    page.goto("/sam/chefer")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chefskedjan")
    assert_accessible(page, "the manager chain")
    page.get_by_role("link", name="Lägg till en chef").click()
    assert_accessible(page, "the add-a-chef form")
