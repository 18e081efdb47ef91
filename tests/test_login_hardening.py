"""Sessions end on the server, lockout holds under parallel attempts, logins are throttled."""

from __future__ import annotations

import unicodedata
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from isk.extensions import db
from isk.models import AuditEntry, Role, User
from isk.services import accounts
from isk.services.accounts import sessions

from .conftest import PASSWORD


def _events(name: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.event == name)))


def _copy_session(source, target) -> None:
    with source.session_transaction() as session:
        copied = dict(session)
    with target.session_transaction() as session:
        session.update(copied)


# --- sessions ---------------------------------------------------------------------------------


def test_a_cookie_captured_before_logout_no_longer_reads_plans(app, auth, client, make_user):
    make_user("kim@example.org", Role.ADMIN)
    auth.login("kim@example.org")
    thief = app.test_client()
    _copy_session(client, thief)
    assert thief.get("/").status_code == 200

    auth.logout()

    assert thief.get("/").status_code == 401
    assert client.get("/").status_code == 401


def test_logging_in_starts_a_new_session(auth, client, make_user):
    make_user("kim@example.org", Role.ADMIN)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["locale"] = "en"

    auth.login("kim@example.org")

    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["locale"] == "en"  # the language choice is the one thing kept
        assert session["_user_id"]


def test_logging_in_again_after_logout_works(auth, client, make_user):
    make_user("kim@example.org", Role.ADMIN)
    auth.login("kim@example.org")
    auth.logout()

    assert auth.login("kim@example.org").status_code == 302
    assert client.get("/").status_code == 200


# --- lockout ----------------------------------------------------------------------------------


def test_parallel_wrong_passwords_are_checked_no_more_often_than_the_limit(
    app, make_user, monkeypatch
):
    user = make_user("kim@example.org", Role.ADMIN)
    real_hash = user.password_hash
    app.config.update(WTF_CSRF_ENABLED=False, LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
                      LOGIN_LIMIT_PER_ACCOUNT="1000 per minute")
    checked: list[str] = []
    original = sessions.check_password_hash

    def counting(hashed: str, password: str) -> bool:
        if hashed == real_hash:
            checked.append(password)
        import time

        time.sleep(0.02)  # a slow hash, as scrypt is, widens the window for a race
        return original(hashed, password)

    monkeypatch.setattr(sessions, "check_password_hash", counting)

    def attempt(number: int) -> int:
        client = app.test_client()
        data = {"email": "kim@example.org", "password": f"fel-losenord-{number}"}
        return client.post("/logga-in", data=data).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(attempt, range(60)))

    assert set(statuses) == {401}
    assert len(checked) <= app.config["LOGIN_MAX_FAILURES"]
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until is not None
    assert len(_events("account_locked")) == 1


def test_a_lockout_is_in_the_audit_trail(auth, make_user, app):
    make_user("kim@example.org", Role.ADMIN)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login("kim@example.org", "fel-losenord-123")

    locked = _events("account_locked")
    assert len(locked) == 1
    assert locked[0].details["minutes"] == app.config["LOGIN_LOCK_MINUTES"]
    assert len(_events("login_failed")) == app.config["LOGIN_MAX_FAILURES"]


def test_a_right_password_after_some_failures_resets_the_count(auth, make_user, app):
    user = make_user("kim@example.org", Role.ADMIN)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        auth.login("kim@example.org", "fel-losenord-123")

    assert auth.login("kim@example.org").status_code == 302
    db.session.refresh(user)
    assert user.failed_logins == 0
    assert user.locked_until is None


# --- throttling -------------------------------------------------------------------------------


def test_one_client_address_is_throttled_across_accounts(app, auth, client, make_user):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per minute"
    for number in range(3):
        assert auth.login(f"person{number}@example.org", "gissning-123").status_code == 401

    response = auth.login("person9@example.org", "gissning-123")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    assert "För många försök" in response.get_data(as_text=True)
    [entry] = _events("login_throttled")
    assert entry.details["scope"] == "address"
    assert entry.details["email"] == "person9@example.org"
    # Another address is not affected.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert other.get("/logga-in").status_code == 200


def test_one_account_is_throttled_across_client_addresses(app, make_user, monkeypatch):
    make_user("kim@example.org", Role.ADMIN)
    app.config.update(WTF_CSRF_ENABLED=False, LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
    checked: list[str] = []
    original = sessions.check_password_hash
    monkeypatch.setattr(sessions, "check_password_hash",
                        lambda hashed, password: checked.append(password) or original(
                            hashed, password))

    statuses = []
    for number in range(5):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{number + 1}"
        # The same account, written differently each time, is still the same account.
        email = "Kim@Example.org" if number % 2 else " kim@example.org"
        statuses.append(
            client.post("/logga-in", data={"email": email, "password": "fel"}).status_code
        )

    assert statuses == [401, 401, 401, 429, 429]
    assert len(checked) == 3  # a throttled attempt never reaches the password check
    assert [e.details["scope"] for e in _events("login_throttled")] == ["account", "account"]


def test_throttling_counts_only_posts(app, client):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "2 per minute"
    for _ in range(5):
        assert client.get("/logga-in").status_code == 200


# --- e-mail addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        unicodedata.normalize("NFD", "åsa.öberg@example.org"),
        "åsa.öberg\u200b@example.org",
        "\u200dåsa.öberg@example.org\ufeff",
        "ÅSA.ÖBERG@EXAMPLE.ORG",
        "åsa.öberg@ｅxample.org",  # full-width letter
    ],
    ids=["nfd", "zero-width-space", "joiner-and-bom", "upper-case", "full-width"],
)
def test_an_address_written_differently_is_the_same_account(variant, make_user, auth, client):
    make_user("åsa.öberg@example.org", Role.ADMIN)

    with pytest.raises(accounts.AccountError, match="finns redan"):
        accounts.create_user(variant, PASSWORD, Role.ADMIN)
    db.session.rollback()
    assert auth.login(variant).status_code == 302


@pytest.mark.parametrize(
    "lookalike",
    [
        "\u0430dmin@example.org",  # Cyrillic а
        "admin@ex\u0430mple.org",
        "\u0391dmin@example.org",  # Greek Alpha
        "adm\u0131n@example.org",  # dotless ı, which lower() keeps
        "ad\u200emin@example.org",  # left-to-right mark: dropped, then a plain duplicate
    ],
    ids=["cyrillic-local", "cyrillic-domain", "greek", "dotless-i", "lrm"],
)
def test_a_lookalike_address_does_not_become_a_second_account(lookalike, make_user):
    make_user("admin@example.org", Role.ADMIN)

    with pytest.raises(accounts.AccountError):
        accounts.create_user(lookalike, PASSWORD, Role.ADMIN)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(User.id))) == 1


def test_swedish_letters_in_an_address_are_accepted(make_user):
    user = make_user(unicodedata.normalize("NFD", "Örjan.Åkesson@region.se"), Role.ADMIN)

    assert user.email == "örjan.åkesson@region.se"
    assert unicodedata.is_normalized("NFC", user.email)
