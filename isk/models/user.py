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
    def is_region_wide(self) -> bool:
        return self.role in REGION_WIDE_ROLES

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"
