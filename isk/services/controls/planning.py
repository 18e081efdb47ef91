"""Kontroller: what a control can verify, planning and changing controls, reading them.

A control verifies one åtgärd or one risk of its plan, or a regionövergripande åtgärd or risk
of the region's plan of the same year: then the control still belongs to the nämnd's plan, so
each nämnd plans and follows up its own controls. Controls are not part of the printed plan, so
changing them records no plan revision; a closed or archived plan takes no changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import (
    Action,
    Control,
    ControlMethod,
    ControlResult,
    Plan,
    PlanStatus,
    ProcessArea,
    Risk,
    ScheduleKind,
    User,
)
from ...models.types import utcnow
from .. import audit_log
from ..errors import ControlError, check_version
from ..plans import live, region_plan_for
from ..text import shorten


@dataclass(frozen=True)
class Target:
    """An åtgärd or a risk a control can verify, labelled as the plan shows it."""

    key: str  # "action-12" or "risk-3"
    label: str
    action: Action | None
    risk: Risk




def targets_for(plan: Plan) -> list[Target]:
    """The plan's live risks and åtgärder, and the region plan's regionövergripande ones."""
    sources: list[tuple[Plan, bool]] = [(plan, False)]
    region_plan = region_plan_for(plan)
    if region_plan is not None:
        sources.append((region_plan, True))
    targets = []
    for source, region_wide_only in sources:
        for area in live(source.process_areas):
            for risk in live(area.risks):
                actions = [a for a in live(risk.actions) if a.region_wide or not region_wide_only]
                if region_wide_only and not risk.region_wide and not actions:
                    continue
                prefix = f"{area.name} – {shorten(risk.text, 60)}"
                if not region_wide_only or risk.region_wide:
                    targets.append(
                        Target(f"risk-{risk.id}", _("%(risk)s (risken)", risk=prefix), None, risk)
                    )
                targets += [
                    Target(f"action-{action.id}", f"{prefix} → {shorten(action.text, 70)}", action,
                           risk)
                    for action in actions
                ]
    return targets


def resolve_target(plan: Plan, key: str) -> Target:
    for target in targets_for(plan):
        if target.key == key:
            return target
    raise ControlError(_("Välj en åtgärd eller risk i planen."), "target")


def target_key(control: Control) -> str:
    return f"action-{control.action_id}" if control.action_id else f"risk-{control.risk_id}"


def _control_options():  # type: ignore[no-untyped-def]
    results = selectinload(Control.results)
    return (
        selectinload(Control.action).selectinload(Action.risk).selectinload(Risk.process_area),
        selectinload(Control.risk).selectinload(Risk.process_area),
        selectinload(Control.responsible),
        results.selectinload(ControlResult.evidence),
        results.selectinload(ControlResult.recorded_by),
        selectinload(Control.samples),
    )


def controls_of(plan: Plan) -> list[Control]:
    """The plan's live controls, with what a list or report shows, in a fixed number of queries.

    Ordered as the plan reads: by verksamhet, risk and åtgärd, then by when they are due.
    """
    controls = db.session.scalars(
        select(Control)
        .where(Control.plan_id == plan.id, Control.archived_at.is_(None))
        .options(*_control_options())
        .order_by(Control.id)
    ).all()
    return sorted(controls, key=_plan_order)


def _plan_order(control: Control) -> tuple[object, ...]:
    risk = control.target_risk
    area: ProcessArea = risk.process_area
    action = control.action
    return (
        area.plan_id != control.plan_id,  # the nämnd's own content first, then the region's
        area.position, area.id, risk.position, risk.id,
        -1 if action is None else action.position, 0 if action is None else action.id,
        control.id,
    )


def load_control(control_id: int) -> Control | None:
    return db.session.scalar(
        select(Control).where(Control.id == control_id).options(*_control_options())
    )


def control_counts_by_action(plan: Plan) -> dict[int, int]:
    """How many live controls verify each åtgärd, for the plan page (one query)."""
    from sqlalchemy import func

    rows = db.session.execute(
        select(Control.action_id, func.count(Control.id))
        .where(Control.plan_id == plan.id, Control.archived_at.is_(None),
               Control.action_id.is_not(None))
        .group_by(Control.action_id)
    ).all()
    return {action_id: count for action_id, count in rows}


@dataclass
class ControlData:
    description: str
    method: ControlMethod
    schedule_kind: ScheduleKind
    schedule_month: int | None = None
    schedule_tertial: int | None = None
    scheduled_on: date | None = None
    responsible: User | None = None
    population_description: str | None = None


def change_refusal(plan: Plan) -> str | None:
    """Why the plan's controls, kontrollutfall and stickprov cannot change now, or None."""
    if plan.archived_at is not None:
        return _("Planen är arkiverad och kan inte ändras.")
    if plan.status is PlanStatus.CLOSED:
        return _("Planen är avslutad; dess kontroller kan inte längre ändras.")
    return None


