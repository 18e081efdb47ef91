"""The manager chain: each chef's units and fördelande chef, kept without cycles."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import permissions
from ...extensions import db
from ...models import (
    FollowUpStatus,
    ManagerAssignment,
    ManagerUnit,
    OrgUnit,
    RoundStatus,
    SamFollowUp,
    SamRound,
    User,
)
from ...models.types import utcnow
from .. import audit_log
from ..errors import check_version, flush
from .common import (
    SamConflict,
    SamError,
)


def chain() -> Sequence[ManagerAssignment]:
    """The live manager chain with people and units, in a fixed number of queries."""
    return db.session.scalars(
        select(ManagerAssignment)
        .join(ManagerAssignment.user)
        .where(ManagerAssignment.archived_at.is_(None))
        .options(
            selectinload(ManagerAssignment.user).selectinload(User.org_unit),
            selectinload(ManagerAssignment.delegating_assignment).selectinload(ManagerAssignment.user),
            selectinload(ManagerAssignment.units).selectinload(ManagerUnit.org_unit),
        )
        .order_by(User.name)
    ).all()


def load_assignment(assignment_id: int) -> ManagerAssignment | None:
    return db.session.scalar(
        select(ManagerAssignment).where(
            ManagerAssignment.id == assignment_id, ManagerAssignment.archived_at.is_(None)
        )
    )


def delegating_assignment(assignment_id: int | None) -> ManagerAssignment | None:
    """The fördelande chef's entry a form names; none (0) is the top of the chain."""
    if not assignment_id:
        return None
    found = load_assignment(assignment_id)
    if found is None:
        raise SamError(_("Den fördelande chefen finns inte i chefskedjan."), "delegating")
    return found


def assignment_for(user: User) -> ManagerAssignment | None:
    return db.session.scalar(select(ManagerAssignment).where(ManagerAssignment.user_id == user.id))


def check_may_be_manager(user: User) -> None:
    if not user.is_active:
        raise SamError(
            _("%(name)s är inaktiverad och kan inte ingå i chefskedjan.", name=user.name)
        )
    if not permissions.has_permission(user, permissions.Permission.RESPOND_SAM):
        raise SamError(
            _(
                "%(name)s har rollen %(role)s; bara användare som kan svara på SAM-uppföljningen "
                "(till exempel rollen Chef) kan ingå i chefskedjan.",
                name=user.name,
                role=user.role.label,
            )
        )


def _creates_cycle(assignment: ManagerAssignment | None, delegating: ManagerAssignment) -> bool:
    """Would `delegating` (or someone above it) be the chef themselves?"""
    seen: set[int] = set()
    current: ManagerAssignment | None = delegating
    while current is not None and current.id not in seen:
        if assignment is not None and current.id == assignment.id:
            return True
        seen.add(current.id)
        current = current.delegating_assignment
    return current is not None  # an existing loop further up


def save_assignment(
    user: User,
    units: Iterable[OrgUnit],
    delegating: ManagerAssignment | None,
    *,
    expected_version: int | None = None,
) -> ManagerAssignment:
    """Put a chef in the chain (or change their units and fördelande chef).

    A changed fördelande chef also takes over the chef's follow-ups that are not yet
    avstämda in open rounds, so that nothing waits for someone who no longer confirms.
    """
    check_may_be_manager(user)
    chosen = {unit.id: unit for unit in units}
    if not chosen:
        raise SamError(_("Ange minst en enhet som chefen leder."), "units")
    assignment = assignment_for(user)
    if assignment is not None:
        check_version(assignment, expected_version)
    if delegating is not None:
        if delegating.archived_at is not None:
            raise SamError(_("Den fördelande chefen finns inte i chefskedjan."), "delegating")
        if delegating.user_id == user.id:
            raise SamError(_("En chef kan inte vara sin egen fördelande chef."), "delegating")
        if _creates_cycle(assignment, delegating):
            raise SamError(
                _(
                    "%(name)s står redan under %(chef)s i chefskedjan; kedjan kan inte gå i "
                    "cirkel.",
                    name=delegating.user.name,
                    chef=user.name,
                ),
                "delegating",
            )
    if assignment is None:
        assignment = ManagerAssignment(user=user)
        db.session.add(assignment)
    apply_assignment(assignment, list(chosen.values()), delegating)
    return assignment


