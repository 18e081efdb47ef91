"""The printed plan as plain data: built from the live plan or from a stored revision.

The plan page, the PDF, the CSV/XLSX export and the revision history all read a
`PlanDocument`, so the plan prints the same whichever way it is shown. A nämnd's plan
includes the region's regionövergripande content of the same year, first, as the
published plans show it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from ...models import (
    Action,
    ActionStatus,
    Criterion,
    Plan,
    PlanStatus,
    Risk,
    RiskTreatment,
    SecurityAspect,
)
from .fields import ActionContent, RiskContent, from_json

SNAPSHOT_FORMAT = 1


@dataclass
class DocAction(ActionContent):
    """An åtgärd as printed."""

    region_wide: bool = False
    id: int | None = None


@dataclass
class DocRisk(RiskContent):
    """A risk as printed, with its åtgärder and who owns it."""

    region_wide: bool = False
    owner: str | None = None
    owner_email: str | None = None
    actions: list[DocAction] = field(default_factory=list)
    id: int | None = None
    plan_id: int | None = None

    @property
    def incomplete(self) -> bool:
        """No criterion, or under e no threatened aspect: "kriterium saknas"."""
        return not self.criteria or (Criterion.E in self.criteria and not self.aspects)

    @property
    def unhandled(self) -> bool:
        """Acted on, yet without any åtgärd: the plan cannot be adopted like this."""
        return self.treatment is RiskTreatment.MITIGATE and not self.actions


@dataclass
class DocArea:
    name: str
    risks: list[DocRisk] = field(default_factory=list)
    id: int | None = None


@dataclass
class PlanDocument:
    unit_name: str
    year: int
    status: PlanStatus
    adopted_on: date | None = None
    adoption_paragraph: str | None = None
    diary_number: str | None = None
    areas: list[DocArea] = field(default_factory=list)

    @property
    def adoption_reference(self) -> str:
        parts = [self.adoption_paragraph, self.adopted_on.isoformat() if self.adopted_on else None]
        return ", ".join(part for part in parts if part)

    def risks(self) -> list[DocRisk]:
        return [risk for area in self.areas for risk in area.risks]


def _action(action: Action) -> DocAction:
    return DocAction(**ActionContent.of(action).values(), region_wide=action.region_wide,
                     id=action.id)


def _risk(risk: Risk, plan_id: int) -> DocRisk:
    return DocRisk(
        **RiskContent.of(risk).values(), region_wide=risk.region_wide,
        owner=risk.owner.name if risk.owner else None,
        owner_email=risk.owner.email if risk.owner else None,
        actions=[_action(a) for a in risk.actions if a.archived_at is None],
        id=risk.id, plan_id=plan_id,
    )


def _add_areas(document: PlanDocument, plan: Plan, *, own: bool) -> None:
    """Append a plan's live verksamheter; a verksamhet already present is continued.

    `DocArea.id` is the verksamhet's id in the plan being shown (None for one that only
    the region plan has), so that the page can offer to add risks to it.
    """
    by_name = {area.name: area for area in document.areas}
    for area in plan.process_areas:
        if area.archived_at is not None:
            continue
        target = by_name.get(area.name)
        if target is None:
            target = DocArea(name=area.name)
            document.areas.append(target)
            by_name[area.name] = target
        if own:
            target.id = area.id
        target.risks.extend(_risk(r, plan.id) for r in area.risks if r.archived_at is None)


def build_document(plan: Plan, region_plan: Plan | None = None) -> PlanDocument:
    """The plan as printed: the region's shared content first, then the plan's own."""
    document = PlanDocument(
        unit_name=plan.org_unit.name, year=plan.year, status=plan.status,
        adopted_on=plan.adopted_on, adoption_paragraph=plan.adoption_paragraph,
        diary_number=plan.diary_number,
    )
    if region_plan is not None and region_plan.id != plan.id:
        _add_areas(document, region_plan, own=False)
    _add_areas(document, plan, own=True)
    return document


def to_snapshot(document: PlanDocument) -> dict[str, Any]:
    """JSON-ready data for a PlanRevision."""
    data = asdict(document)
    data["format"] = SNAPSHOT_FORMAT
    return _jsonable(data)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, ActionStatus | PlanStatus | RiskTreatment | Criterion | SecurityAspect):
        return value.value
    return value


def from_snapshot(data: dict[str, Any]) -> PlanDocument:
    """Rebuild a stored revision for showing and printing."""
    document: PlanDocument = from_json(PlanDocument, data)
    for area in document.areas:  # a stored version is read, never edited: no live ids
        area.id = None
        for risk in area.risks:
            risk.id = risk.plan_id = None
            for action in risk.actions:
                action.id = None
    return document


@dataclass(frozen=True)
class TableRow:
    """One printed row of the plan table: a risk with one of its åtgärder (or none)."""

    area: DocArea
    risk: DocRisk
    action: DocAction | None
    first_of_area: bool
    first_of_risk: bool
    area_rowspan: int
    risk_rowspan: int


def table_rows(areas: list[DocArea]) -> list[TableRow]:
    """Flatten verksamheter into the published table's rows (Verksamhet | Risk | Åtgärd)."""
    rows: list[TableRow] = []
    for area in areas:
        if not area.risks:
            continue  # an empty verksamhet has nothing to print
        area_span = sum(max(1, len(risk.actions)) for risk in area.risks)
        first_area = True
        for risk in area.risks:
            actions: list[DocAction | None] = list(risk.actions) or [None]
            for index, action in enumerate(actions):
                rows.append(
                    TableRow(area, risk, action, first_area, index == 0, area_span, len(actions))
                )
                first_area = False
    return rows
