"""Kontroller: what a control can verify, planning and changing controls, reading them.

A control verifies one åtgärd or one risk of its plan, or a regionövergripande åtgärd or risk
of the region's plan of the same year: then the control still belongs to the nämnd's plan, so
each nämnd plans and follows up its own controls. Or it belongs to the plan as a whole, a
kontrollområde such as "Löneutbetalningar" that its description names. Controls are not part
of the printed plan, so changing them records no plan revision; a closed or archived plan takes
no changes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ...extensions import db
from ...models import (
    Action,
    Control,
    ControlMethod,
    ControlResult,
    Plan,
    PlanStatus,
    Risk,
    User,
)
from ...models.types import utcnow
from .. import audit_log
from ..errors import ControlError, check_version
from ..plans import live, region_plan_for
from ..text import shorten
from . import periods

PLAN_TARGET = "plan"


@dataclass(frozen=True)
class Target:
    """An åtgärd or a risk a control can verify, or the plan as a whole, labelled for a form."""

    key: str  # "action-12", "risk-3" or "plan"
    label: str
    action: Action | None
    risk: Risk | None


def targets_for(plan: Plan) -> list[Target]:
    """The plan as a whole, the region plan's regionövergripande risks and åtgärder, then the
    plan's own live risks and åtgärder."""
    targets = [Target(PLAN_TARGET, _("Hela planen (ett kontrollområde)"), None, None)]
    return targets + _risk_targets(plan)


def _risk_targets(plan: Plan) -> list[Target]:
    sources: list[tuple[Plan, bool]] = []
    region_plan = region_plan_for(plan)
    if region_plan is not None:
        sources.append((region_plan, True))
    sources.append((plan, False))
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
    raise ControlError(_("Välj vad kontrollen följer upp: en åtgärd, en risk eller hela "
                         "planen."), "target")


def target_key(control: Control) -> str:
    if control.action_id:
        return f"action-{control.action_id}"
    return f"risk-{control.risk_id}" if control.risk_id else PLAN_TARGET


def is_region_wide(control: Control) -> bool:
    """Whether the control follows up a regionövergripande risk or åtgärd."""
    risk = control.target_risk
    if risk is None:
        return False
    return (risk.region_wide or risk.process_area.plan_id != control.plan_id
            or (control.action is not None and control.action.region_wide))


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

    Ordered as the follow-up prints them: the regionövergripande first, then the plan's own
    by verksamhet, risk and åtgärd, then the plan's kontrollområden, each in the order planned.
    """
    controls = db.session.scalars(
        select(Control)
        .where(Control.plan_id == plan.id, Control.archived_at.is_(None))
        .options(*_control_options())
        .order_by(Control.id)
    ).all()
    return sorted(controls, key=_plan_order)


def report_controls(plans: Collection[Plan], also: Collection[Plan] = ()
                    ) -> dict[int, list[Control]]:
    """The live controls of each plan with their kontrollutfall, in one query however many
    plans (for reports and assessments: no evidence, stickprov or people).

    The åtgärder and risks they follow up are not loaded here: pass the plans loaded with
    their content, and in `also` the region's plan (whose regionövergripande åtgärder the
    plans' controls may follow up), loaded the same way. Each control is linked to its
    target from that content in Python, not queried, and the content's risks and åtgärder
    to their verksamheter and risks. Each plan's list is in the order of `controls_of`.
    """
    by_plan: dict[int, list[Control]] = {plan.id: [] for plan in plans}
    if not by_plan:
        return by_plan
    risks, actions = _link_content([*plans, *also])
    for control in db.session.scalars(
        select(Control)
        .where(Control.plan_id.in_(list(by_plan)), Control.archived_at.is_(None))
        .options(joinedload(Control.results))
        .order_by(Control.id)
    ).unique():
        if control.action_id is None or control.action_id in actions:
            set_committed_value(control, "action", actions.get(control.action_id or 0))
        if control.risk_id is None or control.risk_id in risks:
            set_committed_value(control, "risk", risks.get(control.risk_id or 0))
        by_plan.setdefault(control.plan_id, []).append(control)
    return {plan_id: sorted(found, key=_plan_order) for plan_id, found in by_plan.items()}


def _link_content(plans: Collection[Plan]) -> tuple[dict[int, Risk], dict[int, Action]]:
    """Set each loaded risk's verksamhet and each åtgärd's risk from the loaded collections
    (what the many-to-one attributes would otherwise look up one by one), and return the
    risks and åtgärder by id."""
    risks: dict[int, Risk] = {}
    actions: dict[int, Action] = {}
    for plan in plans:
        for area in plan.process_areas:
            for risk in area.risks:
                set_committed_value(risk, "process_area", area)
                risks[risk.id] = risk
                for action in risk.actions:
                    set_committed_value(action, "risk", risk)
                    actions[action.id] = action
    return risks, actions


def _plan_order(control: Control) -> tuple[object, ...]:
    risk = control.target_risk
    if risk is None:
        return (2, 0, 0, 0, 0, 0, 0, control.position, control.id)
    area = risk.process_area
    action = control.action
    return (
        0 if is_region_wide(control) else 1,
        area.position, area.id, risk.position, risk.id,
        -1 if action is None else action.position, 0 if action is None else action.id,
        control.position, control.id,
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
    """A control as planned: what is controlled, how (in words, with an optional kind), when
    (occurrence codes, see periods.py; none: once during the year) and by whom."""

    description: str
    method_text: str | None = None
    method: ControlMethod | None = None
    occurrences: list[str] = field(default_factory=list)
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
    method_text = (data.method_text or "").strip() or None
    if method_text is None and data.method is None:
        raise ControlError(_("Beskriv kontrollmetoden eller välj vilken sorts kontroll det är."),
                           "method_text")
    control.description = description
    control.method_text = method_text
    control.method = data.method
    control.occurrences = check_occurrences(data.occurrences, plan.year)
    control.responsible = data.responsible
    control.population_description = (data.population_description or "").strip() or None


def check_occurrences(codes: list[str], year: int) -> list[str]:
    """The occurrences in order, refusing a code ISK does not know or a date of another year."""
    for code in codes:
        if not periods.is_occurrence(code):
            raise ControlError(_("”%(code)s” är inget tillfälle ISK känner till.", code=code),
                               "occurrences")
        if len(code) == 10 and date.fromisoformat(code).year != year:
            raise ControlError(
                _("Datumet ska ligga under planens år, %(year)d.", year=year), "occurrences")
    return periods.sort_occurrences(codes)


def create_control(plan: Plan, target: str, data: ControlData) -> Control:
    """Plan a control of an åtgärd, a risk or the plan (`target` as in `targets_for`)."""
    guard(plan)
    chosen = resolve_target(plan, target)
    control = Control(plan=plan, action=chosen.action, risk=None if chosen.action else chosen.risk,
                      position=_next_position(plan))
    _apply(control, plan, data)
    db.session.add(control)
    db.session.flush()
    audit_log.record("control_created", control, plan=plan.id, target=target,
                     occurrences=list(control.occurrences))
    return control


def _next_position(plan: Plan) -> int:
    from sqlalchemy import func

    last = db.session.scalar(select(func.max(Control.position)).where(Control.plan_id == plan.id))
    return (last or 0) + 1


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
