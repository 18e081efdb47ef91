"""Accounts, roles and org scope."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .org import OrgUnit
from .types import LabelledEnum, UTCDateTime, str_enum, utcnow


class Role(LabelledEnum):
    ADMIN = "admin", _l("Systemförvaltare")
    CONTROLLER = "controller", _l("Internkontrollant")
    MANAGER = "manager", _l("Chef")
    READER = "reader", _l("Läsare")
    AUDITOR = "auditor", _l("Revisor")
    HR = "hr", _l("HR")


# The password hash of an account that has none yet (invited): no password ever matches it.
NO_PASSWORD = "!"

# Roles whose scope is the whole region whatever unit they belong to (DOMAIN.md: who uses it).
REGION_WIDE_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})


class User(UserMixin, db.Model):
    """A person who logs in. Acts on their org unit and those below it unless region-wide."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'auditor') OR org_unit_id IS NOT NULL",
            name="scoped_role_has_unit",
        ),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change so that every other session of the account ends.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    org_unit: Mapped[OrgUnit | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active and self.archived_at is None

    @property
    def has_password(self) -> bool:
        """False for an invited user who has not yet set a password through the link."""
        return not self.password_hash.startswith(NO_PASSWORD)

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > utcnow()

    @property
    def is_region_wide(self) -> bool:
        return self.role in REGION_WIDE_ROLES

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class PasswordLinkPurpose(LabelledEnum):
    INVITATION = "invitation", _l("Inbjudan")
    RESET = "reset", _l("Lösenordslänk")


class PasswordLink(db.Model):
    """A one-time link to set the password, sent by mail in an invitation or by an admin.

    Only the SHA-256 of the token is kept, so the database never holds a usable link. A link
    is spent by its first use, ends when it expires, and a newer link for the user (or the
    password being set) ends the older ones.
    """

    __tablename__ = "password_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    purpose: Mapped[PasswordLinkPurpose] = mapped_column(
        str_enum(PasswordLinkPurpose, "password_link_purpose")
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and self.expires_at > now
