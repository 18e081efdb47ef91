"""Swedish by default, an English translation of every UI string, Swedish formats."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import force_locale, format_date

from isk.models import Role

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "isk" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def extracted_msgids() -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "isk"), method_map, keywords=keywords,
        directory_filter=lambda path: "__pycache__" not in path,
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_ui_string_has_an_english_translation():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}

    missing = sorted(extracted_msgids() - translated)

    assert missing == [], "run `make messages` and translate: " + "; ".join(missing[:10])


def test_pages_are_swedish_by_default(client):
    text = client.get("/logga-in").get_data(as_text=True)

    assert '<html lang="sv">' in text
    assert "Logga in" in text
    assert "Hoppa till huvudinnehållet" in text


def test_a_user_can_switch_to_english_and_back(client, auth, make_user):
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")
    token = auth.csrf_token("/")

    response = client.post("/sprak/en", data={"csrf_token": token, "next": "/"})
    english = client.get("/").get_data(as_text=True)
    client.post("/sprak/sv", data={"csrf_token": auth.csrf_token("/"), "next": "/"})
    swedish = client.get("/").get_data(as_text=True)

    assert response.headers["Location"] == "/"
    assert '<html lang="en">' in english
    assert "Internal control plans" in english
    assert '<html lang="sv">' in swedish
    assert "Internkontrollplaner" in swedish


def test_an_unknown_language_keeps_swedish(client, auth):
    token = auth.csrf_token()
    client.post("/sprak/xx", data={"csrf_token": token})

    assert '<html lang="sv">' in client.get("/logga-in").get_data(as_text=True)


def test_dates_are_formatted_the_swedish_way(app):
    with app.test_request_context(), force_locale("sv"):
        assert format_date(date(2025, 11, 20), "short") == "2025-11-20"
        assert format_date(date(2025, 11, 20), "long") == "20 november 2025"
