"""What the plan page shows: the document, filters, the risk matrix, warnings and permissions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ...models import Criterion, Plan, ProcessArea, Risk, User
from ...permissions import Permission, can
from ...services import plans
from ...services.plans.document import (
    DocArea,
    DocRisk,
    PlanDocument,
    TableRow,
    build_document,
    table_rows,
)

SCALE = (1, 2, 3, 4)


@dataclass
class Filters:
    area: str | None = None
    criterion: Criterion | None = None
    min_score: int | None = None
    likelihood: int | None = None
    consequence: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        def number(name: str, low: int, high: int) -> int | None:
            value = args.get(name, "")
            return int(value) if value.isdigit() and low <= int(value) <= high else None

        criterion = args.get("kriterium", "")
        return cls(
            area=args.get("verksamhet") or None,
            criterion=Criterion(criterion) if criterion in {"c", "d", "e"} else None,
            min_score=number("riskvarde", 1, 16),
            likelihood=number("sannolikhet", 1, 4),
            consequence=number("konsekvens", 1, 4),
        )

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.area, self.criterion, self.min_score,
                                           self.likelihood, self.consequence))

    def keeps(self, area: DocArea, risk: DocRisk) -> bool:
        if self.area and area.name != self.area:
            return False
        if self.criterion and self.criterion not in risk.criteria:
            return False
        if self.min_score and (risk.risk_score or 0) < self.min_score:
            return False
        if self.likelihood and risk.likelihood != self.likelihood:
            return False
        return not (self.consequence and risk.consequence != self.consequence)


@dataclass
class MatrixCell:
    likelihood: int
    consequence: int
    count: int

    @property
    def score(self) -> int:
        return self.likelihood * self.consequence

    @property
    def level(self) -> str:
        """Colour band: 1-3 low, 4-6 medium, 8-9 high, 12-16 very high."""
        if self.score >= 12:
            return "very-high"
        if self.score >= 8:
            return "high"
        if self.score >= 4:
            return "medium"
        return "low"


@dataclass
class PlanPage:
    document: PlanDocument
    rows: list[TableRow]
    filters: Filters
    matrix: list[list[MatrixCell]]  # rows from konsekvens 4 down to 1
    unassessed: int
    unhandled: list[DocRisk]
    own_areas: list[tuple[ProcessArea, int]]  # the plan's own verksamheter, with own risk count
    area_names: list[str]
    archived_risks: list[Risk]
    region_plan: Plan | None
    can_edit: bool
    can_edit_region: bool
    can_adopt: bool
    total_risks: int
    revision_count: int
    shown_risks: int
    editable_plan_ids: set[int] = field(default_factory=set)


def build(plan: Plan, args: Mapping[str, str], user: User) -> PlanPage:
    region_plan = plans.region_plan_for(plan)
    document = build_document(plan, region_plan)
    filters = Filters.from_args(args)
    risks = document.risks()
    counts: dict[tuple[int, int], int] = {}
    for risk in risks:
        if risk.likelihood and risk.consequence:
            key = (risk.likelihood, risk.consequence)
            counts[key] = counts.get(key, 0) + 1
    matrix = [[MatrixCell(likelihood, consequence, counts.get((likelihood, consequence), 0))
               for likelihood in SCALE] for consequence in reversed(SCALE)]
    shown = [DocArea(area.name, [r for r in area.risks if filters.keeps(area, r)], area.id)
             for area in document.areas]
    can_edit = can(user, Permission.EDIT_PLAN, plan)
    can_edit_region = region_plan is not None and can(user, Permission.EDIT_PLAN, region_plan)
    editable = ({plan.id} if can_edit else set()) | (
        {region_plan.id} if can_edit_region and region_plan else set())
    return PlanPage(
        document=document,
        rows=table_rows(shown),
        filters=filters,
        matrix=matrix,
        unassessed=sum(1 for r in risks if r.risk_score is None),
        unhandled=[r for r in risks if r.unhandled],
        own_areas=[(area, len(plans.live(area.risks))) for area in plans.live(plan.process_areas)],
        area_names=[a.name for a in document.areas],
        archived_risks=[r for a in plan.process_areas for r in a.risks
                        if r.archived_at is not None],
        region_plan=region_plan,
        can_edit=can_edit,
        can_edit_region=can_edit_region,
        can_adopt=can(user, Permission.ADOPT_PLAN, plan),
        total_risks=len(risks),
        revision_count=plans.latest_revision_number(plan) or 0,
        shown_risks=sum(len(a.risks) for a in shown),
        editable_plan_ids=editable,
    )
