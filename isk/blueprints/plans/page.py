"""What the plan page shows: the document, filters, the risk matrix, warnings and permissions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ...models import Criterion, Plan, ProcessArea, Risk, User
from ...permissions import Permission, can, who_may
from ...services import plans, sam
from ...services.plans.document import (
    DocArea,
    DocRisk,
    PlanDocument,
    TableRow,
    build_document,
    table_rows,
)
from ...services.plans.matrix import MatrixCell, build_matrix
from ...services.sam.indicator import SamIndicator


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
            # Only ASCII digits: "²" is a digit to str.isdigit but not to int().
            if not (value.isascii() and value.isdigit()):
                return None
            return int(value) if low <= int(value) <= high else None

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
class PlanPage:
    document: PlanDocument
    rows: list[TableRow]
    filters: Filters
    matrix: list[list[MatrixCell]]  # rows from konsekvens 4 down to 1
    unassessed: int
    unhandled: list[DocRisk]
    incomplete: list[DocRisk]  # "kriterium saknas": adoption waits for them
    adopters: list[User]  # who may adopt, shown when the user may not
    own_areas: list[tuple[ProcessArea, int]]  # the plan's own verksamheter, with own risk count
    area_names: list[str]
    archived_risks: list[Risk]
    region_plan: Plan | None
    can_edit: bool
    can_edit_region: bool
    can_adopt: bool
    offers: frozenset[str]  # what the user may do to the plan now: "edit" and the transitions
    sam_indicator: SamIndicator | None  # for the risks followed up by it
    needs_reason: bool
    total_risks: int
    revision_count: int
    shown_risks: int
    editable_plan_ids: set[int] = field(default_factory=set)


def build(plan: Plan, args: Mapping[str, str], user: User) -> PlanPage:
    region_plan = plans.region_plan_for(plan)
    document = build_document(plan, region_plan)
    filters = Filters.from_args(args)
    risks = document.risks()
    shown = [DocArea(area.name, [r for r in area.risks if filters.keeps(area, r)], area.id)
             for area in document.areas]
    can_edit = can(user, Permission.EDIT_PLAN, plan)
    can_adopt = can(user, Permission.ADOPT_PLAN, plan)
    can_edit_region = region_plan is not None and can(user, Permission.EDIT_PLAN, region_plan)
    editable = {p.id for p, may in ((plan, can_edit), (region_plan, can_edit_region))
                if p is not None and may and plans.accepts_changes(p)}
    return PlanPage(
        document=document,
        rows=table_rows(shown),
        filters=filters,
        matrix=build_matrix(risks),
        unassessed=sum(1 for r in risks if r.risk_score is None),
        unhandled=[r for r in risks if r.unhandled],
        incomplete=[r for r in risks if r.incomplete],
        adopters=(who_may(Permission.ADOPT_PLAN, plan)
                  if not can_adopt and plans.Transition.ADOPT in plans.allowed_transitions(plan)
                  else []),
        own_areas=[(area, len(plans.live(area.risks))) for area in plans.live(plan.process_areas)],
        area_names=[a.name for a in document.areas],
        archived_risks=[r for a in plan.process_areas for r in a.risks
                        if r.archived_at is not None],
        region_plan=region_plan,
        can_edit=can_edit,
        can_edit_region=can_edit_region,
        can_adopt=can_adopt,
        offers=_offers(plan, can_edit, can_adopt),
        needs_reason=plans.needs_reason(plan),
        sam_indicator=(sam.indicator_for(plan.org_unit, plan.year)
                       if any(r.sam_indicator for r in risks) else None),
        total_risks=len(risks),
        revision_count=plan.latest_revision or 0,
        shown_risks=sum(len(a.risks) for a in shown),
        editable_plan_ids=editable,
    )


# Who may take each step: adopting and closing are decisions; the rest is editing work.
DECIDES = frozenset({plans.Transition.ADOPT, plans.Transition.CLOSE})


def _offers(plan: Plan, can_edit: bool, can_adopt: bool) -> frozenset[str]:
    """The steps this user may take on the plan now: permission and status both allow them."""
    offers = {str(t) for t in plans.allowed_transitions(plan)
              if (can_adopt if t in DECIDES else can_edit)}
    if can_edit and plans.accepts_changes(plan):
        offers.add("edit")
    return frozenset(offers)
