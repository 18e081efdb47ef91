"""Language: Swedish by default, English when the user picks it."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, session
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale

LOCALE_SESSION_KEY = "locale"


def select_locale() -> str:
    chosen = session.get(LOCALE_SESSION_KEY) if has_request_context() else None
    if chosen in current_app.config["SUPPORTED_LOCALES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def set_locale(code: str) -> bool:
    if code not in current_app.config["SUPPORTED_LOCALES"]:
        return False
    session[LOCALE_SESSION_KEY] = code
    return True


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        get_locale=get_locale,
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
        format_percent=format_percent,
    )
    app.jinja_env.add_extension("jinja2.ext.i18n")
