"""The follow-up report of a plan for a period: what was controlled, when, what was found.

One row per kontrollutfall performed in the period; a control due in the period (see
periods.py) with no kontrollutfall in it shows as "Ej utfört". The plan's åtgärder follow, with
their status, so the report also follows up whether the åtgärder were carried out.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from ...models import Action, Control, ControlResult, Plan, ResultStatus
from .periods import Period, PeriodRange, is_due_in, schedule_text
from .planning import controls_of, targets_for


@dataclass(frozen=True)
class ReportRow:
    area: str
    risk: str
    action: str | None
    control: Control
    result: ControlResult | None
    description: str
    method: str
    performed: str
    outcome: str
    measures: str

    @property
    def not_performed(self) -> bool:
        return self.result is None or self.result.status is ResultStatus.NOT_PERFORMED


@dataclass(frozen=True)
class ActionRow:
    area: str
    risk: str
    action: Action
    status: str
    controls: int


@dataclass(frozen=True)
class FollowUpReport:
    plan: Plan
    period: Period
    dates: PeriodRange
    rows: list[ReportRow]
    actions: list[ActionRow]

    @property
    def title(self) -> str:
        return _("Uppföljning av internkontrollplan %(year)d – %(unit)s, %(period)s",
                 year=self.plan.year, unit=self.plan.org_unit.name, period=self.period.label)

    @property
    def not_performed(self) -> int:
        return sum(row.not_performed for row in self.rows)

    @property
    def with_findings(self) -> int:
        return sum(
            row.result is not None and row.result.status is ResultStatus.FINDINGS
            for row in self.rows
        )


def build_report(plan: Plan, period: Period) -> FollowUpReport:
    """The report's rows; load the plan with its content first for a fixed number of queries."""
    dates = period.date_range(plan.year)
    rows: list[ReportRow] = []
    for control in controls_of(plan):
        risk = control.target_risk
        place = (risk.process_area.name, risk.text, control.action.text if control.action else None)
        performed = sorted(
            (r for r in control.live_results if r.performed_on in dates),
            key=lambda r: (r.performed_on, r.id),
        )
        rows += [_row(place, control, result) for result in performed]
        if not performed and is_due_in(control, period):
            rows.append(_row(place, control, None))
    counts: dict[int, int] = {}
    for row in rows:
        if row.control.action_id is not None:
            counts[row.control.action_id] = counts.get(row.control.action_id, 0) + 1
    actions = [
        ActionRow(target.risk.process_area.name, target.risk.text, target.action,
                  target.action.status.label, counts.get(target.action.id, 0))
        for target in targets_for(plan)
        if target.action is not None
    ]
    return FollowUpReport(plan, period, dates, rows, actions)


def _row(place: tuple[str, str, str | None], control: Control,
         result: ControlResult | None) -> ReportRow:
    area, risk, action = place
    if result is None:
        performed = _("Ej utfört (planerad %(when)s)", when=schedule_text(control))
        outcome, measures = ResultStatus.NOT_PERFORMED.label, "–"
    else:
        performed = result.performed_text
        outcome = result.status.label
        if result.comment:
            outcome += ". " + result.comment
        measures = result.follow_up.label
    return ReportRow(area, risk, action, control, result, control.description,
                     control.method.label, performed, outcome, measures)
