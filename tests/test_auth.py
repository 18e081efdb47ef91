"""Logging in and out, sessions, CSRF and passwords."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from isk.extensions import db
from isk.models import AuditEntry, Role, User
from isk.services import accounts

from .conftest import PASSWORD


def test_logging_in_with_the_right_password_opens_the_start_page(
    auth, client, make_user, make_unit
):
    make_user("kim@example.org", Role.CONTROLLER, make_unit("Servicenämnden"), name="Kim K")

    response = auth.login("Kim@Example.org ", PASSWORD)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "Kim K" in page.get_data(as_text=True)


def test_a_wrong_password_is_refused_with_401_and_a_swedish_message(auth, make_user):
    make_user("kim@example.org", Role.ADMIN)

    response = auth.login("kim@example.org", "fel-losenord-123")

    assert response.status_code == 401
    assert "Fel e-postadress eller lösenord." in response.get_data(as_text=True)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.event == "login_failed")).one()
    assert entry.details["reason"] == "wrong_password"


def test_an_unknown_user_gets_the_same_message_as_a_wrong_password(auth, make_user):
    make_user("kim@example.org", Role.ADMIN)

    unknown = auth.login("nobody@example.org", PASSWORD)
    wrong = auth.login("kim@example.org", "fel-losenord-123")

    assert unknown.status_code == wrong.status_code == 401
    text = unknown.get_data(as_text=True)
    assert "Fel e-postadress eller lösenord." in text
    assert "nobody@example.org" in text  # the form keeps what was typed
    assert "finns inte" not in text


def test_a_login_without_csrf_token_is_refused_with_400(client, make_user):
    make_user("kim@example.org", Role.ADMIN)

    response = client.post("/logga-in", data={"email": "kim@example.org", "password": PASSWORD})

    assert response.status_code == 400
    assert "säkerhetstoken" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_a_logout_without_csrf_token_is_refused_and_keeps_the_session(auth, client, make_user):
    make_user("kim@example.org", Role.ADMIN)
    auth.login("kim@example.org")

    response = client.post("/logga-ut")

    assert response.status_code == 400
    assert client.get("/").status_code == 200


def test_logging_out_ends_the_session(auth, client, make_user):
    make_user("kim@example.org", Role.ADMIN)
    auth.login("kim@example.org")

    response = auth.logout()

    assert response.status_code == 302
    assert client.get("/").status_code == 401


def test_a_page_without_login_answers_401_with_the_login_form(client):
    response = client.get("/")

    assert response.status_code == 401
    text = response.get_data(as_text=True)
    assert "Du måste logga in för att se sidan." in text
    assert 'name="password"' in text


def test_an_idle_session_expires_with_401_and_says_so(auth, client, make_user, app):
    make_user("kim@example.org", Role.ADMIN)
    auth.login("kim@example.org")
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session[accounts.SESSION_LAST_SEEN] = int(time.time()) - idle - 5

    response = client.get("/")

    assert response.status_code == 401
    assert "Din session har gått ut" in response.get_data(as_text=True)
    assert client.get("/").status_code == 401  # and it stays ended


def test_an_active_session_is_kept_alive(auth, client, make_user, app):
    make_user("kim@example.org", Role.ADMIN)
    auth.login("kim@example.org")
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session[accounts.SESSION_LAST_SEEN] = int(time.time()) - idle + 60

    assert client.get("/").status_code == 200


def test_after_login_the_user_returns_to_the_page_asked_for(auth, client, make_user):
    make_user("kim@example.org", Role.ADMIN)
    page = client.get("/admin/anvandare")
    assert page.status_code == 401
    assert 'value="/admin/anvandare"' in page.get_data(as_text=True)

    token = auth.csrf_token()
    response = client.post(
        "/logga-in",
        data={
            "email": "kim@example.org",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/admin/anvandare",
        },
    )

    assert response.headers["Location"] == "/admin/anvandare"


@pytest.mark.parametrize("target", ["//evil.example/phish", "/\t/evil.example",
                                    "https://evil.example/", "/\\evil.example"])
def test_login_never_redirects_to_another_site(target, auth, client, make_user):
    make_user("kim@example.org", Role.ADMIN)
    token = auth.csrf_token()

    response = client.post(
        "/logga-in",
        data={
            "email": "kim@example.org",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/phish",
        },
    )

    assert response.headers["Location"] == "/"


def test_ten_failed_logins_lock_the_account_for_a_while(auth, make_user, app):
    user = make_user("kim@example.org", Role.ADMIN)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert auth.login("kim@example.org", "fel-losenord-123").status_code == 401

    response = auth.login("kim@example.org", PASSWORD)  # right password, but locked

    assert response.status_code == 401
    assert "spärras inloggningen i 15 minuter" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.locked_until is not None
    unknown = auth.login("nobody@example.org", PASSWORD)
    assert unknown.status_code == 401
    assert "spärras inloggningen i 15 minuter" in unknown.get_data(as_text=True)


def test_an_inactive_account_cannot_log_in(auth, make_user):
    user = make_user("kim@example.org", Role.ADMIN)
    user.active = False
    db.session.commit()

    response = auth.login("kim@example.org", PASSWORD)

    assert response.status_code == 403
    assert "inaktiverat" in response.get_data(as_text=True)


def test_changing_the_password_ends_other_sessions(app, auth, client, make_user):
    make_user("kim@example.org", Role.ADMIN)
    auth.login("kim@example.org")
    other_device = app.test_client()
    with client.session_transaction() as session:
        copied = dict(session)
    with other_device.session_transaction() as session:
        session.update(copied)
    assert other_device.get("/").status_code == 200

    token = auth.csrf_token("/konto/losenord")
    response = client.post(
        "/konto/losenord",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "ett helt nytt lösenord",
            "confirm_password": "ett helt nytt lösenord",
        },
    )

    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session was renewed
    assert other_device.get("/").status_code == 401
    auth.logout()
    assert auth.login("kim@example.org", "ett helt nytt lösenord").status_code == 302


def test_a_password_change_with_the_wrong_current_password_is_refused(auth, client, make_user):
    user = make_user("kim@example.org", Role.ADMIN)
    auth.login("kim@example.org")
    old_hash = user.password_hash

    token = auth.csrf_token("/konto/losenord")
    response = client.post(
        "/konto/losenord",
        data={
            "csrf_token": token,
            "current_password": "inte-mitt-losenord",
            "new_password": "ett helt nytt lösenord",
            "confirm_password": "ett helt nytt lösenord",
        },
    )

    assert response.status_code == 400
    assert "Det nuvarande lösenordet stämmer inte." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == old_hash


def test_a_short_new_password_is_refused(auth, client, make_user):
    make_user("kim@example.org", Role.ADMIN)
    auth.login("kim@example.org")

    token = auth.csrf_token("/konto/losenord")
    response = client.post(
        "/konto/losenord",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": "kort",
            "confirm_password": "kort",
        },
    )

    assert response.status_code == 400
    assert "minst 12 tecken" in response.get_data(as_text=True)


def test_passwords_are_stored_hashed(make_user):
    user = make_user("kim@example.org", Role.ADMIN)

    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("pbkdf2:")
