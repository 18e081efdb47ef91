"""Browser fixtures: one live ISK server and one headless Chromium per test session.

The server runs the real app (migrated SQLite file plus the demo data) in a background
thread; each test gets a fresh browser context, so cookies never leak between tests.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from isk import create_app
from isk.extensions import db
from isk.services import demo

from ..conftest import base_config, skip_or_fail

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# WCAG 2.1 level A and AA: what a Swedish public body must meet (DOS-lagen, EN 301 549).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app on a migrated SQLite file holding the demo region, users and plans."""
    tmp = tmp_path_factory.mktemp("browser")
    app = create_app({**base_config(f"sqlite:///{tmp / 'isk-browser.sqlite3'}", tmp),
                      "FILES_DIR": str(tmp / "files")})
    with app.app_context():
        upgrade()
        demo.load_demo_data()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def plan_paths(live_app: Flask) -> dict[str, str]:
    """URL path of each demo plan, keyed like its link text: "2026 – Servicenämnden"."""
    from isk.models import OrgUnit, Plan

    with live_app.app_context():
        rows = db.session.execute(
            db.select(Plan.id, Plan.year, OrgUnit.name).join(Plan.org_unit)
        ).all()
        db.session.remove()
    return {f"{year} – {unit}": f"/planer/{plan_id}" for plan_id, year, unit in rows}


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """Serve the app on a free local port; yields the base URL (no trailing slash)."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="isk-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        skip_or_fail(f"Playwright is not installed: {error}")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except PlaywrightError as error:
        playwright.stop()
        skip_or_fail(f"Chromium could not be started: {error.message.splitlines()[0]}")
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A page in a fresh context (no cookies), Swedish locale, relative URLs on the server."""
    context = browser.new_context(
        base_url=live_server, locale="sv-SE", viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def login(page: Any) -> Callable[..., Any]:
    """Log in through the real form, as a person would, and wait for the start page."""

    def log_in(email: str, password: str = demo.DEMO_PASSWORD) -> Any:
        page.goto("/logga-in")
        page.get_by_label("E-postadress").fill(email)
        page.get_by_label("Lösenord", exact=True).fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Logga in").click()
        return page

    return log_in


@pytest.fixture(scope="session")
def artifacts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $ISK_TEST_ARTIFACTS (kept, e.g. by CI) or a pytest tmp dir."""
    given = os.environ.get("ISK_TEST_ARTIFACTS")
    path = Path(given) if given else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def screenshot(artifacts_dir: Path) -> Callable[[Any, str], Path]:
    """Save a full-page PNG of the page; returns its path."""

    def shoot(page: Any, name: str) -> Path:
        path = artifacts_dir / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0, f"empty screenshot {path}"
        return path

    return shoot


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation.get('help')}"
            f"\n  {violation.get('helpUrl', '')}"
        )
        for node in violation.get("nodes", []):
            lines.append(f"    target: {node.get('target')}")
            lines.append(f"      html: {node.get('html', '')[:300]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n            ")
            if summary:
                lines.append(f"      why:  {summary}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe() -> Any:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError as error:
        skip_or_fail(f"axe-playwright-python is not installed: {error}")
    return Axe()


@pytest.fixture
def assert_accessible(axe: Any) -> Callable[[Any, str], None]:
    """Run axe-core (WCAG 2.1 A/AA rules) on the page; fail listing every violation."""

    def check(page: Any, what: str) -> None:
        page.wait_for_load_state("load")
        results = axe.run(page, options=AXE_OPTIONS)
        violations = results.response["violations"]
        if violations:
            pytest.fail(
                f"axe found {len(violations)} WCAG 2.1 A/AA violation(s) on {what} "
                f"({page.url}):\n{format_violations(violations)}",
                pytrace=False,
            )

    return check
