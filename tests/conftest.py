"""Fixtures: the app on a real database (SQLite and PostgreSQL), clients, and factories."""

from __future__ import annotations

import contextvars
import os
import re
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text

from isk import create_app
from isk.extensions import db
from isk.models import OrgUnit, OrgUnitKind, Role, User
from isk.services import accounts, org

from . import postgres

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PASSWORD = "korrekt-hast-batteri"
BACKENDS = ("sqlite", "postgresql")


def skip_or_fail(reason: str) -> None:
    """A missing system part skips locally, but fails in CI, where everything must run."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing system part is a failure)", pytrace=False)
    pytest.skip(reason)


def base_config(database_url: str, tmp: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast; production uses scrypt
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Compile the English catalogue, as `make` does, so the suite also runs under bare pytest."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    translations = Path(__file__).resolve().parents[1] / "isk" / "translations"
    for po in translations.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    try:
        dsn = postgres.server_dsn()
    except (postgres.PostgresUnavailable, OSError) as error:
        skip_or_fail(f"PostgreSQL is not available: {error}")
    yield dsn


@pytest.fixture(scope="session")
def database_urls(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Callable[[], str]]:
    """Lazily migrated databases, one per backend, shared by the session's tests."""
    made: dict[str, str] = {}

    def sqlite() -> str:
        if "sqlite" not in made:
            path = tmp_path_factory.mktemp("db") / "isk-test.sqlite3"
            made["sqlite"] = _migrated(f"sqlite:///{path}", tmp_path_factory.mktemp("inst"))
        return made["sqlite"]

    def postgresql() -> str:
        if "postgresql" not in made:
            server = request.getfixturevalue("postgres_server")
            name = f"isk_test_{os.getpid()}"
            url = postgres.create_database(server, name)
            request.addfinalizer(lambda: postgres.drop_database(server, name))
            made["postgresql"] = _migrated(url, tmp_path_factory.mktemp("inst"))
        return made["postgresql"]

    return {"sqlite": sqlite, "postgresql": postgresql}


def _migrated(url: str, tmp: Path) -> str:
    """Build the schema the way production does: by running every migration."""
    app = create_app(base_config(url, tmp))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def app(
    backend: str, database_urls: dict[str, Callable[[], str]], tmp_path: Path
) -> Iterator[Flask]:
    url = database_urls[backend]()
    application = create_app(base_config(url, tmp_path))
    application.test_client_class = IsolatedClient
    with application.app_context():
        yield application
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    The `app` fixture keeps an app context open for the test's own database work; without
    this, requests would share it, and with it `g` (Flask-Login's cached user) and the
    SQLAlchemy session, hiding bugs that only show across requests.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def make_unit(app: Flask) -> Callable[..., OrgUnit]:
    """Factory: an org unit; the first call creates the region it hangs under."""

    def make(
        name: str,
        kind: OrgUnitKind = OrgUnitKind.NAMND,
        parent: OrgUnit | None = None,
        code: str | None = None,
    ) -> OrgUnit:
        if parent is None and kind is not OrgUnitKind.REGION:
            parent = _region()
        unit = org.create_org_unit(name, kind, code or _code(name), parent)
        db.session.commit()
        return unit

    def _region() -> OrgUnit:
        region = db.session.scalar(db.select(OrgUnit).where(OrgUnit.kind == OrgUnitKind.REGION))
        return region or make("Testregionen", OrgUnitKind.REGION)

    return make


def _code(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", name.upper())[:12] or "X"


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    def make(
        email: str, role: Role = Role.READER, unit: OrgUnit | None = None, **kwargs: Any
    ) -> User:
        user = accounts.create_user(email, kwargs.pop("password", PASSWORD), role, unit, **kwargs)
        db.session.commit()
        return user

    return make


class AuthActions:
    """Log in through the real form (with its CSRF token), as a user would."""

    def __init__(self, client: FlaskClient):
        self.client = client

    def csrf_token(self, path: str = "/logga-in") -> str:
        page = self.client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        token = self.csrf_token()
        return self.client.post(
            "/logga-in", data={"email": email, "password": password, "csrf_token": token}
        )

    def login_via_session(self, user: User) -> None:
        """Skip the form where a test is about something else (the form has its own tests)."""
        with self.client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session[accounts.SESSION_LAST_SEEN] = int(time.time())

    def logout(self) -> Any:
        return self.client.post("/logga-ut", data={"csrf_token": self.csrf_token("/")})


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def query_counter(app: Flask) -> Callable[[], Any]:
    """Count the SQL statements run inside a `with query_counter() as count:` block."""
    from contextlib import contextmanager

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting


@pytest.fixture
def sam_org(make_unit: Callable[..., OrgUnit], make_user: Callable[..., User]) -> Any:
    """A small SAM organisation: units, chefs in a manager chain, HR, a reader and an admin."""
    from .sam_factories import build_sam_org

    return build_sam_org(make_unit, make_user)


@pytest.fixture
def on_day() -> Callable[[date], Any]:
    """`with on_day(date(2026, 3, 1)):` runs the block as if that were today (clock.today)."""
    from isk.services.clock import frozen_today

    return frozen_today
