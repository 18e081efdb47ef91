"""The systemförvaltare in Chromium: invites a user, the invitation arrives at a real local SMTP
server, the user chooses a password through the link and logs in; the admin deactivates them
and the login is refused. Then the organisation tree: a unit is created, moved and archived."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from isk.extensions import db

from ..mail_helpers import Mailbox, smtp_server

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser

ADMIN = "admin@example.org"
NEW_USER = "nina.ny@example.org"
NEW_PASSWORD = "en mening som lösenord"


@pytest.fixture
def mailbox(live_app: Flask, live_server: str, monkeypatch: pytest.MonkeyPatch,
            ) -> Iterator[Mailbox]:
    """A real SMTP server; the live app sends to it, with links back to the live server."""
    try:
        import aiosmtpd  # noqa: F401
    except ImportError as error:  # pragma: no cover - a dev dependency
        from ..conftest import skip_or_fail

        skip_or_fail(f"aiosmtpd is not installed: {error}")
    with smtp_server() as (box, port):
        for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port,
                           "MAIL_FROM": "isk@region.example", "BASE_URL": live_server}.items():
            monkeypatch.setitem(live_app.config, key, value)
        yield box


def unit_id(live_app: Flask, code: str) -> str:
    from isk.models import OrgUnit

    with live_app.app_context():
        found = db.session.scalar(db.select(OrgUnit.id).where(OrgUnit.code == code))
        db.session.remove()
    return str(found)


def log_out(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("banner").get_by_role("button", name="Logga ut").click()


def test_an_invited_user_sets_a_password_logs_in_and_is_deactivated(
    page: Any, login: Any, live_app: Flask, mailbox: Mailbox, assert_accessible: Any,
    screenshot: Any,
) -> None:
    login(ADMIN)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Användare").click()
    page.get_by_role("link", name="Bjud in en användare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bjud in en användare")
    assert_accessible(page, "the invitation form")
    page.get_by_label("E-postadress").fill(NEW_USER)
    page.get_by_label("Namn").fill("Nina Ny")
    page.get_by_label("Roll").select_option(label="Internkontrollant")
    page.get_by_label("Enhet").select_option(value=unit_id(live_app, "SN"))
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka inbjudan").click()

    expect(page.get_by_role("status")).to_have_text(
        f"Nina Ny är inbjuden; inbjudan är skickad till {NEW_USER}.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nina Ny")
    expect(page.get_by_text("Inbjuden", exact=True)).to_be_visible()
    screenshot(page, "admin-user-invited")
    assert_accessible(page, "a user's page")
    [message] = mailbox.to(NEW_USER)
    link = re.search(r"(http://\S+/konto/losenord/\S+)", message.get_content()).group(1)
    log_out(page)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Välj lösenord")
    assert_accessible(page, "the page to choose a password")
    page.get_by_label("Nytt lösenord").fill(NEW_PASSWORD)
    page.get_by_label("Upprepa lösenordet").fill(NEW_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Spara lösenordet").click()
    expect(page.get_by_role("status")).to_contain_text("Ditt lösenord är sparat.")
    login(NEW_USER, NEW_PASSWORD)
    expect(page.get_by_role("status").filter(has_text="Välkommen")).to_have_text(
        "Välkommen, Nina Ny.")
    assert page.goto(link).status == 410  # the link worked once
    page.goto("/")
    log_out(page)

    login(ADMIN)
    page.goto("/admin/anvandare")
    page.get_by_role("link", name="Nina Ny").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Inaktivera kontot").click()
    expect(page.get_by_role("status")).to_have_text(
        "Nina Ny är inaktiverad och utloggad. Historiken finns kvar.")
    log_out(page)

    page.goto("/logga-in")
    page.get_by_label("E-postadress").fill(NEW_USER)
    page.get_by_label("Lösenord", exact=True).fill(NEW_PASSWORD)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Logga in").click()
    assert navigation.value.status == 403
    expect(page.get_by_role("alert")).to_have_text(
        "Kontot är inaktiverat. Kontakta systemförvaltaren.")


def test_the_admin_creates_moves_and_archives_a_unit(
    page: Any, login: Any, live_app: Flask, assert_accessible: Any
) -> None:
    login(ADMIN)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Organisationen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisationen")
    assert_accessible(page, "the organisation tree")
    page.get_by_role("link", name="Ny enhet under Område Fastighet").click()
    page.get_by_label("Namn").fill("Enhet Vaktmästeri")
    page.get_by_label("Kod").fill("FA-V")
    expect(page.get_by_label("Typ")).to_have_value("enhet")
    with page.expect_navigation():
        page.get_by_role("button", name="Skapa enheten").click()
    expect(page.get_by_role("status")).to_have_text("Enheten Enhet Vaktmästeri är skapad.")

    page.get_by_role("link", name="Byt namn eller flytta Enhet Vaktmästeri").click()
    page.get_by_label("Överordnad enhet").select_option(value=unit_id(live_app, "MT"))
    with page.expect_navigation():
        page.get_by_role("button", name="Spara").click()
    moved = page.locator(f"#unit-{unit_id(live_app, 'MT')}")
    expect(moved.get_by_role("link", name="Enhet Vaktmästeri", exact=True)).to_be_visible()

    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Arkivera Område Medicinsk teknik").click()
    assert refused.value.status == 400
    expect(page.get_by_role("alert")).to_contain_text(
        "Område Medicinsk teknik kan inte arkiveras")
    with page.expect_navigation():
        page.get_by_role("button", name="Arkivera Enhet Vaktmästeri").click()
    expect(page.get_by_role("status")).to_contain_text("Enhet Vaktmästeri är arkiverad.")
    page.goto("/admin/anvandare/ny")
    expect(page.get_by_label("Enhet").locator("option", has_text="Vaktmästeri")).to_have_count(0)
