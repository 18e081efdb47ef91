"""The systemförvaltare's work on accounts: edit, deactivate, reactivate, unlock.

Nobody is deleted: a deactivated account keeps its history (the audit trail, what it owned and
recorded) and can be reactivated. Deactivating ends the account's sessions at once. An admin
cannot lock themselves out: not deactivate or demote their own account, nor the last active
systemförvaltare.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import REGION_WIDE_ROLES, OrgUnit, Role, User
from ...models.types import utcnow
from .. import audit_log
from ..errors import AccountError

MAX_NAME_LENGTH = 200


def list_users() -> Sequence[User]:
    return db.session.scalars(
        select(User).options(selectinload(User.org_unit)).order_by(func.lower(User.name), User.id)
    ).all()


def load_user(user_id: int) -> User | None:
    return db.session.scalar(
        select(User).where(User.id == user_id).options(selectinload(User.org_unit))
    )


def _active_admins() -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.ADMIN, User.active.is_(True), User.archived_at.is_(None))
    ) or 0


def _check_not_last_admin(user: User) -> None:
    if user.role is Role.ADMIN and user.is_active and _active_admins() <= 1:
        raise AccountError(_(
            "%(name)s är den enda aktiva systemförvaltaren. Ge någon annan rollen först, så att "
            "någon kan administrera ISK.", name=user.name))


@dataclass(frozen=True)
class UserData:
    name: str
    role: Role
    org_unit: OrgUnit | None


def update_user(user: User, data: UserData, *, by: User | None) -> bool:
    """Change name, role and unit; returns whether anything changed."""
    name = " ".join(data.name.split())
    if not name:
        raise AccountError(_("Ange användarens namn."), "name")
    if len(name) > MAX_NAME_LENGTH:
        raise AccountError(_("Namnet får vara högst %(n)d tecken.", n=MAX_NAME_LENGTH), "name")
    if data.role not in REGION_WIDE_ROLES and data.org_unit is None:
        raise AccountError(_("Rollen %(role)s hör till en enhet: välj enheten.",
                             role=data.role.label.lower()), "org_unit")
    if data.org_unit is not None and data.org_unit.archived_at is not None \
            and data.org_unit.id != user.org_unit_id:
        raise AccountError(_("Enheten %(unit)s är arkiverad.", unit=data.org_unit.name),
                           "org_unit")
    if data.role is not user.role:
        if by is not None and by.id == user.id:
            raise AccountError(_("Du kan inte ändra din egen roll. Be en annan "
                                 "systemförvaltare."), "role")
        _check_not_last_admin(user)
    changed = (name, data.role, data.org_unit) != (user.name, user.role, user.org_unit)
    if changed:
        user.name, user.role, user.org_unit = name, data.role, data.org_unit
        db.session.flush()
        audit_log.record("user_updated", user)
    return changed


def deactivate_user(user: User, *, by: User | None) -> None:
    """Inaktivera: the account can no longer log in, and its sessions end now."""
    if not user.active:
        raise AccountError(_("Kontot är redan inaktiverat."))
    if by is not None and by.id == user.id:
        raise AccountError(_("Du kan inte inaktivera ditt eget konto."))
    _check_not_last_admin(user)
    user.active = False
    user.session_version = User.session_version + 1  # in SQL: every session ends
    db.session.flush()
    audit_log.record("user_deactivated", user)


def reactivate_user(user: User, *, by: User | None) -> None:
    if user.active:
        raise AccountError(_("Kontot är redan aktivt."))
    if user.org_unit is not None and user.org_unit.archived_at is not None:
        raise AccountError(_("Användarens enhet %(unit)s är arkiverad. Flytta användaren till "
                             "en annan enhet först.", unit=user.org_unit.name))
    user.active = True
    db.session.flush()
    audit_log.record("user_reactivated", user)


def unlock_user(user: User, *, by: User | None) -> None:
    """Lift a lockout after too many failed logins."""
    if not user.is_locked and not user.failed_logins:
        raise AccountError(_("Kontot är inte spärrat."))
    user.locked_until = None
    user.failed_logins = 0
    db.session.flush()
    audit_log.record("user_unlocked", user)


def locked_users() -> Sequence[User]:
    """Accounts that are locked right now (for the admin's start page)."""
    return db.session.scalars(
        select(User).where(User.locked_until > utcnow(), User.active.is_(True))
        .order_by(User.name)
    ).all()
