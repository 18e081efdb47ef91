"""Security headers on every response, and templates a strict policy does not break."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from isk.models import Role
from isk.services import plans

TEMPLATES = Path(__file__).resolve().parents[1] / "isk" / "templates"


def _assert_protected(response) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = dict(
        [*part.split(" ", 1), ""][:2] for part in (p.strip() for p in policy.split(";")) if part
    )
    assert directives.get("frame-ancestors") == "'none'", policy
    assert "'unsafe-inline'" not in directives.get("script-src", directives.get("default-src"))
    assert directives.get("object-src") == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def plan(make_unit):
    unit = make_unit("Servicenämnden", code="SN")
    created = plans.create_plan(unit, 2026)
    from isk.extensions import db

    db.session.commit()
    return created


def test_the_login_page_and_error_pages_carry_the_headers(client):
    for path, status in [("/logga-in", 200), ("/", 401), ("/finns-inte", 404),
                         ("/static/isk.css", 200)]:
        response = client.get(path)
        assert response.status_code == status, path
        _assert_protected(response)
        response.close()
    refused = client.post("/logga-in", data={"email": "x@example.org", "password": "x"})
    assert refused.status_code == 400  # no CSRF token
    _assert_protected(refused)


def test_the_form_that_adopts_a_plan_cannot_be_framed(auth, client, make_user, plan):
    make_user("chef@example.org", Role.ADMIN)
    auth.login("chef@example.org")

    for path in ["/", f"/planer/{plan.id}", f"/planer/{plan.id}/faststall", "/konto/losenord"]:
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_protected(response)


def test_hsts_is_sent_only_when_cookies_are_secure(app, make_unit):
    from isk import create_app

    assert "Strict-Transport-Security" not in app.test_client().get("/logga-in").headers
    secure = create_app({**app.config, "SESSION_COOKIE_SECURE": True})
    response = secure.test_client().get("/logga-in", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_template_has_inline_script_style_or_event_handlers():
    """The policy allows no inline code: behaviour and looks live in isk/static."""
    offending = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)", r"<style\b", r"\sstyle=", r"\son[a-z]+=",
                        r"javascript:"):
            if re.search(pattern, text, flags=re.IGNORECASE):
                offending.append(f"{template.relative_to(TEMPLATES)}: {pattern}")
    assert offending == []


def test_a_database_that_cannot_be_reached_is_a_503_in_swedish(app, auth, client, make_user,
                                                                monkeypatch):
    from sqlalchemy.exc import OperationalError

    from isk.services.accounts import sessions

    user = make_user("kim@example.org", Role.ADMIN)
    auth.login_via_session(user)

    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(sessions.db.session, "get", unreachable)
    response = client.get("/")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert "Databasen går inte att nå just nu" in response.get_data(as_text=True)
    _assert_protected(response)
