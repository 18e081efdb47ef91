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

SNAPSHOT_FORMAT = 1


@dataclass
class DocAction:
    text: str
    responsible: str | None = None
    due_date: date | None = None
    status: ActionStatus = ActionStatus.PLANNED
    region_wide: bool = False
    id: int | None = None


@dataclass
class DocRisk:
    text: str
    criteria: list[Criterion]
    aspects: list[SecurityAspect] = field(default_factory=list)
    likelihood: int | None = None
    consequence: int | None = None
    treatment: RiskTreatment = RiskTreatment.MITIGATE
    accepted_by: str | None = None
    accepted_on: date | None = None
    acceptance_reason: str | None = None
    region_wide: bool = False
    source: str | None = None
    owner: str | None = None
    owner_email: str | None = None
    actions: list[DocAction] = field(default_factory=list)
    id: int | None = None
    plan_id: int | None = None

    @property
    def risk_score(self) -> int | None:
        if self.likelihood is None or self.consequence is None:
            return None
        return self.likelihood * self.consequence

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
    return DocAction(
        text=action.text, responsible=action.responsible, due_date=action.due_date,
        status=action.status, region_wide=action.region_wide, id=action.id,
    )


def _risk(risk: Risk, plan_id: int) -> DocRisk:
    return DocRisk(
        text=risk.text, criteria=risk.criteria, aspects=risk.aspects,
        likelihood=risk.likelihood, consequence=risk.consequence, treatment=risk.treatment,
        accepted_by=risk.accepted_by, accepted_on=risk.accepted_on,
        acceptance_reason=risk.acceptance_reason, region_wide=risk.region_wide,
        source=risk.source, owner=risk.owner.name if risk.owner else None,
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


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def from_snapshot(data: dict[str, Any]) -> PlanDocument:
    """Rebuild a stored revision for showing and printing."""
    return PlanDocument(
        unit_name=data["unit_name"], year=data["year"], status=PlanStatus(data["status"]),
        adopted_on=_date(data.get("adopted_on")),
        adoption_paragraph=data.get("adoption_paragraph"),
        diary_number=data.get("diary_number"),
        areas=[
            DocArea(
                name=area["name"], id=None,
                risks=[
                    DocRisk(
                        text=risk["text"],
                        criteria=[Criterion(c) for c in risk["criteria"]],
                        aspects=[SecurityAspect(a) for a in risk.get("aspects", [])],
                        likelihood=risk.get("likelihood"), consequence=risk.get("consequence"),
                        treatment=RiskTreatment(risk.get("treatment", "mitigate")),
                        accepted_by=risk.get("accepted_by"),
                        accepted_on=_date(risk.get("accepted_on")),
                        acceptance_reason=risk.get("acceptance_reason"),
                        region_wide=risk.get("region_wide", False), source=risk.get("source"),
                        owner=risk.get("owner"), owner_email=risk.get("owner_email"),
                        actions=[
                            DocAction(
                                text=action["text"], responsible=action.get("responsible"),
                                due_date=_date(action.get("due_date")),
                                status=ActionStatus(action.get("status", "planned")),
                                region_wide=action.get("region_wide", False),
                            )
                            for action in risk["actions"]
                        ],
                    )
                    for risk in area["risks"]
                ],
            )
            for area in data["areas"]
        ],
    )


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
