"""The organisation tree."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..models import OrgUnit, OrgUnitKind
from . import audit_log


class OrgError(ValueError):
    """A rule of the organisation tree was broken; the message is for the user."""


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


def units_in_scope(unit: OrgUnit) -> list[OrgUnit]:
    """The unit and everything below it, in tree order."""
    return list(
        db.session.scalars(
            select(OrgUnit).where(OrgUnit.path.startswith(unit.path)).order_by(OrgUnit.path)
        )
    )
