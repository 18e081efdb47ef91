"""Journeys through ISK in headless Chromium, and axe-core WCAG 2.1 A/AA scans of every page.

The server and the browser are shared by the session (see conftest); each test has its own
browser context, so it starts logged out and in Swedish.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from isk.services import demo

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser

CONTROLLER = "kontrollant@example.org"
ADMIN = "admin@example.org"
AUDITOR = "revisor@example.org"
READER_OTHER_NAMND = "lasare.hsn@example.org"
WRONG_PASSWORD_USER = "lasare@example.org"  # nobody else logs in as this user

PLAN_2026 = "Internkontrollplan 2026 – Servicenämnden"
PLAN_LINKS = [  # newest first, as the start page lists them
    "Internkontrollplan 2027 – Servicenämnden",  # the demo's draft, copied from 2026
    PLAN_2026,
    "Internkontrollplan 2025 – Servicenämnden",  # 2024 and 2025: copies of 2023, closed
    "Internkontrollplan 2024 – Servicenämnden",
    "Internkontrollplan 2023 – Servicenämnden",
    "Internkontrollplan 2022 – Område Medicinsk teknik",
]
SAM_RISK = "Risk att systematiskt arbetsmiljöarbete (SAM) inte är välfungerande i vardagen."
SAM_ACTIONS = [
    "Varje chef ska fullgöra sina fördelade arbetsmiljöuppgifter och bedriva ett systematiskt "
    "arbetsmiljöarbete genom att undersöka och riskbedöma alla arbetsmiljöförhållanden, sätta in "
    "åtgärder och följa upp att åtgärderna har haft effekt.",
    "Varje chef ska årligen följa upp sitt arbetsmiljöarbete enligt rutin och förbättra där det "
    "är nödvändigt.",
    "Fördelande chef ska minst årligen stämma av hur arbetsmiljöarbetet fungerar och säkerställa "
    "att det finns förutsättningar för arbetsmiljöarbetet för den som tagit emot "
    "arbetsmiljöuppgifter.",
]
AREAS_2026 = [
    "HR",
    "Informationssäkerhet",
    "Kontinuitetshantering",
    "Ekonomi",
    "Ekonomi, välfärdsbrott",
]
WRONG_CREDENTIALS = (
    "Fel e-postadress eller lösenord. Efter 10 misslyckade försök i rad spärras "
    "inloggningen i 15 minuter."
)


def area_group(page: Any, name: str) -> Any:
    """The <tbody> of one verksamhet in the plan table (exact name: "Ekonomi" ≠ "Ekonomi, …")."""
    header = page.locator("th[scope=rowgroup]", has_text=re.compile(rf"^\s*{re.escape(name)}\s*$"))
    return page.locator("table.plan-table > tbody").filter(has=header)


def active_element(page: Any) -> dict[str, str]:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return {tag: e.tagName.toLowerCase(), id: e.id, cls: e.className,"
        " text: (e.innerText || e.value || '').trim()}; }"
    )


# --- Journeys ------------------------------------------------------------------------------


def test_controller_logs_in_and_reads_the_2026_plan(page: Any, login: Any, screenshot: Any) -> None:
    response = page.goto("/logga-in")
    assert response.status == 200
    expect(page).to_have_title("Logga in – ISK")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    screenshot(page, "login")

    login(CONTROLLER)

    assert page.url.endswith("/"), page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Att göra")
    expect(page.get_by_role("heading", level=2, name="Internkontrollplaner")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Välkommen")).to_have_text(
        "Välkommen, Kim Internkontrollant."
    )
    plans_table = page.get_by_role("table", name="Internkontrollplaner som du har tillgång till")
    plan_links = plans_table.get_by_role("link", name=re.compile("^Internkontrollplan"))
    expect(plan_links).to_have_text(PLAN_LINKS)
    screenshot(page, "start")

    page.get_by_role("link", name=PLAN_2026, exact=True).click()

    expect(page).to_have_url(re.compile(r"/planer/\d+$"))
    expect(page).to_have_title(f"{PLAN_2026} – ISK")
    expect(page.get_by_role("heading", level=1)).to_have_text(PLAN_2026)
    table = page.locator("table.plan-table")
    expect(table.locator("thead th")).to_have_text(["Verksamhet", "Risk", "Åtgärd"])
    expect(table.locator("th[scope=rowgroup]")).to_have_text(AREAS_2026)

    hr = area_group(page, "HR")
    expect(hr).to_have_count(1)
    risk_cell = hr.locator("td.plan-table__risk")
    expect(risk_cell).to_have_count(1)
    expect(risk_cell.locator("p")).to_have_text(SAM_RISK)
    expect(risk_cell.get_by_text("Regionövergripande", exact=True)).to_be_visible()
    expect(hr.locator("td.plan-table__action > p")).to_have_text(SAM_ACTIONS)
    expect(hr.get_by_text("Regionövergripande åtgärd", exact=True)).to_have_count(3)
    # Only HR is marked region-wide in this plan.
    for area in AREAS_2026[1:]:
        expect(area_group(page, area).locator(".tag--region")).to_have_count(0)
    risk_cells = "td.plan-table__risk"
    expect(area_group(page, "Ekonomi").locator(risk_cells)).to_have_count(4)
    expect(area_group(page, "Ekonomi, välfärdsbrott").locator(risk_cells)).to_have_count(2)
    screenshot(page, "plan-2026")


def test_skip_link_and_login_form_work_with_the_keyboard_only(page: Any) -> None:
    page.goto("/logga-in")
    # Nothing is autofocused on arrival: the first Tab reaches the skip link.
    assert active_element(page)["tag"] == "body"
    skip_link = page.get_by_role("link", name="Hoppa till huvudinnehållet")
    expect(skip_link).not_to_be_in_viewport()  # hidden until focused

    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    box = skip_link.bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] > 0, box

    page.keyboard.press("Enter")  # follow the skip link: focus moves to <main>
    expect(page.locator("main#main")).to_be_focused()
    expect(skip_link).not_to_be_in_viewport()

    page.keyboard.press("Tab")
    expect(page.get_by_label("E-postadress")).to_be_focused()
    page.keyboard.type(CONTROLLER)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Lösenord", exact=True)).to_be_focused()
    page.keyboard.type(demo.DEMO_PASSWORD)
    page.keyboard.press("Tab")
    login_button = page.get_by_role("button", name="Logga in")
    expect(login_button).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.url.endswith("/"), page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Att göra")
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


def test_wrong_password_shows_a_swedish_message(page: Any) -> None:
    page.goto("/logga-in")
    page.get_by_label("E-postadress").fill(WRONG_PASSWORD_USER)
    page.get_by_label("Lösenord", exact=True).fill("inte-mitt-losenord")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Logga in").click()

    assert navigation.value.status == 401
    assert page.url.endswith("/logga-in"), page.url
    expect(page.get_by_role("alert")).to_have_text(WRONG_CREDENTIALS)
    expect(page.get_by_label("E-postadress")).to_have_value(WRONG_PASSWORD_USER)
    password = page.get_by_label("Lösenord", exact=True)
    expect(password).to_have_value("")
    expect(password).to_be_focused()
    expect(page.get_by_role("button", name="Logga ut")).to_have_count(0)


def test_logging_out_from_the_header_returns_to_the_login_page(page: Any, login: Any) -> None:
    login(CONTROLLER)
    logout = page.get_by_role("banner").get_by_role("button", name="Logga ut")
    expect(logout).to_be_visible()

    with page.expect_navigation():
        logout.click()

    assert page.url.endswith("/logga-in"), page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    expect(page.get_by_role("status")).to_have_text("Du är utloggad.")
    expect(page.get_by_role("button", name="Logga ut")).to_have_count(0)
    # The session really ended: the start page now asks for a login.
    response = page.goto("/")
    assert response.status == 401
    expect(page.get_by_role("status")).to_have_text("Du måste logga in för att se sidan.")


# --- Accessibility (axe-core, WCAG 2.1 A and AA) -------------------------------------------


def test_login_page_is_accessible(page: Any, assert_accessible: Any) -> None:
    page.goto("/logga-in")
    assert_accessible(page, "the login page")

    page.get_by_label("E-postadress").fill("ingen@example.org")
    page.get_by_label("Lösenord", exact=True).fill("fel-losenord")
    with page.expect_navigation():
        page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_have_text(WRONG_CREDENTIALS)
    assert_accessible(page, "the login page showing an error")


def test_start_page_and_plan_pages_are_accessible(
    page: Any, login: Any, plan_paths: dict[str, str], assert_accessible: Any
) -> None:
    login(ADMIN)  # sees every plan, the region's own included
    assert_accessible(page, "the start page")

    assert len(plan_paths) == 11  # seed plans, 2024-2025 copies, region plans, a 2027 draft
    for name, path in sorted(plan_paths.items()):
        response = page.goto(path)
        assert response.status == 200, (name, response.status)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Internkontrollplan {name}")
        assert_accessible(page, f"the plan page {name}")


def test_change_password_page_is_accessible(page: Any, login: Any, assert_accessible: Any) -> None:
    login(AUDITOR)
    page.get_by_role("link", name="Byt lösenord").click()
    expect(page).to_have_url(re.compile(r"/konto/losenord$"))
    assert_accessible(page, "the change-password page")

    with page.expect_navigation() as navigation:
        page.get_by_role("main").get_by_role("button", name="Byt lösenord").click()
    assert navigation.value.status == 400
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Rätta följande:")
    expect(summary.get_by_role("link")).to_have_count(3)
    for label in ("Nuvarande lösenord", "Nytt lösenord", "Upprepa det nya lösenordet"):
        expect(page.get_by_label(label, exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "the change-password page showing errors")


def test_admin_pages_are_accessible(page: Any, login: Any, assert_accessible: Any) -> None:
    login(ADMIN)

    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Användare").click()
    expect(page).to_have_url(re.compile(r"/admin/anvandare$"))
    users = page.get_by_role("main").get_by_role("table")
    for demo_user in demo.DEMO_USERS:
        expect(users.get_by_role("cell", name=demo_user.email, exact=True)).to_have_count(1)
    assert_accessible(page, "the user list")

    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Granskningslogg").click()
    expect(page).to_have_url(re.compile(r"/admin/granskningslogg$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Granskningslogg")
    expect(page.locator("main tbody tr").first).to_be_visible()  # at least this login
    assert_accessible(page, "the audit log")


def test_forbidden_page_is_accessible(
    page: Any, login: Any, plan_paths: dict[str, str], assert_accessible: Any, screenshot: Any
) -> None:
    login(READER_OTHER_NAMND)
    response = page.goto(plan_paths["2026 – Servicenämnden"])
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Åtkomst nekad")
    expect(page.get_by_text("Felkod 403")).to_be_visible()
    expect(page.get_by_text(SAM_RISK)).to_have_count(0)
    screenshot(page, "forbidden-403")
    assert_accessible(page, "the 403 page")


def test_not_found_page_is_accessible(page: Any, login: Any, assert_accessible: Any) -> None:
    login(CONTROLLER)
    response = page.goto("/planer/999999")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Sidan finns inte")
    expect(page.get_by_text("Felkod 404")).to_be_visible()
    assert_accessible(page, "the 404 page")


def test_english_start_page_is_accessible(page: Any, login: Any, assert_accessible: Any) -> None:
    login(CONTROLLER)
    expect(page.locator("html")).to_have_attribute("lang", "sv")

    with page.expect_navigation():
        page.get_by_role("contentinfo").get_by_role("button", name="In English").click()

    assert page.url.endswith("/"), page.url
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("To do")
    expect(page.get_by_role("heading", level=2, name="Internal control plans")).to_be_visible()
    expect(page.get_by_role("button", name="På svenska")).to_be_visible()
    assert_accessible(page, "the start page in English")
