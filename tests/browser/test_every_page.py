"""Every page of the demo, for each role, at a phone's width (390 px) and a laptop's (1366 px):
none is wider than the window, and axe-core finds no WCAG 2.1 A/AA violation.

Each role starts at its start page and follows every link it is shown, one page per kind
(the same path with other ids, or other values of the same query keys, is the same kind), with
every folded-away part (<details>, the header's menu on a phone) opened. Downloads and the
audit log's many filter combinations beyond the first are left out.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from isk.services import demo

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}
ROLES = {  # one demo user per role; the chef is also a fördelande chef
    "admin": "admin@example.org",
    "controller": "kontrollant@example.org",
    "manager": "chef@example.org",
    "reader": "lasare@example.org",
    "auditor": "revisor@example.org",
    "hr": "hr@example.org",
}
NOT_PAGES = re.compile(r"\.(pdf|xlsx|csv)$|/population$|/underlag/")
MAX_PAGES = 150
WIDTH_SCRIPT = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const root = document.documentElement;
  const wide = [];
  if (root.scrollWidth > root.clientWidth) {
    for (const e of document.body.querySelectorAll('*')) {
      if (e.parentElement && e.parentElement.closest('.table-scroll')) continue;
      const r = e.getBoundingClientRect();
      if (r.width > 0 && r.right > root.clientWidth + 1) wide.push(e.tagName + '.' + e.className);
      if (wide.length > 4) break;
    }
  }
  return {scroll: root.scrollWidth, client: root.clientWidth, wide};
}"""


def kind_of(path: str) -> str:
    """A page's kind: its path with ids as N, and the names of its query keys."""
    parts = urlsplit(path)
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"/\d+", "/N", parts.path) + "?" + ",".join(keys)


def links_on(page: Any) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = []
    for href in hrefs:
        href = href.split("#")[0]
        if href.startswith("/") and not href.startswith("//") and not NOT_PAGES.search(
                urlsplit(href).path):
            found.append(href)
    return found


def crawl(page: Any, start: str = "/", on_page: Any = None) -> list[str]:
    """The pages of every kind the logged-in user can reach by following links; `on_page(path)`
    is called on each while it is open."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if kind_of(path) in seen:
            continue
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        seen[kind_of(path)] = path
        if on_page is not None:
            on_page(path)
        queue += [link for link in links_on(page) if kind_of(link) not in seen]
    return list(seen.values())


def fits(page: Any) -> dict[str, Any]:
    return page.evaluate(WIDTH_SCRIPT)


def test_every_page_fits_a_phone_and_a_laptop_for_every_role(
    browser: Any, live_server: str, assert_accessible: Any, screenshot: Any
) -> None:
    checked_by_axe: set[tuple[str, int]] = set()
    too_wide: list[str] = []
    pages = 0
    for role, email in ROLES.items():
        context = browser.new_context(base_url=live_server, locale="sv-SE", viewport=PHONE)
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto("/logga-in")
        page.get_by_label("E-postadress").fill(email)
        page.get_by_label("Lösenord", exact=True).fill(demo.DEMO_PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Logga in").click()
        def check(path: str, viewport: dict[str, int], page: Any = page, role: str = role) -> None:
            nonlocal pages
            width = fits(page)
            pages += 1
            if width["scroll"] > width["client"]:
                too_wide.append(f"{role} {viewport['width']} px {path}: {width}")
            kind = (kind_of(path), viewport["width"])
            if kind not in checked_by_axe:
                checked_by_axe.add(kind)
                assert_accessible(page, f"{path} as {role} at {viewport['width']} px")

        # The crawl runs at the phone's width and checks each page as it goes; then the laptop.
        paths = crawl(page, on_page=lambda path: check(path, PHONE))
        assert len(paths) >= 10, (role, paths)
        page.goto("/")
        screenshot(page, f"start-{role}-{PHONE['width']}")
        page.set_viewport_size(LAPTOP)
        for path in paths:
            page.goto(path)
            check(path, LAPTOP)
        page.goto("/")
        screenshot(page, f"start-{role}-{LAPTOP['width']}")
        context.close()

    assert too_wide == [], "\n".join(too_wide)
    assert pages > 200


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
def test_the_header_menu_search_and_help_at_both_widths(
    page: Any, login: Any, viewport: dict[str, int], assert_accessible: Any, screenshot: Any
) -> None:
    page.set_viewport_size(viewport)
    login("kontrollant@example.org")
    banner = page.get_by_role("banner")
    if viewport is PHONE:
        menu_toggle = banner.get_by_text("Meny", exact=True)
        expect(menu_toggle).to_be_visible()
        expect(banner.get_by_role("link", name="Hjälp")).to_be_hidden()
        menu_toggle.click()
    expect(banner.get_by_role("navigation", name="Huvudmeny")
           .get_by_role("link", name="Hjälp")).to_be_visible()
    screenshot(page, f"header-open-{viewport['width']}")
    assert fits(page)["scroll"] <= viewport["width"]

    search = banner.get_by_role("searchbox", name="Sök i ISK")
    search.fill("faktur")
    with page.expect_navigation():
        search.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sök")
    expect(page.get_by_role("heading", level=2, name=re.compile(r"^Risker"))).to_be_visible()
    expect(page.locator("main mark").first).to_be_visible()
    screenshot(page, f"search-{viewport['width']}")
    assert_accessible(page, f"the search results at {viewport['width']} px")

    page.goto("/hjalp")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hjälp för internkontrollant")
    screenshot(page, f"help-{viewport['width']}")
    assert_accessible(page, f"the help page at {viewport['width']} px")
