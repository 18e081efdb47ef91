"""Reading plans: which a user sees, a plan with its content, the region's plan of the year."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, undefer

from ...extensions import db
from ...models import (
    Action,
    OrgUnit,
    OrgUnitKind,
    Plan,
    ProcessArea,
    Risk,
    User,
)
from .. import org
from .document import PlanDocument, build_document
from .loading import read_document


def plans_visible_to(user: User) -> Sequence[Plan]:
    """The live plans in the user's scope, newest year first."""
    query = (
        select(Plan)
        .join(Plan.org_unit)
        .where(Plan.archived_at.is_(None))
        .options(selectinload(Plan.org_unit))
        .order_by(Plan.year.desc(), OrgUnit.path)
    )
    scoped = org.user_scope(query, user)
    return [] if scoped is None else db.session.scalars(scoped).all()


def with_plan_content(query):  # type: ignore[no-untyped-def]
    risks = selectinload(Plan.process_areas).selectinload(ProcessArea.risks)
    return query.options(
        undefer(Plan.latest_revision),
        undefer(Plan.has_next_year),
        undefer(Plan.annual_assessed),
        joinedload(Plan.org_unit),  # many-to-one: in the plan's own query
        risks.selectinload(Risk.actions),
        risks.selectinload(Risk.owner),
    )


def load_plan_for_display(plan_id: int) -> Plan | None:
    """Load a plan with its verksamheter, risks and åtgärder in a fixed number of queries."""
    return db.session.scalar(
        with_plan_content(select(Plan).where(Plan.id == plan_id, Plan.archived_at.is_(None)))
    )


def load_plan_for_reading(plan_id: int) -> Plan | None:
    """A live plan with its unit and the flags the plan page asks about, but not its content:
    the page and the exports read that as rows (`displayed_document`)."""
    return db.session.scalar(
        select(Plan).where(Plan.id == plan_id, Plan.archived_at.is_(None)).options(
            undefer(Plan.latest_revision), undefer(Plan.has_next_year),
            undefer(Plan.annual_assessed), joinedload(Plan.org_unit))
    )


def displayed_document(plan: Plan) -> PlanDocument:
    """The plan as printed, with the region's shared content: `document_for` read as rows."""
    return read_document(plan, region_plan_for(plan, with_content=False))


def region_root_id(unit: OrgUnit) -> int:
    return org.region_of(unit)


def region_plan_for(plan: Plan, *, with_content: bool = True) -> Plan | None:
    """The region's plan of the same year, whose regionövergripande content every plan shares."""
    if plan.is_region_plan:
        return None
    query = select(Plan).where(
        Plan.org_unit_id == region_root_id(plan.org_unit),
        Plan.year == plan.year,
        Plan.archived_at.is_(None),
    ).options(joinedload(Plan.org_unit))  # who may edit the region's rows asks for its unit
    return db.session.scalar(with_plan_content(query) if with_content else query)


def document_for(plan: Plan) -> PlanDocument:
    return build_document(plan, region_plan_for(plan))


@dataclass(frozen=True)
class RiskYear:
    year: int
    unit_name: str
    plan_id: int
    risk_score: int | None
    is_current: bool


def risk_history(risk: Risk) -> list[RiskYear]:
    """The same risk year by year (copies keep the lineage), to follow its riskvärde."""
    rows = db.session.execute(
        select(Risk, Plan, OrgUnit)
        .join(Risk.process_area)
        .join(ProcessArea.plan)
        .join(Plan.org_unit)
        .where(Risk.lineage_key == risk.lineage_key, Plan.archived_at.is_(None))
        .order_by(Plan.year)
    ).all()
    return [
        RiskYear(plan.year, unit.name, plan.id, other.risk_score, other.id == risk.id)
        for other, plan, unit in rows
    ]


def plan_of(item: ProcessArea | Risk | Action) -> Plan:
    if isinstance(item, Action):
        return item.risk.process_area.plan
    if isinstance(item, Risk):
        return item.process_area.plan
    return item.plan


LiveT = TypeVar("LiveT", ProcessArea, Risk, Action)


def live(items: Iterable[LiveT]) -> list[LiveT]:
    """The items that are not archived (nothing is hard-deleted)."""
    return [item for item in items if item.archived_at is None]


def units_for_new_plan(user: User) -> list[OrgUnit]:
    """Units where the user may start a plan: those in scope above enhet level."""
    return [u for u in org.units_for(user) if u.kind is not OrgUnitKind.ENHET]
