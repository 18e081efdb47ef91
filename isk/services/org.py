"""The organisation tree, and the one way to say "this unit and everything below it".

`OrgUnit.path` is the chain of ids from the root ("/1/4/9/"), so a subtree is a prefix match.
Every query that limits rows to a part of the organisation uses `within`, `around` or
`user_scope` from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, func, or_, select

from ..extensions import db
from ..models import OrgUnit, OrgUnitKind, User
from . import audit_log
from .errors import OrgError

__all__ = [
    "OrgError",
    "all_units",
    "around",
    "create_org_unit",
    "find_unit",
    "people_in",
    "region_of",
    "subtree",
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


def create_org_unit(
    name: str, kind: OrgUnitKind, code: str, parent: OrgUnit | None = None
) -> OrgUnit:
    """Add a unit under its parent; a region is the root, other kinds sit below a higher kind."""
    name, code = name.strip(), code.strip()
    if not name or not code:
        raise OrgError(_("Enheten måste ha namn och kod."))
    if kind is OrgUnitKind.REGION and parent is not None:
        raise OrgError(_("En region kan inte ligga under en annan enhet."))
    if kind is not OrgUnitKind.REGION:
        if parent is None:
            raise OrgError(_("Enheten måste ligga under en överordnad enhet."))
        if kind.depth < parent.kind.depth or (
            kind.depth == parent.kind.depth and kind is not OrgUnitKind.ENHET
        ):
            raise OrgError(
                _(
                    "En enhet av typen %(kind)s kan inte ligga under en enhet av typen %(parent)s.",
                    kind=kind.label.lower(),
                    parent=parent.kind.label.lower(),
                )
            )
    if db.session.scalar(select(OrgUnit.id).where(func.lower(OrgUnit.code) == code.lower())):
        raise OrgError(_("Koden %(code)s används redan av en annan enhet.", code=code))
    unit = OrgUnit(name=name, kind=kind, code=code, parent=parent)
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    audit_log.record("org_unit_created", unit, name=name, kind=kind.value, code=code)
    return unit


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
