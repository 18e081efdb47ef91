"""The systemförvaltare's user administration: invitations by mail with a one-time link,
editing, deactivating and reactivating, unlocking, a new password link, and the profile."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest
from sqlalchemy import func, select

from isk.extensions import db
from isk.models import NO_PASSWORD, AuditEntry, PasswordLink, Role, User
from isk.models.types import utcnow
from isk.services.accounts import invitations

from .conftest import PASSWORD
from .mail_helpers import Mailbox, smtp_server
from .plan_helpers import csrf_from, page_text

NEW_PASSWORD = "ett-langt-nytt-losenord"
BASE_URL = "https://isk.region.example"


@pytest.fixture
def mailbox(app) -> Iterator[Mailbox]:
    with smtp_server() as (box, port):
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="isk@region.example",
                          BASE_URL=BASE_URL)
        yield box


@pytest.fixture
def people(make_unit, make_user):
    sn = make_unit("Servicenämnden", code="SN")
    return {
        "sn": sn,
        "admin": make_user("alva@example.org", Role.ADMIN, None, name="Alva Admin"),
        "kim": make_user("kim@example.org", Role.CONTROLLER, sn, name="Kim Kontrollant"),
    }


def invite(client, **fields):
    page = client.get("/admin/anvandare/ny")
    data = {"csrf_token": csrf_from(page), "email": "nina@example.org", "name": "Nina Ny",
            "role": "controller", "org_unit": "", **fields}
    return client.post("/admin/anvandare/ny", data=data)


def link_in(message) -> str:
    match = re.search(rf"{re.escape(BASE_URL)}(/konto/losenord/[A-Za-z0-9_-]+)",
                      message.get_content())
    assert match, message.get_content()
    return match.group(1)


def set_password(client, path: str, password: str = NEW_PASSWORD):
    page = client.get(path)
    return client.post(path, data={"csrf_token": csrf_from(page), "new_password": password,
                                   "confirm_password": password})


def test_an_invited_user_sets_a_password_through_the_link_and_logs_in(
    people, client, auth, mailbox
):
    auth.login_via_session(people["admin"])

    response = invite(client, org_unit=str(people["sn"].id))

    assert response.status_code == 302
    nina = db.session.scalar(select(User).where(User.email == "nina@example.org"))
    assert nina.role is Role.CONTROLLER and nina.org_unit_id == people["sn"].id
    assert nina.password_hash == NO_PASSWORD and not nina.has_password
    [message] = mailbox.to("nina@example.org")
    assert message["Subject"] == "Inbjudan till ISK – intern styrning och kontroll"
    assert "som internkontrollant för Servicenämnden" in message.get_content()
    path = link_in(message)
    token = path.rsplit("/", 1)[1]
    stored = db.session.scalar(select(PasswordLink))
    assert stored.token_hash == invitations.token_hash(token) and token not in stored.token_hash
    assert "är inbjuden; inbjudan är skickad till nina@example.org" in page_text(
        client.get(response.headers["Location"]))

    auth.logout()
    form = client.get(path)
    assert form.status_code == 200 and "Välj lösenord" in page_text(form)
    done = set_password(client, path)
    assert done.status_code == 302 and done.headers["Location"].endswith("/logga-in")
    assert auth.login("nina@example.org", NEW_PASSWORD).status_code == 302
    events = db.session.scalars(select(AuditEntry.event).where(
        AuditEntry.object_type == "User", AuditEntry.object_id == nina.id)).all()
    assert events[:3] == ["user_created", "user_invited", "password_set_by_link"]


def test_the_link_works_once_and_not_after_it_expires(people, client, auth):
    user, _link, token = invitations.invite_user("nina@example.org", Role.READER, people["sn"],
                                                "Nina", by=people["admin"])
    db.session.commit()
    path = f"/konto/losenord/{token}"

    assert set_password(client, path).status_code == 302
    again = client.get(path)
    assert again.status_code == 410
    assert "ogiltig, redan använd eller för gammal" in page_text(again)

    second, token = invitations.new_password_link(user, by=people["admin"])
    second.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/konto/losenord/{token}").status_code == 410
    assert client.get("/konto/losenord/" + "x" * 43).status_code == 404


def test_a_new_link_ends_the_older_one(people, client):
    user, _link, first = invitations.invite_user("nina@example.org", Role.READER, people["sn"],
                                                 "Nina", by=people["admin"])
    _link, second = invitations.new_password_link(user, by=people["admin"])
    db.session.commit()

    assert client.get(f"/konto/losenord/{first}").status_code == 410
    assert client.get(f"/konto/losenord/{second}").status_code == 200


def test_a_short_password_is_refused_and_the_link_stays_usable(people, client):
    _user, _link, token = invitations.invite_user("nina@example.org", Role.READER, people["sn"],
                                                  "Nina", by=people["admin"])
    db.session.commit()
    path = f"/konto/losenord/{token}"

    refused = set_password(client, path, "kort")

    assert refused.status_code == 400
    assert "minst 12 tecken" in page_text(refused)
    assert db.session.scalar(select(PasswordLink.used_at)) is None
    assert set_password(client, path).status_code == 302


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"email": "inte-en-adress"}, "email", "inte en giltig e-postadress"),
    ({"email": "KIM@example.org"}, "email", "Det finns redan en användare"),
    ({"role": "reader", "org_unit": ""}, "org_unit", "hör till en enhet"),
    ({"role": "superuser"}, "role", "Not a valid choice"),
])
def test_a_bad_invitation_is_refused_in_swedish_and_writes_nothing(
    people, client, auth, mailbox, fields, field, message
):
    auth.login_via_session(people["admin"])
    before = db.session.scalar(select(func.count(User.id)))

    response = invite(client, **fields)

    assert response.status_code == 400
    assert message in page_text(response) or field == "role"
    assert db.session.scalar(select(func.count(User.id))) == before
    assert mailbox.messages == []


def test_when_mail_cannot_be_sent_the_user_is_kept_and_the_admin_told(people, client, auth, app):
    app.config.update(SMTP_HOST="", MAIL_FROM="")
    auth.login_via_session(people["admin"])

    response = invite(client, org_unit=str(people["sn"].id))

    assert response.status_code == 302
    page = page_text(client.get(response.headers["Location"]))
    assert "Brevet kunde inte skickas" in page and "ISK_SMTP_HOST" in page
    assert db.session.scalar(select(User).where(User.email == "nina@example.org")) is not None


def test_without_a_mail_server_the_outbox_keeps_the_invitation_and_its_link_works(
    people, client, auth, app, tmp_path
):
    outbox = tmp_path / "utkorg"
    app.config.update(SMTP_HOST="", MAIL_FROM="", MAIL_OUTBOX=str(outbox), BASE_URL=BASE_URL)
    auth.login_via_session(people["admin"])

    response = invite(client, org_unit=str(people["sn"].id))

    assert response.status_code == 302
    page = page_text(client.get(response.headers["Location"]))
    [saved] = list(outbox.glob("*.eml"))
    assert f"brevet till nina@example.org sparades i utkorgen ({saved})" in page
    assert "inbjudan är skickad till" not in page
    with open(saved, "rb") as file:
        message = BytesParser(policy=policy.default).parse(file)
    assert message["To"] == "nina@example.org"
    auth.logout()
    assert set_password(client, link_in(message)).status_code == 302
    assert auth.login("nina@example.org", NEW_PASSWORD).status_code == 302


def test_a_mail_server_wins_over_the_outbox(people, client, auth, app, mailbox, tmp_path):
    app.config.update(MAIL_OUTBOX=str(tmp_path / "utkorg"))
    auth.login_via_session(people["admin"])

    assert invite(client, org_unit=str(people["sn"].id)).status_code == 302

    assert len(mailbox.to("nina@example.org")) == 1
    assert not (tmp_path / "utkorg").exists()


def test_deactivating_ends_the_session_and_refuses_the_login(people, app, auth):
    kim_client = app.test_client()
    from .conftest import AuthActions

    kim = AuthActions(kim_client)
    assert kim.login("kim@example.org").status_code == 302
    assert kim_client.get("/").status_code == 200
    auth.login_via_session(people["admin"])
    page = auth.client.get(f"/admin/anvandare/{people['kim'].id}")

    response = auth.client.post(f"/admin/anvandare/{people['kim'].id}/inaktivera",
                                data={"csrf_token": csrf_from(page)})

    assert response.status_code == 302
    assert kim_client.get("/").status_code == 401  # the session ended
    refused = kim.login("kim@example.org")
    assert refused.status_code == 403
    assert "Kontot är inaktiverat" in page_text(refused)

    page = auth.client.get(f"/admin/anvandare/{people['kim'].id}")
    auth.client.post(f"/admin/anvandare/{people['kim'].id}/aktivera",
                     data={"csrf_token": csrf_from(page)})
    assert kim_client.get("/").status_code == 401  # old sessions stay ended
    assert kim.login("kim@example.org").status_code == 302
    events = db.session.scalars(select(AuditEntry.event).where(
        AuditEntry.event.in_(["user_deactivated", "user_reactivated"]))).all()
    assert events == ["user_deactivated", "user_reactivated"]


def test_an_admin_cannot_lock_themselves_or_the_region_out(people, client, auth):
    auth.login_via_session(people["admin"])
    own = f"/admin/anvandare/{people['admin'].id}"
    page = client.get(own)

    deactivate = client.post(f"{own}/inaktivera", data={"csrf_token": csrf_from(page)})
    demote = client.post(own, data={"csrf_token": csrf_from(page), "name": "Alva",
                                    "role": "reader", "org_unit": str(people["sn"].id)})

    assert deactivate.status_code == 400
    assert "Du kan inte inaktivera ditt eget konto." in page_text(deactivate)
    assert demote.status_code == 400
    assert "Du kan inte ändra din egen roll" in page_text(demote)
    db.session.expire_all()
    assert db.session.get(User, people["admin"].id).role is Role.ADMIN


def test_name_role_and_unit_are_edited_and_audited(people, client, auth, make_unit):
    hsn = make_unit("Hälso- och sjukvårdsnämnden", code="HSN")
    auth.login_via_session(people["admin"])
    path = f"/admin/anvandare/{people['kim'].id}"

    response = client.post(path, data={"csrf_token": csrf_from(client.get(path)),
                                       "name": "  Kim   Karlsson ", "role": "manager",
                                       "org_unit": str(hsn.id)})

    assert response.status_code == 302
    db.session.expire_all()
    kim = db.session.get(User, people["kim"].id)
    assert (kim.name, kim.role, kim.org_unit_id) == ("Kim Karlsson", Role.MANAGER, hsn.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.event == "user_updated"))
    assert entry.object_id == kim.id


def test_a_locked_account_is_unlocked(people, client, auth):
    kim = people["kim"]
    kim.locked_until = utcnow() + timedelta(minutes=10)
    kim.failed_logins = 3
    db.session.commit()
    auth.login_via_session(people["admin"])
    path = f"/admin/anvandare/{kim.id}"
    page = client.get(path)
    assert "Spärrad" in page_text(page)

    response = client.post(f"{path}/las-upp", data={"csrf_token": csrf_from(page)})

    assert response.status_code == 302
    db.session.expire_all()
    kim = db.session.get(User, kim.id)
    assert kim.locked_until is None and kim.failed_logins == 0
    assert auth.client.post("/logga-ut", data={"csrf_token": csrf_from(client.get("/"))})
    assert auth.login("kim@example.org", PASSWORD).status_code == 302


def test_a_new_password_link_is_mailed_to_an_existing_user(people, client, auth, mailbox):
    auth.login_via_session(people["admin"])
    path = f"/admin/anvandare/{people['kim'].id}"

    token = csrf_from(client.get(path))
    response = client.post(f"{path}/losenordslank", data={"csrf_token": token})

    assert response.status_code == 302
    [message] = mailbox.to("kim@example.org")
    assert message["Subject"] == "Ny länk för att sätta ditt lösenord i ISK"
    link = db.session.scalar(select(PasswordLink))
    assert link.expires_at - link.created_at == timedelta(hours=24)


def test_only_the_admin_administers_users(people, client, auth):
    auth.login_via_session(people["kim"])

    assert client.get("/admin/anvandare/ny").status_code == 403
    assert client.get(f"/admin/anvandare/{people['admin'].id}").status_code == 403
    token = csrf_from(client.get("/"))
    for action in ("inaktivera", "aktivera", "las-upp", "losenordslank"):
        response = client.post(f"/admin/anvandare/{people['admin'].id}/{action}",
                               data={"csrf_token": token})
        assert response.status_code == 403, action


def test_a_user_sees_their_own_profile(people, client, auth):
    auth.login_via_session(people["kim"])

    text = page_text(client.get("/konto"))

    assert "Min profil" in text and "kim@example.org" in text
    assert "Internkontrollant" in text and "Servicenämnden och enheterna under den" in text
