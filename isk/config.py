"""Configuration: defaults here, overrides from ISK_* environment variables or a mapping."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

SECRET_KEY_FILE = "secret_key"


def load_or_create_secret_key(instance_path: str | os.PathLike[str]) -> str:
    """Read the instance's secret key, generating it once so that sessions survive restarts."""
    path = Path(instance_path) / SECRET_KEY_FILE
    if path.exists():
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Create with owner-only permissions; never world-readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


def from_environment(instance_path: str, given: Mapping[str, object]) -> dict[str, object]:
    """Settings from ISK_* variables, for the keys the caller did not give explicitly."""
    env = os.environ
    settings: dict[str, object] = {}
    if "SQLALCHEMY_DATABASE_URI" not in given:
        settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
            env.get("ISK_DATABASE_URL") or "sqlite:///" + str(Path(instance_path) / "isk.sqlite3")
        )
    if "SECRET_KEY" not in given:
        settings["SECRET_KEY"] = env.get("ISK_SECRET_KEY") or load_or_create_secret_key(
            instance_path
        )
    if "ISK_SESSION_IDLE_MINUTES" in env:
        settings["SESSION_IDLE_MINUTES"] = int(env["ISK_SESSION_IDLE_MINUTES"])
    if "ISK_SECURE_COOKIES" in env:
        settings["SESSION_COOKIE_SECURE"] = env["ISK_SECURE_COOKIES"] == "1"
    if env.get("ISK_FILES_DIR") and "FILES_DIR" not in given:
        settings["FILES_DIR"] = env["ISK_FILES_DIR"]
    if env.get("ISK_EVIDENCE_MAX_MB") and "EVIDENCE_MAX_BYTES" not in given:
        settings["EVIDENCE_MAX_BYTES"] = int(env["ISK_EVIDENCE_MAX_MB"]) * 1024 * 1024
    for variable, key, kind in LOGIN_ENVIRONMENT:
        if env.get(variable) and key not in given:
            settings[key] = kind(env[variable])
    if env.get("ISK_COMPRESS") and "COMPRESS_RESPONSES" not in given:
        settings["COMPRESS_RESPONSES"] = env["ISK_COMPRESS"] != "0"
    if env.get("ISK_TODAY") and "TODAY" not in given:
        settings["TODAY"] = env["ISK_TODAY"]  # fixes "today" (ISO date) for a demo or a test
    for variable, key in SMTP_ENVIRONMENT.items():
        if env.get(variable) and key not in given:
            settings[key] = env[variable]
    return settings


# Logging in: lockout after failures, throttling per client address and per account (limits in
# Flask-Limiter's notation, "30 per minute"), where the counts live, and trusted proxies.
LOGIN_ENVIRONMENT = (
    ("ISK_LOGIN_MAX_FAILURES", "LOGIN_MAX_FAILURES", int),
    ("ISK_LOGIN_LOCK_MINUTES", "LOGIN_LOCK_MINUTES", int),
    ("ISK_LOGIN_LIMIT_PER_ADDRESS", "LOGIN_LIMIT_PER_ADDRESS", str),
    ("ISK_LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ACCOUNT", str),
    ("ISK_RATELIMIT_STORAGE_URI", "RATELIMIT_STORAGE_URI", str),
    ("ISK_PROXY_COUNT", "PROXY_COUNT", int),
)

# Mail (SAM reminders): ISK_SMTP_TLS is none, starttls or ssl; the user and password are optional.
SMTP_ENVIRONMENT = {
    "ISK_SMTP_HOST": "SMTP_HOST",
    "ISK_SMTP_PORT": "SMTP_PORT",
    "ISK_SMTP_USER": "SMTP_USERNAME",
    "ISK_SMTP_PASSWORD": "SMTP_PASSWORD",
    "ISK_SMTP_TLS": "SMTP_SECURITY",
    "ISK_MAIL_FROM": "MAIL_FROM",
    "ISK_MAIL_OUTBOX": "MAIL_OUTBOX",
    "ISK_BASE_URL": "BASE_URL",
}


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs (SQLAlchemy would otherwise ask for psycopg2)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class BaseConfig:
    """Defaults shared by every environment."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "isk_session"
    # Absolute cap on a session; the idle limit (SESSION_IDLE_MINUTES) is checked per request.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    SUPPORTED_LOCALES = ("sv", "en")
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    PASSWORD_HASH_METHOD = "scrypt"
    MIN_PASSWORD_LENGTH = 12
    SESSION_IDLE_MINUTES = 60
    SESSION_COOKIE_SECURE = False  # ISK_SECURE_COOKIES=1 behind HTTPS
    # One-time links to set a password: in an invitation, and sent again by an admin.
    INVITATION_VALID_HOURS = 7 * 24
    PASSWORD_LINK_VALID_HOURS = 24
    LOGIN_MAX_FAILURES = 10
    LOGIN_LOCK_MINUTES = 15
    # Throttling before any password is checked: per client address (password spraying) and
    # per account (a burst on one account). In memory per process unless a shared store is set.
    LOGIN_LIMIT_PER_ADDRESS = "30 per minute"
    LOGIN_LIMIT_PER_ACCOUNT = "20 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_KEY_PREFIX = "isk"
    # Reverse proxies in front of ISK whose X-Forwarded-For/-Proto are trusted (0: none).
    PROXY_COUNT = 0
    # Mail for SAM reminders (ISK_SMTP_*, ISK_MAIL_FROM); links in mail start with BASE_URL.
    SMTP_HOST = ""
    SMTP_PORT = None  # default by SMTP_SECURITY: 25, 587 (starttls) or 465 (ssl)
    SMTP_SECURITY = "none"
    SMTP_USERNAME = None
    SMTP_PASSWORD = None
    SMTP_TIMEOUT = 30
    MAIL_FROM = ""
    MAIL_OUTBOX = ""  # without SMTP_HOST: a folder to write mail into as .eml files (demo)
    BASE_URL = "http://127.0.0.1:5000"
    # Uploaded files (stickprov populations, evidence) live outside the web root: in
    # FILES_DIR (ISK_FILES_DIR), or the instance folder when unset.
    FILES_DIR = None
    EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
    # Compress HTML, CSS, JS, JSON and CSV answers (Flask-Compress: zstd, br, gzip);
    # ISK_COMPRESS=0 when the reverse proxy compresses instead.
    COMPRESS_RESPONSES = True
    # An ISO date that fixes "today" (ISK_TODAY); None: the calendar day in Sweden.
    TODAY = None