def apply_assignment(
    assignment: ManagerAssignment,
    units: list[OrgUnit],
    delegating: ManagerAssignment | None,
    **audit: object,
) -> None:
    """Set the units and fördelande chef (already checked), and record it."""
    before = assignment.delegating_assignment
    previous = before.user_id if before is not None and assignment.id is not None else None
    assignment.archived_at = None
    assignment.delegating_assignment = delegating
    assignment.updated_at = utcnow()
    _sync_units(assignment, {unit.id: unit for unit in units})
    flush()
    now_delegating = delegating.user_id if delegating else None
    if previous != now_delegating:
        _reassign_open_follow_ups(assignment.user, now_delegating)
    audit_log.record(
        "sam_manager_saved",
        assignment,
        manager=assignment.user.email,
        units=sorted(unit.code for unit in units),
        delegating_manager=delegating.user.email if delegating else None,
        **audit,
    )


def _sync_units(assignment: ManagerAssignment, chosen: dict[int, OrgUnit]) -> None:
    now = utcnow()
    existing = {link.org_unit_id: link for link in assignment.units}
    for unit_id, link in existing.items():
        if unit_id in chosen:
            link.archived_at = None
        elif link.archived_at is None:
            link.archived_at = now
    for unit_id, unit in chosen.items():
        if unit_id not in existing:
            db.session.add(ManagerUnit(assignment=assignment, org_unit=unit))


def _reassign_open_follow_ups(chef: User, delegating_user_id: int | None) -> None:
    open_follow_ups = db.session.scalars(
        select(SamFollowUp)
        .join(SamFollowUp.round)
        .where(
            SamFollowUp.manager_id == chef.id,
            SamFollowUp.status != FollowUpStatus.CONFIRMED,
            SamRound.status == RoundStatus.OPEN,
        )
    ).all()
    for follow_up in open_follow_ups:
        follow_up.delegating_manager_id = delegating_user_id
    flush()


def archive_assignment(
    assignment: ManagerAssignment, *, expected_version: int | None = None
) -> None:
    """Take a chef out of the chain; refused while other chefs report to them."""
    check_version(assignment, expected_version)
    reporting = [other.user.name for other in assignment.delegated_to if other.archived_at is None]
    if reporting:
        raise SamConflict(
            _(
                "%(name)s är fördelande chef för %(others)s. Ge dem en annan fördelande chef "
                "först.",
                name=assignment.user.name,
                others=", ".join(sorted(reporting)),
            )
        )
    assignment.archived_at = utcnow()
    flush()
    audit_log.record("sam_manager_archived", assignment, manager=assignment.user.email)


def possible_delegating(
    assignment: ManagerAssignment | None, chain_now: Sequence[ManagerAssignment]
) -> list[ManagerAssignment]:
    """Whom a chef's entry may name as fördelande chef: anyone in the chain but the chef
    and those who report to the chef, directly or further down (that would be a cycle)."""
    if assignment is None:
        return list(chain_now)
    below = {assignment.id}
    grew = True
    while grew:
        grew = False
        for other in chain_now:
            if other.delegating_assignment_id in below and other.id not in below:
                below.add(other.id)
                grew = True
    return [other for other in chain_now if other.id not in below]


def possible_managers(assignment: ManagerAssignment | None) -> list[User]:
    """Users who may be put in the chain (or the assignment's own chef when editing)."""
    if assignment is not None:
        return [assignment.user]
    in_chain = select(ManagerAssignment.user_id).where(ManagerAssignment.archived_at.is_(None))
    users = db.session.scalars(
        select(User)
        .where(User.active.is_(True), User.archived_at.is_(None), User.id.not_in(in_chain))
        .order_by(User.name)
    ).all()
    return [
        user
        for user in users
        if permissions.has_permission(user, permissions.Permission.RESPOND_SAM)
    ]
