"""The organisation tree, and the one way to say "this unit and everything below it".

`OrgUnit.path` is the chain of ids from the root ("/1/4/9/"), so a subtree is a prefix match.
Every query that limits rows to a part of the organisation uses `within`, `around` or
`user_scope` from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import ColumnElement, Select, func, or_, select

from ..extensions import db
from ..models import (
    ManagerUnit,
    OrgUnit,
    OrgUnitKind,
    Plan,
    PlanStatus,
    RoundStatus,
    SamRound,
    User,
)
from ..models.types import utcnow
from . import audit_log
from .errors import OrgError

__all__ = [
    "OrgError",
    "TreeRow",
    "all_units",
    "archive_org_unit",
    "archive_refusal",
    "around",
    "create_org_unit",
    "find_unit",
    "move_org_unit",
    "people_in",
    "possible_parents",
    "region_of",
    "rename_org_unit",
    "restore_org_unit",
    "subtree",
    "unit_tree",
    "units_above",
    "units_for",
    "user_scope",
    "within",
]


# --- the scope filter -----------------------------------------------------------------------


def within(unit: OrgUnit) -> ColumnElement[bool]:
    """Rows whose OrgUnit is `unit` or lies below it (the query must join OrgUnit)."""
    return OrgUnit.path.startswith(unit.path)


def around(unit: OrgUnit) -> ColumnElement[bool]:
    """Rows whose OrgUnit is `unit`, below it or above it: the parts that overlap it."""
    return or_(
        OrgUnit.path.startswith(unit.path),
        func.substr(unit.path, 1, func.length(OrgUnit.path)) == OrgUnit.path,
    )


def user_scope(query: Select[Any], user: User, *, overlapping: bool = False) -> Select[Any] | None:
    """Limit a query (joined on OrgUnit) to the user's scope; None if the user has none.

    A region-wide role sees everything. `overlapping` also keeps the units above the user's
    own (a region-wide SAM round seen by the HR of one förvaltning).
    """
    if user.is_region_wide:
        return query
    if user.org_unit is None:
        return None
    return query.where(around(user.org_unit) if overlapping else within(user.org_unit))


# --- units ----------------------------------------------------------------------------------


def _check_parent(kind: OrgUnitKind, parent: OrgUnit | None) -> None:
    """A region is the root; other kinds sit below a higher kind (an enhet also below an enhet)."""
    if kind is OrgUnitKind.REGION:
        if parent is not None:
            raise OrgError(_("En region kan inte ligga under en annan enhet."), "parent")
        return
    if parent is None:
        raise OrgError(_("Enheten måste ligga under en överordnad enhet."), "parent")
    if parent.archived_at is not None:
        raise OrgError(_("%(unit)s är arkiverad; välj en annan överordnad enhet.",
                         unit=parent.name), "parent")
    if kind.depth < parent.kind.depth or (
        kind.depth == parent.kind.depth and kind is not OrgUnitKind.ENHET
    ):
        raise OrgError(
            _(
                "En enhet av typen %(kind)s kan inte ligga under en enhet av typen %(parent)s.",
                kind=kind.label.lower(),
                parent=parent.kind.label.lower(),
            ),
            "parent",
        )


def _check_name_and_code(name: str, code: str, unit: OrgUnit | None = None) -> None:
    if not name:
        raise OrgError(_("Ange enhetens namn."), "name")
    if not code:
        raise OrgError(_("Ange enhetens kod."), "code")
    if len(name) > 200:
        raise OrgError(_("Namnet får vara högst 200 tecken."), "name")
    if len(code) > 40:
        raise OrgError(_("Koden får vara högst 40 tecken."), "code")
    taken = select(OrgUnit.id).where(func.lower(OrgUnit.code) == code.lower())
    if unit is not None:
        taken = taken.where(OrgUnit.id != unit.id)
    if db.session.scalar(taken):
        raise OrgError(_("Koden %(code)s används redan av en annan enhet.", code=code), "code")


def create_org_unit(
    name: str, kind: OrgUnitKind, code: str, parent: OrgUnit | None = None
) -> OrgUnit:
    """Add a unit under its parent; a region is the root, other kinds sit below a higher kind."""
    name, code = " ".join(name.split()), code.strip()
    if not name or not code:
        raise OrgError(_("Enheten måste ha namn och kod."))
    _check_parent(kind, parent)
    _check_name_and_code(name, code)
    unit = OrgUnit(name=name, kind=kind, code=code, parent=parent)
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    audit_log.record("org_unit_created", unit, name=name, kind=kind.value, code=code)
    return unit


def rename_org_unit(unit: OrgUnit, name: str, code: str) -> bool:
    """Change the name and the code; returns whether anything changed."""
    name, code = " ".join(name.split()), code.strip()
    _check_name_and_code(name, code, unit)
    if (name, code) == (unit.name, unit.code):
        return False
    unit.name, unit.code = name, code
    db.session.flush()
    audit_log.record("org_unit_renamed", unit)
    return True


def move_org_unit(unit: OrgUnit, parent: OrgUnit) -> bool:
    """Move the unit, and everything below it, under another parent in the same region."""
    if unit.parent_id == parent.id:
        return False
    if unit.kind is OrgUnitKind.REGION:
        raise OrgError(_("En region kan inte flyttas."), "parent")
    if unit.contains(parent):
        raise OrgError(_("%(unit)s kan inte flyttas under sig själv eller en enhet under sig.",
                         unit=unit.name), "parent")
    if region_of(parent) != region_of(unit):
        raise OrgError(_("En enhet kan inte flyttas till en annan region."), "parent")
    _check_parent(unit.kind, parent)
    old_parent, old_path = unit.parent, unit.path
    new_path = f"{parent.path}{unit.id}/"
    for below in subtree(unit):  # the unit itself first
        below.path = new_path + below.path[len(old_path):]
    unit.parent = parent
    db.session.flush()
    audit_log.record("org_unit_moved", unit, before=old_parent.name if old_parent else None,
                     after=parent.name)
    return True


def archive_refusal(unit: OrgUnit) -> str | None:
    """Why the unit cannot be archived now (what would be left without a unit), or None."""
    if unit.kind is OrgUnitKind.REGION:
        return _("Regionen kan inte arkiveras.")
    if unit.archived_at is not None:
        return _("Enheten är redan arkiverad.")
    children = db.session.scalar(select(func.count(OrgUnit.id)).where(
        OrgUnit.parent_id == unit.id, OrgUnit.archived_at.is_(None)))
    users = db.session.scalar(select(func.count(User.id)).where(
        User.org_unit_id == unit.id, User.active.is_(True), User.archived_at.is_(None)))
    plans = db.session.scalar(select(func.count(Plan.id)).where(
        Plan.org_unit_id == unit.id, Plan.archived_at.is_(None),
        Plan.status != PlanStatus.CLOSED))
    chefs = db.session.scalar(select(func.count(ManagerUnit.id)).where(
        ManagerUnit.org_unit_id == unit.id, ManagerUnit.archived_at.is_(None)))
    rounds = db.session.scalar(select(func.count(SamRound.id)).where(
        SamRound.org_unit_id == unit.id, SamRound.archived_at.is_(None),
        SamRound.status == RoundStatus.OPEN))
    reasons = []
    if children:
        reasons.append(ngettext("%(num)d enhet ligger under den",
                                "%(num)d enheter ligger under den", children))
    if users:
        reasons.append(ngettext("%(num)d aktiv användare hör till den",
                                "%(num)d aktiva användare hör till den", users))
    if plans:
        reasons.append(ngettext("%(num)d internkontrollplan är inte avslutad",
                                "%(num)d internkontrollplaner är inte avslutade", plans))
    if chefs:
        reasons.append(ngettext("%(num)d chef leder den i chefskedjan",
                                "%(num)d chefer leder den i chefskedjan", chefs))
    if rounds:
        reasons.append(_("en SAM-runda för den pågår"))
    if not reasons:
        return None
    return _("%(unit)s kan inte arkiveras: %(reasons)s. Flytta, avsluta eller arkivera dem "
             "först.", unit=unit.name, reasons="; ".join(reasons))


def archive_org_unit(unit: OrgUnit) -> None:
    """Archive: the unit leaves every chooser but keeps its history (plans, the audit trail)."""
    refusal = archive_refusal(unit)
    if refusal is not None:
        raise OrgError(refusal)
    unit.archived_at = utcnow()
    db.session.flush()
    audit_log.record("org_unit_archived", unit)


def restore_org_unit(unit: OrgUnit) -> None:
    if unit.archived_at is None:
        raise OrgError(_("Enheten är inte arkiverad."))
    if unit.parent is not None and unit.parent.archived_at is not None:
        raise OrgError(_("Den överordnade enheten %(unit)s är arkiverad; återställ den först.",
                         unit=unit.parent.name))
    unit.archived_at = None
    db.session.flush()
    audit_log.record("org_unit_restored", unit)


@dataclass
class TreeRow:
    unit: OrgUnit
    users: int
    plans: int
    children: list[TreeRow]


def unit_tree() -> list[TreeRow]:
    """Every unit, archived ones too, as a tree (siblings by name), with users and plans."""
    units = db.session.scalars(select(OrgUnit).order_by(func.lower(OrgUnit.name))).all()
    users = dict(db.session.execute(
        select(User.org_unit_id, func.count(User.id))
        .where(User.active.is_(True), User.archived_at.is_(None))
        .group_by(User.org_unit_id)).all())
    plans = dict(db.session.execute(
        select(Plan.org_unit_id, func.count(Plan.id)).where(Plan.archived_at.is_(None))
        .group_by(Plan.org_unit_id)).all())
    rows = {unit.id: TreeRow(unit, users.get(unit.id, 0), plans.get(unit.id, 0), [])
            for unit in units}
    roots = []
    for unit in units:  # in name order, so each list of children is too
        parent = rows.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(rows[unit.id])
    return roots


def possible_parents(unit: OrgUnit | None, kind: OrgUnitKind) -> list[OrgUnit]:
    """Live units the unit (or a new unit of this kind) may be placed under."""
    candidates = []
    for parent in all_units():
        if unit is not None and (unit.contains(parent) or region_of(parent) != region_of(unit)):
            continue
        try:
            _check_parent(kind, parent)
        except OrgError:
            continue
        candidates.append(parent)
    return candidates


def find_unit(reference: str) -> OrgUnit:
    """Find a unit by its code, else by its exact name (case-insensitive)."""
    ref = reference.strip().lower()
    unit = db.session.scalar(select(OrgUnit).where(func.lower(OrgUnit.code) == ref))
    if unit is not None:
        return unit
    matches = db.session.scalars(select(OrgUnit).where(func.lower(OrgUnit.name) == ref)).all()
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise OrgError(_("Det finns ingen enhet med koden eller namnet ”%(ref)s”.", ref=reference))
    raise OrgError(_("Flera enheter heter ”%(ref)s”; ange enhetens kod i stället.", ref=reference))


def subtree(unit: OrgUnit, *, live_only: bool = False) -> Sequence[OrgUnit]:
    """The unit and everything below it, in tree order."""
    query = select(OrgUnit).where(within(unit)).order_by(OrgUnit.path)
    if live_only:
        query = query.where(OrgUnit.archived_at.is_(None))
    return db.session.scalars(query).all()


def all_units() -> Sequence[OrgUnit]:
    """Every live org unit in tree order."""
    return db.session.scalars(
        select(OrgUnit).where(OrgUnit.archived_at.is_(None)).order_by(OrgUnit.path)
    ).all()


def units_for(user: User) -> Sequence[OrgUnit]:
    """The live units in the user's scope: all for region-wide roles, else their subtree."""
    query = user_scope(
        select(OrgUnit).where(OrgUnit.archived_at.is_(None)).order_by(OrgUnit.path), user
    )
    return [] if query is None else db.session.scalars(query).all()


def units_above(unit: OrgUnit) -> Sequence[OrgUnit]:
    """The unit and those above it, from the top (for breadcrumbs)."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    units = {u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [units[i] for i in ids if i in units]


def region_of(unit: OrgUnit) -> int:
    """The id of the region the unit belongs to (the root of its path)."""
    return int(unit.path.strip("/").split("/")[0])


def people_in(unit: OrgUnit) -> Sequence[User]:
    """The live users of the unit and below: who may own a risk or be responsible for a control."""
    return db.session.scalars(
        select(User).join(User.org_unit)
        .where(within(unit), User.archived_at.is_(None))
        .order_by(User.name)
    ).all()
