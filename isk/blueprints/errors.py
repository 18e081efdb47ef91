"""Error pages: Swedish messages, the right status, and a rollback after a server error.

A refused request (403, or a form without a valid CSRF token) is recorded in the
granskningslogg in a transaction of its own, after the request's work is rolled back.
"""

from __future__ import annotations

from flask import Flask, current_app, g, render_template
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from ..extensions import db, login_manager
from ..services import audit_log

RETRY_AFTER_SECONDS = 60  # the login limits count per minute
DATABASE_RETRY_SECONDS = 10


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (
            _("Felaktig begäran"),
            _("Begäran kunde inte behandlas. Kontrollera uppgifterna och försök igen."),
        ),
        403: (_("Åtkomst nekad"), _("Du har inte behörighet till den här sidan eller uppgiften.")),
        404: (_("Sidan finns inte"), _("Sidan eller uppgiften du sökte finns inte.")),
        405: (_("Otillåten metod"), _("Sidan kan inte användas på det sättet.")),
        413: (_("För stor fil"), _("Filen eller formuläret är för stort.")),
        429: (_("För många försök"), _("Vänta en stund och försök sedan igen.")),
        503: (
            _("Tillfälligt otillgänglig"),
            _("Databasen går inte att nå just nu, så inget har sparats. Försök igen om en "
              "stund."),
        ),
        500: (
            _("Något gick fel"),
            _(
                "Ett oväntat fel inträffade. Inget sparades. Försök igen, och kontakta "
                "systemförvaltaren om felet kvarstår."
            ),
        ),
    }


def render_error(status: int, message: str | None = None) -> tuple[str, int]:
    title, default_message = _messages().get(status, (_("Fel"), _("Något gick fel.")))
    return (
        render_template(
            "errors/error.html", status=status, title=title, message=message or default_message
        ),
        status,
    )


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        audit_log.record_refusal("csrf_refused", reason=error.description)
        return render_error(
            400,
            _(
                "Formuläret saknar en giltig säkerhetstoken (CSRF), till exempel för att sidan "
                "varit öppen länge. Ladda om sidan och försök igen."
            ),
        )

    @app.errorhandler(403)
    def forbidden(error: HTTPException) -> tuple[str, int]:
        audit_log.record_refusal("request_refused")
        return render_error(403)

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded) -> tuple[str, int, dict[str, str]]:
        page, status = render_error(429)
        return page, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        # A view's own message (abort(400, description=_("…"))) is shown; werkzeug's
        # English defaults are not.
        own = error.description if error.description != type(error).description else None
        return render_error(error.code, own)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error: DBAPIError) -> tuple[str, int, dict[str, str]]:
        """The database is down or restarting (or SQLite stayed locked): 503, try again."""
        current_app.logger.error("database unavailable: %s", error)
        try:
            db.session.rollback()
        except DBAPIError:
            db.session().invalidate()
        # The page must not need the database: shown as to a visitor (the menu would load
        # the user's unit).
        g._login_user = login_manager.anonymous_user()
        page, status = render_error(503)
        return page, status, {"Retry-After": str(DATABASE_RETRY_SECONDS)}

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        return render_error(500)
