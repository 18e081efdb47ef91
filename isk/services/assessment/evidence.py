"""What an ISK-bedömning rests on, assembled from what is recorded (nothing typed twice).

For a unit and a year, at delår (January–August) or helår (the whole year): the plans of the
unit and the units below it, each with its risks and riskvärde (the region's shared rows
first, as the plan prints them), its åtgärder and their status, the controls due in the period
and what came of them, the stickprov and their evaluations, and the year's SAM indicator. Each
item keeps the ids a page needs to link to its record. `Figures` is the short summary an
assessment is adopted on, stored with each version so that a later change to the records
shows against what was decided.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import (
    ActionStatus,
    AssessmentPeriod,
    OrgUnit,
    Plan,
    Sample,
)
from .. import clock, org
from ..controls.followup import FollowUpReport, ReportRow, RowState, build_report
from ..controls.periods import Period, PeriodRange
from ..plans import document_for, load_plan_for_display
from ..plans.document import DocAction, DocArea, DocRisk, PlanDocument
from ..sam.indicator import SamIndicator, indicator_for
from ..sampling.samples import SampleStatus, status_of

HIGH_RISK_SCORE = 8  # riskvärde 8-16: high or very high (see plans/matrix.py)


def report_period(period: AssessmentPeriod) -> Period:
    return Period(period.value)  # delår and helår are reporting periods too


@dataclass(frozen=True)
class SampleEvidence:
    """A stickprov of a control in the period, with its evaluation once every item is checked."""

    sample: Sample
    control_id: int
    control_description: str
    status: SampleStatus

    @property
    def complete(self) -> bool:
        return self.status.evaluation is not None

    @property
    def exceeds_tolerable(self) -> bool | None:
        """Is the upper deviation limit above the tolerable rate? None until evaluated."""
        evaluation = self.status.evaluation
        if evaluation is None or evaluation.tolerable is None:
            return None
        return Fraction(evaluation.upper_limit) / 100 > evaluation.tolerable


@dataclass
class RiskEvidence:
    """One risk of the plan with its åtgärder and the period's control results about it."""

    area: DocArea
    risk: DocRisk
    rows: list[ReportRow] = field(default_factory=list)

    @property
    def actions(self) -> list[DocAction]:
        return self.risk.actions


@dataclass
class PlanEvidence:
    plan: Plan
    document: PlanDocument
    report: FollowUpReport
    risks: list[RiskEvidence]
    samples: list[SampleEvidence]
    # Controls of the plan as a whole (kontrollområden): they follow up no single risk.
    plan_wide: list[ReportRow] = field(default_factory=list)

    @property
    def findings(self) -> list[ReportRow]:
        """Kontrollutfall with deviations (brister), with what was done about them."""
        return [row for row in self.report.rows if row.has_deviation]

    @property
    def not_performed(self) -> list[ReportRow]:
        return [row for row in self.report.rows if row.not_performed]


@dataclass(frozen=True)
class OpenItem:
    """Something the judgement should weigh that is not finished."""

    kind: str  # "action", "control", "finding", "sample"
    text: str
    plan_id: int
    risk_id: int | None = None
    control_id: int | None = None
    sample_id: int | None = None


@dataclass(frozen=True)
class Figures:
    """The key figures of the evidence, as stored with a version of the assessment."""

    plans: int = 0
    risks: int = 0
    risks_unassessed: int = 0
    risks_high: int = 0
    actions: int = 0
    actions_done: int = 0
    actions_in_progress: int = 0
    actions_planned: int = 0
    actions_not_done: int = 0
    actions_overdue: int = 0
    controls_planned: int = 0
    controls_performed: int = 0
    controls_not_performed: int = 0
    results_with_findings: int = 0
    samples: int = 0
    samples_complete: int = 0
    samples_over_tolerable: int = 0
    sam_total: int = 0
    sam_acknowledged: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class Evidence:
    unit: OrgUnit
    year: int
    period: AssessmentPeriod
    dates: PeriodRange
    today: date
    plans: list[PlanEvidence]
    sam: SamIndicator
    open_items: list[OpenItem]
    figures: Figures


def plans_for(unit: OrgUnit, year: int) -> list[Plan]:
    """The live plans of the unit and the units below it for the year (usually the nämnd's)."""
    ids = db.session.scalars(
        select(Plan.id).join(Plan.org_unit)
        .where(Plan.year == year, Plan.archived_at.is_(None), org.within(unit))
        .order_by(OrgUnit.path)
    ).all()
    return [plan for plan in (load_plan_for_display(plan_id) for plan_id in ids) if plan]


