"""Logging in and the session: checking passwords, lockout, the idle limit, ending old sessions."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g, request, session
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from ...extensions import db
from ...models import User
from ...models.types import utcnow
from .. import audit_log
from .users import normalise_email

SESSION_LAST_SEEN = "last_seen"


@dataclass(frozen=True)
class LoginRefused(Exception):
    """Authentication failed; `message` is safe to show (it never says which part was wrong)."""

    message: str
    status: int = 401


# A real hash to compare against when the address is unknown, so that the response
# takes as long as for a known one and does not reveal which addresses exist.
_DUMMY_HASH: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash("not-a-password", method=method)
    return _DUMMY_HASH[method]


def authenticate(email: str, password: str) -> User:
    """Return the user for these credentials or raise LoginRefused. Records the attempt.

    The attempt is counted in the database before the password is checked, in a transaction
    of its own (`UPDATE ... SET failed_logins = failed_logins + 1 WHERE ... < limit`), so that
    parallel attempts on one account see each other: at most LOGIN_MAX_FAILURES passwords are
    ever checked before the account locks, however many requests arrive at once.
    """
    email = normalise_email(email)
    config = current_app.config
    # One answer for an unknown address, a wrong password and a locked account alike, so
    # that nobody can learn which addresses have accounts.
    wrong = LoginRefused(_(
        "Fel e-postadress eller lösenord. Efter %(n)d misslyckade försök i rad spärras "
        "inloggningen i %(minutes)d minuter.",
        n=config["LOGIN_MAX_FAILURES"], minutes=config["LOGIN_LOCK_MINUTES"]))
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        audit_log.record("login_failed", email=email, reason="unknown_user")
        raise wrong
    attempt = _count_attempt(user)
    if attempt is None:
        check_password_hash(_dummy_hash(), password)  # the same time as a real check
        audit_log.record("login_failed", user, actor=user, reason="locked")
        raise wrong
    if not check_password_hash(user.password_hash, password):
        audit_log.record("login_failed", user, actor=user, reason="wrong_password")
        if attempt >= config["LOGIN_MAX_FAILURES"]:
            _lock(user)
        raise wrong
    if not user.is_active:
        audit_log.record("login_failed", user, actor=user, reason="inactive")
        raise LoginRefused(_("Kontot är inaktiverat. Kontakta systemförvaltaren."), status=403)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    audit_log.record("login", user, actor=user)
    return user


def _count_attempt(user: User) -> int | None:
    """Count one more attempt on the account and commit it; None if the account is locked.

    A committed count is what makes the limit hold under parallel attempts: the row is
    locked by the update until the commit, and the next attempt re-reads it.
    """
    now = utcnow()
    attempt = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.locked_until.is_(None), User.locked_until <= now),
            User.failed_logins < current_app.config["LOGIN_MAX_FAILURES"],
        )
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    return attempt


def _lock(user: User) -> None:
    minutes = current_app.config["LOGIN_LOCK_MINUTES"]
    user.locked_until = utcnow() + timedelta(minutes=minutes)
    user.failed_logins = 0
    audit_log.record("account_locked", user, actor=user, minutes=minutes)


def end_sessions(user: User) -> None:
    """End every session of the account: the version in their session ids no longer matches.

    Incremented in SQL, not in Python, so that two at once (two logouts) both count.
    """
    user.session_version = User.session_version + 1
    db.session.flush()


def load_user(session_id: str) -> User | None:
    """Flask-Login's user_loader: the id carries the session version, so old sessions end."""
    user_id, _sep, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    # The unit in the same statement: nearly every page asks for the user's scope.
    user = db.session.get(User, int(user_id), options=[joinedload(User.org_unit)])
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


# Endpoints for machines (monitoring) that must not touch the session: no Set-Cookie.
SESSIONLESS_ENDPOINTS = frozenset({"health.healthz"})


def mark_session_active() -> None:
    session[SESSION_LAST_SEEN] = int(time.time())


def enforce_idle_timeout() -> None:
    """before_request: log out a session that has been idle longer than allowed."""
    if request.endpoint in SESSIONLESS_ENDPOINTS:
        return  # neither reads the session's user nor keeps the session alive
    if not current_user.is_authenticated:
        return
    limit = current_app.config["SESSION_IDLE_MINUTES"] * 60
    last_seen = session.get(SESSION_LAST_SEEN)
    if last_seen is None or time.time() - float(last_seen) > limit:
        audit_log.record("session_expired", current_user._get_current_object(), reason="idle")
        db.session.commit()  # a hook, not a view: the entry is all this request has written
        logout_user()
        session.clear()
        g.session_expired = True
        return
    mark_session_active()
