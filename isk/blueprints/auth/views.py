"""Logging in and out, and changing the password."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from ...extensions import db, limiter, login_manager
from ...forms import EmptyForm
from ...i18n import LOCALE_SESSION_KEY
from ...permissions import AUTHENTICATED, PUBLIC, access
from ...services import accounts, audit_log
from .forms import ChangePasswordForm, LoginForm

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only follow local paths after login, never another site."""
    if not target or not target.startswith("/") or "\\" in target:
        return None
    if any(ord(character) < 32 or ord(character) == 127 for character in target):
        return None  # browsers drop tabs and newlines, which turns "/\t/x" into "//x"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target


@login_manager.unauthorized_handler
def unauthorized() -> tuple[str, int]:
    """401 with the login form in place, and why the user has to log in."""
    if g.get("session_expired"):
        notice = _("Din session har gått ut eftersom du varit inaktiv. Logga in igen.")
    else:
        notice = _("Du måste logga in för att se sidan.")
    target = request.full_path if request.method == "GET" else None
    form = LoginForm(next=safe_next(target.rstrip("?") if target else None))
    return render_template("auth/login.html", form=form, notice=notice), 401


def _client_address() -> str:
    return request.remote_addr or "unknown"


def _account_of_login() -> str:
    """The account a login attempt names: its one form, no longer than an address can be."""
    return accounts.normalise_email(request.form.get("email", "")[:1000])[:254] or "-"


def _throttled(scope: str) -> Callable[[RequestLimit], None]:
    """on_breach: record the throttled attempt (the password is never checked)."""

    def record(limit: RequestLimit) -> None:
        audit_log.record("login_throttled", scope=scope, email=_account_of_login(),
                         limit=str(limit.limit))
        db.session.commit()

    return record


@bp.route("/logga-in", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               key_func=_client_address, scope="login-address",
               on_breach=_throttled("address"))
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_account_of_login, scope="login-account",
               on_breach=_throttled("account"))
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/login.html", form=form), status
    try:
        user = accounts.authenticate(form.email.data, form.password.data)
    except accounts.LoginRefused as refused:
        db.session.commit()  # keep the failed-attempt count and its audit entry
        form.password.data = ""
        return render_template("auth/login.html", form=form, error=refused.message), refused.status
    db.session.commit()
    _new_session()
    login_user(user)
    accounts.mark_session_active()
    flash(_("Välkommen, %(name)s.", name=user.name), "success")
    return redirect(safe_next(form.next.data) or url_for("main.index"))


@bp.route("/logga-ut", methods=["POST"])
@access(AUTHENTICATED)
def logout() -> Response:
    form = EmptyForm()
    if form.validate_on_submit():
        audit_log.record("logout", current_user._get_current_object())
        # Server-side: a copy of this session's cookie (or any other session of the
        # account) no longer logs anyone in.
        accounts.end_sessions(current_user._get_current_object())
        db.session.commit()
        logout_user()
        _new_session()
        flash(_("Du är utloggad."), "info")
    return redirect(url_for("auth.login"))


def _new_session() -> None:
    """Start a fresh session (new cookie, new CSRF token); only the language choice stays."""
    locale = session.get(LOCALE_SESSION_KEY)
    session.clear()
    if locale:
        session[LOCALE_SESSION_KEY] = locale


@bp.route("/konto/losenord", methods=["GET", "POST"])
@access(AUTHENTICATED)
def change_password() -> Response | str | tuple[str, int]:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except accounts.AccountError as error:
            db.session.rollback()
            getattr(form, error.field or "new_password").errors.append(str(error))
            return render_template("auth/change_password.html", form=form), 400
        db.session.commit()
        # The session id carries the version; renew this session, the others end.
        user = current_user._get_current_object()
        _new_session()
        login_user(user)
        accounts.mark_session_active()
        flash(
            _("Ditt lösenord är bytt. Andra inloggningar med ditt konto har avslutats."), "success"
        )
        return redirect(url_for("main.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/change_password.html", form=form), status
