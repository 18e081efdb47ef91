"""User accounts and logging in."""

from ..errors import AccountError
from .sessions import (
    SESSION_LAST_SEEN,
    LoginRefused,
    authenticate,
    end_sessions,
    enforce_idle_timeout,
    load_user,
    mark_session_active,
)
from .users import change_password, check_new_password, create_user, hash_password, normalise_email

__all__ = [
    "SESSION_LAST_SEEN",
    "AccountError",
    "LoginRefused",
    "authenticate",
    "change_password",
    "check_new_password",
    "create_user",
    "end_sessions",
    "enforce_idle_timeout",
    "hash_password",
    "load_user",
    "mark_session_active",
    "normalise_email",
]
