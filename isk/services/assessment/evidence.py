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
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from fractions import Fraction

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import (
    ActionStatus,
    AssessmentPeriod,
    Control,
    OrgUnit,
    Plan,
    Sample,
)
from .. import clock, org
from ..controls.followup import (
    FollowUpReport,
    ReportRow,
    RowState,
    build_report,
    content_options,
)
from ..controls.periods import Period, PeriodRange
from ..controls.planning import report_controls
from ..plans.document import DocAction, DocArea, DocRisk, PlanDocument, build_document
from ..sam.indicator import SamIndicator, indicator_for
from ..sampling.samples import SampleStatus, status_of
from ..wording import RegionTexts, region_texts

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
    return _load_plans([unit], year)[0].get(unit.id, [])


def _load_plans(units: Sequence[OrgUnit], year: int
                ) -> tuple[dict[int, list[Plan]], dict[int, Plan]]:
    """The year's live plans of each unit and below (by unit path), and the region's plans of
    the year (by region id), all with their content, in two queries however many units."""
    regions = {org.region_of(unit) for unit in units}
    found = db.session.scalars(
        select(Plan).join(Plan.org_unit)
        .where(Plan.year == year, Plan.archived_at.is_(None),
               or_(*(org.within(unit) for unit in units), Plan.org_unit_id.in_(regions)))
        .options(*content_options())
        .order_by(OrgUnit.path, Plan.id)
    ).unique().all()
    by_unit: dict[int, list[Plan]] = {unit.id: [] for unit in units}
    for plan in found:
        for unit in units:
            if plan.org_unit.path.startswith(unit.path):
                by_unit[unit.id].append(plan)
    region_plans: dict[int, Plan] = {}
    for plan in found:
        if plan.org_unit_id in regions:
            region_plans.setdefault(plan.org_unit_id, plan)
    return by_unit, region_plans


def _samples(rows: list[ReportRow], dates: PeriodRange) -> list[SampleEvidence]:
    """The period's stickprov of the report's controls, loaded with their items in one query."""
    control_ids = {row.control.id for row in rows}
    if not control_ids:
        return []
    samples = db.session.scalars(
        select(Sample)
        .where(Sample.control_id.in_(control_ids), Sample.archived_at.is_(None))
        .options(joinedload(Sample.items))
        .order_by(Sample.id)
    ).unique().all()
    return [SampleEvidence(s, s.control_id, s.control.description, status_of(s))
            for s in samples if clock.local(s.created_at).date() <= dates.end]


def _plan_evidence(plan: Plan, region_plan: Plan | None, controls: list[Control],
                   period: Period, today: date, texts: RegionTexts) -> PlanEvidence:
    """A plan's evidence; its stickprov are added by `_add_samples`."""
    region_plan = None if plan.is_region_plan else region_plan
    document = build_document(plan, region_plan)
    report = build_report(plan, period, today, controls=controls, region_plan=region_plan,
                          texts=texts)
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
    return PlanEvidence(plan, document, report, risks, [], plan_wide)


def _add_samples(evidence: list[PlanEvidence], dates: PeriodRange) -> None:
    """Each plan's stickprov of the controls in its report, for every plan in one query."""
    found = _samples([row for plan in evidence for row in plan.report.rows], dates)
    for plan in evidence:
        ids = {row.control.id for row in plan.report.rows}
        plan.samples = [sample for sample in found if sample.control_id in ids]


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
    return gather_many([unit], year, period, today, {unit.id: indicator_for(unit, year)})[unit.id]


def gather_many(units: Sequence[OrgUnit], year: int, period: AssessmentPeriod, today: date,
                sam: dict[int, SamIndicator]) -> dict[int, Evidence]:
    """`gather` for several units at once (a region's nämnder), in a fixed number of queries:
    their plans and the region's with content, the controls with their results, the
    stickprov with their items. `sam` holds each unit's SAM indicator."""
    if not units:
        return {}
    report = report_period(period)
    dates = report.date_range(year)
    as_of = min(today, dates.end)
    by_unit, region_plans = _load_plans(units, year)
    plans = list(dict.fromkeys(plan for found in by_unit.values() for plan in found))
    controls = report_controls(plans, list(region_plans.values()))
    texts: dict[int, RegionTexts] = {}
    for plan in plans:  # one query per region (a region's page: one)
        region = org.region_of(plan.org_unit)
        if region not in texts:
            texts[region] = region_texts(plan.org_unit)
    evidence = {plan.id: _plan_evidence(plan, region_plans.get(org.region_of(plan.org_unit)),
                                        controls[plan.id], report, today,
                                        texts[org.region_of(plan.org_unit)])
                for plan in plans}
    _add_samples(list(evidence.values()), dates)
    gathered = {}
    for unit in units:
        found = [evidence[plan.id] for plan in by_unit[unit.id]]
        indicator = sam[unit.id]
        gathered[unit.id] = Evidence(unit, year, period, dates, today, found, indicator,
                                     _open_items(found, as_of), _figures(found, indicator, as_of))
    return gathered


__all__ = [
    "Evidence",
    "Figures",
    "OpenItem",
    "PlanEvidence",
    "RiskEvidence",
    "SampleEvidence",
    "gather",
    "gather_many",
    "plans_for",
]
