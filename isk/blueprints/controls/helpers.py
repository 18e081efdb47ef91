"""What the control views share: loading within a plan, or 404."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from ...extensions import db
from ...models import Control, ControlResult, Plan, Sample
from ...permissions import Permission, can, require
from ...services import controls, plans
from ...services.controls import followup
from ...services.controls.periods import Period
from ...services.controls.planning import report_controls
from ..plans.helpers import plan_or_404


def plan_with_content_or_404(plan_id: int, permission: Permission = Permission.VIEW_PLAN) -> Plan:
    """The plan with its verksamheter, risks and åtgärder loaded (for lists and reports)."""
    plan = plan_or_404(plan_id, permission)
    plans.load_plan_for_display(plan.id)
    return plan


def report_or_404(plan_id: int, period: Period) -> followup.FollowUpReport:
    """The plan's follow-up report for the period, in a fixed number of queries: the plan and
    the region's plan with their content, then the plan's controls with their kontrollutfall."""
    found = followup.load_for_report(plan_id) or abort(404)
    plan, region_plan = found
    require(Permission.VIEW_PLAN, plan)
    controls = report_controls([plan], [region_plan] if region_plan else [])[plan.id]
    return followup.build_report(plan, period, controls=controls, region_plan=region_plan)


def control_or_404(plan: Plan, control_id: int) -> Control:
    control = controls.load_control(control_id)
    if control is None or control.plan_id != plan.id or control.archived_at is not None:
        abort(404)
    return control


def sample_or_404(control: Control, sample_id: int) -> Sample:
    sample = db.session.get(Sample, sample_id)
    if sample is None or sample.control_id != control.id or sample.archived_at is not None:
        abort(404)
    return sample


def result_or_404(control: Control, result_id: int) -> ControlResult:
    result = db.session.get(ControlResult, result_id)
    if result is None or result.control_id != control.id or result.archived_at is not None:
        abort(404)
    return result


def may_record(plan: Plan) -> bool:
    """May the current user record controls, results and stickprov on the plan now?"""
    return can(current_user, Permission.RECORD_CONTROLS, plan) and controls.accepts_changes(plan)