def accepts_changes(plan: Plan) -> bool:
    return change_refusal(plan) is None


def guard(plan: Plan) -> None:
    refusal = change_refusal(plan)
    if refusal is not None:
        raise ControlError(refusal)




def _apply(control: Control, plan: Plan, data: ControlData) -> None:
    description = (data.description or "").strip()
    if not description:
        raise ControlError(_("Beskriv vad som kontrolleras."), "description")
    kind = data.schedule_kind
    month = data.schedule_month if kind is ScheduleKind.MONTH else None
    tertial = data.schedule_tertial if kind is ScheduleKind.TERTIAL else None
    scheduled_on = data.scheduled_on if kind is ScheduleKind.DATE else None
    if kind is ScheduleKind.MONTH and not (month and 1 <= month <= 12):
        raise ControlError(_("Välj månad."), "schedule_month")
    if kind is ScheduleKind.TERTIAL and not (tertial and 1 <= tertial <= 3):
        raise ControlError(_("Välj tertial."), "schedule_tertial")
    if kind is ScheduleKind.DATE:
        if scheduled_on is None:
            raise ControlError(_("Ange datum."), "scheduled_on")
        if scheduled_on.year != plan.year:
            raise ControlError(
                _("Datumet ska ligga under planens år, %(year)d.", year=plan.year),
                "scheduled_on",
            )
    control.description = description
    control.method = data.method
    control.schedule_kind = kind
    control.schedule_month = month
    control.schedule_tertial = tertial
    control.scheduled_on = scheduled_on
    control.responsible = data.responsible
    control.population_description = (data.population_description or "").strip() or None


def create_control(plan: Plan, target: str, data: ControlData) -> Control:
    """Plan a control of an åtgärd or risk (`target` as in `targets_for`)."""
    guard(plan)
    chosen = resolve_target(plan, target)
    control = Control(plan=plan, action=chosen.action, risk=None if chosen.action else chosen.risk)
    _apply(control, plan, data)
    db.session.add(control)
    db.session.flush()
    audit_log.record("control_created", control, plan=plan.id, target=target,
                     method=data.method.value)
    return control


def update_control(control: Control, target: str, data: ControlData,
                   expected_version: int | None) -> Control:
    plan = control.plan
    guard(plan)
    check_version(control, expected_version)
    chosen = resolve_target(plan, target)
    control.action = chosen.action
    control.risk = None if chosen.action else chosen.risk
    _apply(control, plan, data)
    db.session.flush()
    audit_log.record("control_updated", control, plan=plan.id, target=target)
    return control


def archive_control(control: Control) -> None:
    """Nothing is deleted: the control leaves lists and reports but its history stays."""
    guard(control.plan)
    control.archived_at = utcnow()
    db.session.flush()
    audit_log.record("control_archived", control, plan=control.plan_id)
