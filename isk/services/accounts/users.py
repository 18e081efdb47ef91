"""User accounts: creating them, e-mail addresses and passwords."""

from __future__ import annotations

import re
import unicodedata

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ...extensions import db
from ...models import OrgUnit, Role, User
from .. import audit_log
from ..errors import AccountError

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Letters that are not a plain a-z with accents (å, ä, ö, é, ü ...) but still belong in
# addresses in the region; anything else (Cyrillic а, Greek Α, dotless ı) is a lookalike.
EXTRA_LETTERS = frozenset("æøœð")


def normalise_email(email: str) -> str:
    """The one form of an address: compatibility-composed (NFKC), without invisible format
    characters (zero-width space, joiners, BOM, direction marks), trimmed, lower case."""
    composed = unicodedata.normalize("NFKC", email or "")
    visible = "".join(char for char in composed if unicodedata.category(char) != "Cf")
    return unicodedata.normalize("NFC", visible.strip().lower())


def _lookalike_letters(email: str) -> list[str]:
    """Letters outside a-z with accents: written to look like others, they would make a
    second account that reads the same as an existing one."""
    found = []
    for char in email:
        if not char.isalpha() or char in EXTRA_LETTERS:
            continue
        base = unicodedata.normalize("NFD", char)[0]
        if not ("a" <= base <= "z"):
            found.append(char)
    return found


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_new_password(password: str, email: str | None = None) -> None:
    """Refuse passwords that are too short or equal to the e-mail address."""
    minimum = current_app.config["MIN_PASSWORD_LENGTH"]
    if len(password) < minimum:
        raise AccountError(
            _("Lösenordet måste vara minst %(n)d tecken långt.", n=minimum), "new_password"
        )
    if email and password.strip().lower() == email.lower():
        raise AccountError(_("Lösenordet får inte vara samma som e-postadressen."), "new_password")


def create_user(
    email: str,
    password: str,
    role: Role,
    org_unit: OrgUnit | None = None,
    name: str | None = None,
) -> User:
    """Create an account; scoped roles need an org unit, region-wide roles may have one."""
    email = normalise_email(email)
    if not EMAIL_PATTERN.match(email) or not email.isprintable():
        raise AccountError(_("”%(email)s” är inte en giltig e-postadress.", email=email))
    lookalikes = _lookalike_letters(email)
    if lookalikes:
        raise AccountError(_(
            "E-postadressen ”%(email)s” innehåller tecken som liknar vanliga bokstäver men är "
            "andra (%(letters)s). Skriv adressen med a–z, å, ä, ö och andra bokstäver med "
            "accent.", email=email, letters=", ".join(sorted(set(lookalikes)))))
    if role not in (Role.ADMIN, Role.AUDITOR) and org_unit is None:
        raise AccountError(
            _("Rollen %(role)s måste höra till en enhet; ange --unit.", role=role.label)
        )
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise AccountError(
            _("Det finns redan en användare med e-postadressen %(email)s.", email=email)
        )
    check_new_password(password, email)
    user = User(
        email=email,
        name=(name or email.split("@")[0]).strip(),
        password_hash=hash_password(password),
        role=role,
        org_unit=org_unit,
    )
    db.session.add(user)
    db.session.flush()
    audit_log.record(
        "user_created",
        user,
        email=email,
        role=role.value,
        org_unit=org_unit.code if org_unit else None,
    )
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the password after checking the current one; ends the account's other sessions."""
    if not check_password_hash(user.password_hash, current_password):
        raise AccountError(_("Det nuvarande lösenordet stämmer inte."), "current_password")
    if current_password == new_password:
        raise AccountError(
            _("Det nya lösenordet måste skilja sig från det nuvarande."), "new_password"
        )
    check_new_password(new_password, user.email)
    user.password_hash = hash_password(new_password)
    user.session_version = User.session_version + 1  # in SQL: every other session ends
    db.session.flush()
    audit_log.record("password_changed", user, actor=user)
