"""The revisor in Chromium: reads and filters the granskningslogg, checks its integrity, and
reperforms the demo's stickprov; axe-core scans each page, also at a phone's width."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from isk.extensions import db

pytestmark = pytest.mark.browser

AUDITOR = "revisor@example.org"
PHONE = {"width": 390, "height": 844}


def fits_the_width(page: Any) -> bool:
    """No sideways scrolling, even with every folded-away detail opened."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_revisor_filters_the_log_and_checks_its_integrity(
    page: Any, login: Any, assert_accessible: Any, screenshot: Any
) -> None:
    login(AUDITOR)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Granskningslogg").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Granskningslogg")
    assert_accessible(page, "the audit log")

    page.get_by_label("Händelse").select_option(label="Plan fastställd")
    page.get_by_role("button", name="Visa", exact=True).click()
    expect(page).to_have_url(re.compile(r"handelse=plan_adopted"))
    rows = page.locator("main table.audit-table tbody tr")
    expect(rows.first).to_be_visible()
    for index in range(rows.count()):
        expect(rows.nth(index).get_by_role("rowheader")).to_have_text("Plan fastställd")
    expect(rows.first).to_contain_text("Status")
    screenshot(page, "audit-log-filtered")

    page.get_by_role("button", name="Kontrollera loggens integritet").click()
    expect(page.get_by_role("status").first).to_contain_text("Granskningsloggen är hel")
    assert_accessible(page, "the audit log after the integrity check")

    rows.first.get_by_role("link", name=re.compile(r"^Historik")).click()
    expect(page).to_have_url(re.compile(r"objekttyp=Plan&objekt=\d+"))
    expect(page.get_by_text(re.compile(r"Historik för Internkontrollplan \d+"))).to_be_visible()

    page.get_by_role("link", name="Visa hela loggen").click()
    assert fits_the_width(page), "the audit log scrolls sideways at 1280 px"
    page.set_viewport_size(PHONE)
    page.reload()
    assert fits_the_width(page), "the audit log scrolls sideways at 390 px"
    screenshot(page, "audit-log-390")
    assert_accessible(page, "the audit log at 390 px")


@pytest.fixture
def sample_path(live_app: Flask) -> str:
    from isk.models import Control, Sample

    with live_app.app_context():
        sample = db.session.scalars(db.select(Sample).order_by(Sample.id)).first()
        control = db.session.get(Control, sample.control_id)
        path = f"/planer/{control.plan_id}/kontroller/{control.id}/stickprov/{sample.id}"
        db.session.remove()
    return path


def test_the_revisor_reperforms_the_demo_stickprov(
    page: Any, login: Any, sample_path: str, assert_accessible: Any, screenshot: Any
) -> None:
    login(AUDITOR)
    page.goto(sample_path)
    page.get_by_role("link", name="Ompröva: populationsfil och omdragning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Omprövning av stickprovet")
    expect(page.locator("#checksum-status")).to_contain_text("Kontrollsumman stämmer")
    expect(page.get_by_role("link", name="Hämta populationsfilen")).to_be_visible()

    page.get_by_role("button", name="Dra om urvalet").click()
    expect(page.get_by_role("status").first).to_contain_text(
        re.compile(r"Samma \d+ poster i samma ordning"))
    screenshot(page, "reperformance")
    assert_accessible(page, "the reperformance page")

    page.set_viewport_size(PHONE)
    assert fits_the_width(page), "the reperformance page scrolls sideways at 390 px"
