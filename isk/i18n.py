"""Language: Swedish by default, English when the user picks it."""

from __future__ import annotations

import functools
import gettext as gettext_module

from babel import support
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    get_locale,
)
from flask_babel import gettext as _
from wtforms.i18n import messages_path

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


def _wtforms_messages() -> dict[str, str]:
    """WTForms' own messages that its Swedish catalogue words unclearly ("kunde inte
    ceorce:a"), in ours: a user who picks a value a list does not offer, or types no date or
    number, is told what to do."""
    choose = _("Välj ett av alternativen i listan.")
    return {
        "Invalid Choice: could not coerce.": choose,
        "Invalid choice(s): one or more data inputs could not be coerced.": choose,
        "Not a valid choice.": choose,
        # A list of checkboxes given a value it does not offer (singular and plural alike).
        "'%(value)s' is not a valid choice for this field.": _(
            "”%(value)s” finns inte bland alternativen. Välj ett av alternativen i listan."),
        "'%(value)s' are not valid choices for this field.": _(
            "”%(value)s” finns inte bland alternativen. Välj ett av alternativen i listan."),
        "Not a valid date value.": _("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-15."),
        "Not a valid integer value.": _("Skriv ett heltal med siffror, till exempel 2027."),
        "Number must be between %(min)s and %(max)s.": _(
            "Talet måste vara mellan %(min)s och %(max)s."),
        "Number must be at least %(min)s.": _("Talet får inte vara mindre än %(min)s."),
        "Number must be at most %(max)s.": _("Talet får inte vara större än %(max)s."),
    }


class _FormMessages(gettext_module.NullTranslations):
    """WTForms' catalogue for the locale, with our wording of a few messages on top."""

    def __init__(self, locale: str):
        super().__init__()
        self.add_fallback(_wtforms_catalogue(locale))
        self._locale = locale
        self._own: dict[str, str] | None = None

    def gettext(self, message: str) -> str:
        if self._own is None:
            self._own = _wtforms_messages() if self._locale == "sv" else {}
        return self._own.get(message) or super().gettext(message)

    ugettext = gettext

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if self._own is None:
            self._own = _wtforms_messages() if self._locale == "sv" else {}
        own = self._own.get(singular if n == 1 else plural)
        return own or super().ngettext(singular, plural, n)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return self.ngettext(singular, plural, n)


@functools.cache
def _wtforms_catalogue(locale: str) -> gettext_module.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def use_own_form_messages() -> None:
    """before_request: Flask-WTF looks for the request's WTForms translations here first."""
    request.wtforms_translations = _FormMessages(str(get_locale()))  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    app.before_request(use_own_form_messages)
    app.jinja_env.globals.update(
        get_locale=get_locale,
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
        format_percent=format_percent,
    )
    app.jinja_env.add_extension("jinja2.ext.i18n")
