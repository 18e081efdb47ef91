"""IK-plans: finding the plans a user may see, loading one for display, building its content."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Action,
    ActionStatus,
    Criterion,
    OrgUnit,
    Plan,
    PlanStatus,
    ProcessArea,
    Risk,
    User,
)
from ..models.types import utcnow
from . import audit_log


class PlanError(ValueError):
    """A rule on plans was broken; the message is for the user."""


def plans_visible_to(user: User) -> Sequence[Plan]:
    """The live plans in the user's scope, newest year first."""
    query = (
        select(Plan)
        .join(Plan.org_unit)
        .where(Plan.archived_at.is_(None))
        .options(selectinload(Plan.org_unit))
        .order_by(Plan.year.desc(), OrgUnit.name)
    )
    if not user.is_region_wide:
        if user.org_unit is None:
            return []
        query = query.where(OrgUnit.path.startswith(user.org_unit.path))
    return db.session.scalars(query).all()


def load_plan_for_display(plan_id: int) -> Plan | None:
    """Load a plan with its verksamheter, risks and åtgärder in a fixed number of queries."""
    return db.session.scalar(
        select(Plan)
        .where(Plan.id == plan_id, Plan.archived_at.is_(None))
        .options(
            selectinload(Plan.org_unit),
            selectinload(Plan.process_areas)
            .selectinload(ProcessArea.risks)
            .selectinload(Risk.actions),
            selectinload(Plan.process_areas)
            .selectinload(ProcessArea.risks)
            .selectinload(Risk.owner),
        )
    )


@dataclass(frozen=True)
class PlanRow:
    """One printed row of the plan table: a risk with one of its åtgärder (or none)."""

    area: ProcessArea
    risk: Risk
    action: Action | None
    first_of_area: bool
    first_of_risk: bool
    area_rowspan: int
    risk_rowspan: int


def table_rows(plan: Plan) -> list[PlanRow]:
    """Flatten the plan into the published table's rows (Verksamhet | Risk | Åtgärd)."""
    rows: list[PlanRow] = []
    for area in live(plan.process_areas):
        risks = live(area.risks)
        area_span = sum(max(1, len(live(risk.actions))) for risk in risks)
        first_area = True
        for risk in risks:
            actions: list[Action | None] = list(live(risk.actions)) or [None]
            for index, action in enumerate(actions):
                rows.append(
                    PlanRow(area, risk, action, first_area, index == 0, area_span, len(actions))
                )
                first_area = False
    return rows


LiveT = TypeVar("LiveT", ProcessArea, Risk, Action)


def live(items: Iterable[LiveT]) -> list[LiveT]:
    """The items that are not archived (nothing is hard-deleted)."""
    return [item for item in items if item.archived_at is None]


def create_plan(org_unit: OrgUnit, year: int) -> Plan:
    """Start a draft plan for a unit and year; there is at most one per unit and year."""
    existing = db.session.scalar(
        select(Plan).where(Plan.org_unit_id == org_unit.id, Plan.year == year)
    )
    if existing is not None:
        raise PlanError(
            _(
                "%(unit)s har redan en internkontrollplan för %(year)d.",
                unit=org_unit.name,
                year=year,
            )
        )
    plan = Plan(org_unit=org_unit, year=year, status=PlanStatus.DRAFT)
    db.session.add(plan)
    db.session.flush()
    audit_log.record("plan_created", plan, org_unit=org_unit.code, year=year)
    return plan


def add_process_area(plan: Plan, name: str) -> ProcessArea:
    name = name.strip()
    if not name:
        raise PlanError(_("Verksamheten måste ha ett namn."))
    for area in plan.process_areas:
        if area.name == name:
            return area
    area = ProcessArea(plan=plan, name=name, position=len(plan.process_areas))
    db.session.add(area)
    return area


def add_risk(
    area: ProcessArea,
    text: str,
    criteria: Iterable[Criterion],
    *,
    region_wide: bool = False,
    likelihood: int | None = None,
    consequence: int | None = None,
    source: str | None = None,
    owner: User | None = None,
) -> Risk:
    text = text.strip()
    chosen = set(criteria)
    if not text:
        raise PlanError(_("Risken måste ha en beskrivning."))
    if not chosen:
        raise PlanError(_("En risk måste höra till minst ett av kriterierna c, d och e."))
    if (likelihood is None) != (consequence is None):
        raise PlanError(_("Ange både sannolikhet och konsekvens, eller ingen av dem."))
    for value in (likelihood, consequence):
        if value is not None and not 1 <= value <= 4:
            raise PlanError(_("Sannolikhet och konsekvens bedöms på skalan 1-4."))
    risk = Risk(
        process_area=area,
        text=text,
        region_wide=region_wide,
        likelihood=likelihood,
        consequence=consequence,
        source=source,
        owner=owner,
        position=len(area.risks),
    )
    risk.criteria = chosen
    db.session.add(risk)
    return risk


def add_action(
    risk: Risk,
    text: str,
    *,
    region_wide: bool = False,
    responsible: str | None = None,
    due_date: date | None = None,
    status: ActionStatus = ActionStatus.PLANNED,
) -> Action:
    text = text.strip()
    if not text:
        raise PlanError(_("Åtgärden måste ha en beskrivning."))
    action = Action(
        risk=risk,
        text=text,
        region_wide=region_wide,
        responsible=responsible,
        due_date=due_date,
        status=status,
        position=len(risk.actions),
    )
    db.session.add(action)
    return action


def adopt_plan(plan: Plan, adopted_on: date, paragraph: str, diary_number: str | None) -> None:
    """Fastställ: record the nämnd's decision; only a draft can be adopted."""
    if plan.status is not PlanStatus.DRAFT:
        raise PlanError(_("Bara ett utkast kan fastställas."))
    if not paragraph.strip():
        raise PlanError(_("Ange beslutsparagrafen, till exempel ”SN § 45”."))
    plan.status = PlanStatus.ADOPTED
    plan.adopted_on = adopted_on
    plan.adoption_paragraph = paragraph.strip()
    plan.diary_number = (diary_number or "").strip() or None
    audit_log.record(
        "plan_adopted", plan, reference=plan.adoption_reference, diary_number=plan.diary_number
    )


def close_plan(plan: Plan) -> None:
    """Avsluta: after the year-end assessment; only an adopted plan can be closed."""
    if plan.status is not PlanStatus.ADOPTED:
        raise PlanError(_("Bara en fastställd plan kan avslutas."))
    plan.status = PlanStatus.CLOSED
    plan.closed_at = utcnow()
    audit_log.record("plan_closed", plan)