def _samples(plan_evidence_rows: list[ReportRow], dates: PeriodRange) -> list[SampleEvidence]:
    """The period's stickprov of the plan's controls, loaded with their items in one query."""
    control_ids = {row.control.id for row in plan_evidence_rows}
    if not control_ids:
        return []
    samples = db.session.scalars(
        select(Sample)
        .where(Sample.control_id.in_(control_ids), Sample.archived_at.is_(None))
        .options(selectinload(Sample.items), selectinload(Sample.control))
        .order_by(Sample.id)
    ).all()
    return [SampleEvidence(s, s.control_id, s.control.description, status_of(s))
            for s in samples if clock.local(s.created_at).date() <= dates.end]


def _plan_evidence(plan: Plan, period: Period, dates: PeriodRange,
                   today: date) -> PlanEvidence:
    document = document_for(plan)
    report = build_report(plan, period, today)
    by_risk: dict[int, list[ReportRow]] = {}
    plan_wide: list[ReportRow] = []
    for row in report.rows:
        risk = row.control.target_risk
        if risk is None:
            plan_wide.append(row)
        else:
            by_risk.setdefault(risk.id, []).append(row)
    risks = [RiskEvidence(area, risk, by_risk.get(risk.id or 0, []))
             for area in document.areas for risk in area.risks]
    controls = [row.control for row in report.rows]
    samples = _samples(report.rows, dates) if controls else []
    return PlanEvidence(plan, document, report, risks, samples, plan_wide)


def _open_items(evidence: list[PlanEvidence], today: date) -> list[OpenItem]:
    items: list[OpenItem] = []
    for plan in evidence:
        for risk in plan.risks:
            for action in risk.actions:
                if action.status in (ActionStatus.DONE,):
                    continue
                late = action.due_date is not None and action.due_date < today
                if action.status is ActionStatus.NOT_DONE or late:
                    items.append(OpenItem("action", action.text, plan.plan.id, risk.risk.id))
        for row in plan.not_performed:
            items.append(OpenItem("control", row.description, plan.plan.id,
                                  control_id=row.control.id))
        for row in plan.findings:
            items.append(OpenItem("finding", row.description, plan.plan.id,
                                  control_id=row.control.id))
        for sample in plan.samples:
            if not sample.complete:
                items.append(OpenItem("sample", sample.control_description, plan.plan.id,
                                      control_id=sample.control_id, sample_id=sample.sample.id))
    return items


def _figures(evidence: list[PlanEvidence], sam: SamIndicator, today: date) -> Figures:
    risks = [r.risk for plan in evidence for r in plan.risks]
    actions = [a for risk in risks for a in risk.actions]
    status = Counter(action.status for action in actions)
    rows = [row for plan in evidence for row in plan.report.rows]
    samples = [s for plan in evidence for s in plan.samples]
    planned = {row.control.id for row in rows}
    performed = {row.control.id for row in rows if row.state is RowState.PERFORMED}
    not_performed = {row.control.id for row in rows if row.not_performed} - performed
    return Figures(
        plans=len(evidence),
        risks=len(risks),
        risks_unassessed=sum(r.risk_score is None for r in risks),
        risks_high=sum((r.risk_score or 0) >= HIGH_RISK_SCORE for r in risks),
        actions=len(actions),
        actions_done=status[ActionStatus.DONE],
        actions_in_progress=status[ActionStatus.IN_PROGRESS],
        actions_planned=status[ActionStatus.PLANNED],
        actions_not_done=status[ActionStatus.NOT_DONE],
        actions_overdue=sum(a.due_date is not None and a.due_date < today
                            and a.status is not ActionStatus.DONE for a in actions),
        controls_planned=len(planned),
        controls_performed=len(performed),
        controls_not_performed=len(not_performed),
        results_with_findings=sum(len(plan.findings) for plan in evidence),
        samples=len(samples),
        samples_complete=sum(s.complete for s in samples),
        samples_over_tolerable=sum(bool(s.exceeds_tolerable) for s in samples),
        sam_total=sam.total,
        sam_acknowledged=sam.acknowledged,
    )


def gather(unit: OrgUnit, year: int, period: AssessmentPeriod, today: date) -> Evidence:
    """Everything the judgement rests on, for the unit and below, computed from the records."""
    report = report_period(period)
    dates = report.date_range(year)
    evidence = [_plan_evidence(plan, report, dates, today) for plan in plans_for(unit, year)]
    sam = indicator_for(unit, year)
    as_of = min(today, dates.end)
    return Evidence(unit, year, period, dates, today, evidence, sam,
                    _open_items(evidence, as_of), _figures(evidence, sam, as_of))


__all__ = [
    "Evidence",
    "Figures",
    "OpenItem",
    "PlanEvidence",
    "RiskEvidence",
    "SampleEvidence",
    "gather",
    "plans_for",
]
