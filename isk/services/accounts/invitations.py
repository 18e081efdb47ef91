"""Invitations and one-time links to set a password.

An admin invites a user (the account is made without a password) or sends an existing user a
new link; the mail holds `/konto/losenord/<token>`. Only the token's SHA-256 is stored. A link
is spent by its first use (a conditional UPDATE, so two requests with one link cannot both
succeed), ends when it expires, and is ended by a newer link or by the password being set.
Setting the password ends every session of the account and lifts a lockout.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import (
    NO_PASSWORD,
    REGION_WIDE_ROLES,
    OrgUnit,
    PasswordLink,
    PasswordLinkPurpose,
    Role,
    User,
)
from ...models.types import utcnow
from .. import audit_log, mail
from ..errors import AccountError
from .users import (
    EMAIL_PATTERN,
    check_new_password,
    create_user,
    hash_password,
    normalise_email,
)


class LinkRefused(AccountError):
    """The link is unknown (404), or spent or expired (410); the message says what to do."""

    def __init__(self, status: int) -> None:
        super().__init__(_(
            "Länken för att sätta lösenord är ogiltig, redan använd eller för gammal. Be "
            "systemförvaltaren om en ny länk."))
        self.status = status


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def valid_hours(purpose: PasswordLinkPurpose) -> int:
    if purpose is PasswordLinkPurpose.INVITATION:
        return int(current_app.config["INVITATION_VALID_HOURS"])
    return int(current_app.config["PASSWORD_LINK_VALID_HOURS"])


def _end_open_links(user: User, now: datetime) -> None:
    db.session.execute(
        update(PasswordLink)
        .where(PasswordLink.user_id == user.id, PasswordLink.used_at.is_(None),
               PasswordLink.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )


def _new_link(user: User, purpose: PasswordLinkPurpose,
              by: User | None) -> tuple[PasswordLink, str]:
    """A fresh link (and its token, which is never stored); older open links of the user end."""
    now = utcnow()
    _end_open_links(user, now)
    token = secrets.token_urlsafe(32)
    link = PasswordLink(user=user, purpose=purpose, token_hash=token_hash(token), created_by=by,
                        created_at=now, expires_at=now + timedelta(hours=valid_hours(purpose)))
    db.session.add(link)
    db.session.flush()
    return link, token


def invite_user(email: str, role: Role, org_unit: OrgUnit | None, name: str | None, *,
                by: User | None) -> tuple[User, PasswordLink, str]:
    """Make an account without a password and a link for the user to set one."""
    address = normalise_email(email)
    if not EMAIL_PATTERN.match(address):
        raise AccountError(_("”%(email)s” är inte en giltig e-postadress.", email=address),
                           "email")
    if db.session.scalar(select(User.id).where(User.email == address)):
        raise AccountError(_("Det finns redan en användare med e-postadressen %(email)s.",
                             email=address), "email")
    if role not in REGION_WIDE_ROLES and org_unit is None:
        raise AccountError(_("Rollen %(role)s hör till en enhet: välj enheten.",
                             role=role.label.lower()), "org_unit")
    if org_unit is not None and org_unit.archived_at is not None:
        raise AccountError(_("Enheten %(unit)s är arkiverad.", unit=org_unit.name), "org_unit")
    # The same checks as every new account; the placeholder password is replaced at once.
    user = create_user(email, secrets.token_urlsafe(24), role, org_unit, name=name)
    user.password_hash = NO_PASSWORD
    link, token = _new_link(user, PasswordLinkPurpose.INVITATION, by)
    audit_log.record("user_invited", user, expires_at=link.expires_at)
    return user, link, token


def new_password_link(user: User, *, by: User | None) -> tuple[PasswordLink, str]:
    """A new link for an existing account: an invitation again if no password is set yet."""
    if not user.is_active:
        raise AccountError(_("Kontot är inaktiverat. Aktivera det innan du skickar en länk."))
    purpose = (PasswordLinkPurpose.RESET if user.has_password
               else PasswordLinkPurpose.INVITATION)
    link, token = _new_link(user, purpose, by)
    audit_log.record("password_link_created", user, purpose=purpose.value,
                     expires_at=link.expires_at)
    return link, token


def open_links(user: User) -> list[PasswordLink]:
    """The user's links, newest first (for the admin's page: sent, used, expired)."""
    return list(db.session.scalars(
        select(PasswordLink).where(PasswordLink.user_id == user.id)
        .options(selectinload(PasswordLink.created_by))
        .order_by(PasswordLink.created_at.desc(), PasswordLink.id.desc())
    ))


def usable_link(token: str) -> PasswordLink:
    """The link for this token if it may still be used; LinkRefused otherwise."""
    link = db.session.scalar(
        select(PasswordLink).where(PasswordLink.token_hash == token_hash(token))
        .options(selectinload(PasswordLink.user))
    ) if 20 <= len(token) <= 100 else None
    if link is None:
        raise LinkRefused(404)
    if not link.is_usable(utcnow()) or not link.user.is_active:
        raise LinkRefused(410)
    return link


def set_password_with_link(token: str, password: str) -> User:
    """Set the password through a link: once, before it expires; every session ends."""
    link = usable_link(token)
    user = link.user
    check_new_password(password, user.email)
    now = utcnow()
    spent = db.session.execute(
        update(PasswordLink)
        .where(PasswordLink.id == link.id, PasswordLink.used_at.is_(None),
               PasswordLink.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:  # another request used it a moment ago
        raise LinkRefused(410)
    _end_open_links(user, now)
    first = not user.has_password
    user.password_hash = hash_password(password)
    user.session_version = User.session_version + 1  # in SQL: every session of the account ends
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
    db.session.refresh(link)
    audit_log.record("password_set_by_link", user, actor=user, purpose=link.purpose.value,
                     first_password=first)
    return user


# --- the mail ----------------------------------------------------------------------------------


def link_message(user: User, link: PasswordLink, url: str, sender: str) -> EmailMessage:
    """The Swedish mail with the link: an invitation, or a new link for an existing account."""
    expires = format_datetime(link.expires_at, "d MMMM yyyy 'kl.' HH:mm")
    if link.purpose is PasswordLinkPurpose.INVITATION:
        subject = _("Inbjudan till ISK – intern styrning och kontroll")
        opening = (_("Du har fått ett konto i ISK, regionens stöd för intern styrning och "
                     "kontroll, som %(role)s för %(unit)s.", role=user.role.label.lower(),
                     unit=user.org_unit.name) if user.org_unit else
                   _("Du har fått ett konto i ISK, regionens stöd för intern styrning och "
                     "kontroll, som %(role)s.", role=user.role.label.lower()))
    else:
        subject = _("Ny länk för att sätta ditt lösenord i ISK")
        opening = _("Systemförvaltaren har skickat dig en länk för att sätta ett nytt lösenord "
                    "i ISK.")
    lines = [
        _("Hej %(name)s!", name=user.name),
        "",
        opening,
        _("Välj ditt lösenord här (länken fungerar en gång och gäller till %(expires)s):",
          expires=expires),
        url,
        "",
        _("Logga sedan in med din e-postadress %(email)s.", email=user.email),
        _("Har du inte väntat dig det här brevet kan du bortse från det."),
        "",
        _("Det här är ett automatiskt meddelande från ISK. Svara inte på det."),
    ]
    return mail.build_message(sender, user.email, subject, "\n".join(lines) + "\n")


def send_link(user: User, link: PasswordLink, token: str) -> Path | None:
    """Mail the link (after the caller's commit); MailError if it cannot be sent. Without a
    mail server but with an outbox (a demo), the path of the file the mail was written to."""
    from ..sam.reminders import external_url

    settings = mail.SmtpSettings.from_config(current_app.config)
    message = link_message(user, link, external_url("auth.set_password", token=token),
                           settings.sender)
    with mail.Mailer(settings) as mailer:
        return mailer.send(message)
