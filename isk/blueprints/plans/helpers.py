"""What the plan views share: loading within a plan, with the permission checked."""

from __future__ import annotations

from flask import abort

from ...extensions import db
from ...models import Action, Plan, ProcessArea, Risk
from ...permissions import Permission, require


def plan_or_404(plan_id: int, permission: Permission = Permission.VIEW_PLAN) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None or plan.archived_at is not None:
        abort(404)
    require(permission, plan)
    return plan


def area_or_404(plan: Plan, area_id: int) -> ProcessArea:
    area = db.session.get(ProcessArea, area_id)
    if area is None or area.plan_id != plan.id or area.archived_at is not None:
        abort(404)
    return area


def risk_or_404(plan: Plan, risk_id: int, *, archived: bool = False) -> Risk:
    risk = db.session.get(Risk, risk_id)
    if risk is None or risk.process_area.plan_id != plan.id:
        abort(404)
    if (risk.archived_at is not None) != archived:
        abort(404)
    return risk


def action_or_404(plan: Plan, action_id: int) -> Action:
    action = db.session.get(Action, action_id)
    if (action is None or action.archived_at is not None
            or action.risk.process_area.plan_id != plan.id):
        abort(404)
    return action
