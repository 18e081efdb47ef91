"""What the plan page shows: the document, filters, the risk matrix, warnings and permissions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app, url_for
from flask_babel import format_date
from jinja2.filters import do_truncate
from sqlalchemy import select

from ...extensions import db
from ...models import Criterion, Plan, ProcessArea, Risk, User
from ...permissions import Permission, can, who_may
from ...services import plans, sam
from ...services.plans.document import (
    DocAction,
    DocArea,
    DocRisk,
    PlanDocument,
    TableRow,
    table_rows,
)
from ...services.plans.loading import read_document
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

    def args(self) -> dict[str, str]:
        """The filters as the page's query arguments (for links that keep them)."""
        values = {"verksamhet": self.area, "kriterium": self.criterion and self.criterion.value,
                  "riskvarde": self.min_score, "sannolikhet": self.likelihood,
                  "konsekvens": self.consequence}
        return {name: str(value) for name, value in values.items() if value is not None}

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


@dataclass(slots=True)
class RiskView:
    """A risk's cell as the plan table shows it: texts, labels and links worked out once."""

    id: int | None
    text: str
    short: str  # for the links' hidden labels
    rowspan: int
    unhandled: bool
    criteria: str  # "c, d"; empty: "kriterium saknas"
    criteria_title: str
    aspects: str
    aspects_missing: bool  # under e, what is threatened is not said
    risk_score: int | None
    likelihood: int | None
    consequence: int | None
    region_wide: bool
    is_accepted: bool
    accepted_by: str | None
    accepted_on: str
    acceptance_reason: str | None
    owner: str | None
    source: str | None
    sam_indicator: bool
    urls: dict[str, str] | None  # edit, add_action, archive: None when it is not editable


@dataclass(slots=True)
class ActionView:
    id: int | None
    text: str
    short: str
    status: str
    responsible: str | None
    due_date: str
    region_wide: bool
    urls: dict[str, str] | None  # edit, archive


@dataclass(slots=True)
class RowView:
    """One row of the plan table: the verksamhet on its first row, the risk on its first."""

    area_name: str
    area_rowspan: int
    first_of_area: bool
    last_of_area: bool
    risk: RiskView | None  # only on the risk's first row
    action: ActionView | None


class _Urls:
    """Row links from one `url_for` per endpoint: the ids are put into a built URL's text."""

    MARK_PLAN, MARK_ITEM = 987654321, 987654322

    def __init__(self) -> None:
        self.templates: dict[str, str] = {}

    def __call__(self, endpoint: str, item: str, plan_id: int, item_id: int) -> str:
        template = self.templates.get(endpoint)
        if template is None:
            template = self.templates[endpoint] = url_for(
                endpoint, plan_id=self.MARK_PLAN, **{item: self.MARK_ITEM})
        return template.replace(str(self.MARK_PLAN), str(plan_id), 1).replace(
            str(self.MARK_ITEM), str(item_id), 1)


def table_view(rows: list[TableRow], editable_plan_ids: set[int] | None = None
               ) -> list[RowView]:
    """The plan table's rows for the template, which then only puts them in its markup.

    Per page, not per row: the links come from one URL per endpoint, labels of enums and
    dates are looked up once per distinct value, nothing asks Flask-Babel per row.
    """
    editable = editable_plan_ids or set()
    urls = _Urls()
    environment = current_app.jinja_env
    labels: dict[Any, str] = {}
    dates: dict[date, str] = {}

    def label(member: Any) -> str:
        text = labels.get(member)
        if text is None:
            text = labels[member] = member.label
        return text

    def day(value: date | None) -> str:
        if value is None:
            return ""
        text = dates.get(value)
        if text is None:
            text = dates[value] = format_date(value, "short")
        return text

    def risk_view(risk: DocRisk, rowspan: int) -> RiskView:
        may_edit = risk.id is not None and risk.plan_id in editable
        return RiskView(
            id=risk.id, text=risk.text, short=do_truncate(environment, risk.text, 60),
            rowspan=rowspan, unhandled=risk.unhandled,
            criteria=", ".join(risk.criteria),
            criteria_title="; ".join(label(c) for c in risk.criteria),
            aspects=", ".join(label(a) for a in risk.aspects),
            aspects_missing=Criterion.E in risk.criteria and not risk.aspects,
            risk_score=risk.risk_score, likelihood=risk.likelihood,
            consequence=risk.consequence, region_wide=risk.region_wide,
            is_accepted=risk.is_accepted, accepted_by=risk.accepted_by,
            accepted_on=day(risk.accepted_on), acceptance_reason=risk.acceptance_reason,
            owner=risk.owner, source=risk.source, sam_indicator=risk.sam_indicator,
            urls={
                "edit": urls("plans.edit_risk", "risk_id", risk.plan_id, risk.id),
                "add_action": urls("plans.new_action", "risk_id", risk.plan_id, risk.id),
                "archive": urls("plans.archive_risk", "risk_id", risk.plan_id, risk.id),
            } if may_edit else None,
        )

    def action_view(action: DocAction, risk: DocRisk) -> ActionView:
        may_edit = (action.id is not None and risk.plan_id in editable)
        return ActionView(
            id=action.id, text=action.text, short=do_truncate(environment, action.text, 60),
            status=label(action.status), responsible=action.responsible,
            due_date=day(action.due_date), region_wide=action.region_wide,
            urls={
                "edit": urls("plans.edit_action", "action_id", risk.plan_id, action.id),
                "archive": urls("plans.archive_action", "action_id", risk.plan_id, action.id),
            } if may_edit else None,
        )

    views = []
    for index, row in enumerate(rows):
        following = rows[index + 1] if index + 1 < len(rows) else None
        views.append(RowView(
            area_name=row.area.name, area_rowspan=row.area_rowspan,
            first_of_area=row.first_of_area,
            last_of_area=following is None or following.first_of_area,
            risk=risk_view(row.risk, row.risk_rowspan) if row.first_of_risk else None,
            action=action_view(row.action, row.risk) if row.action else None,
        ))
    return views


# A plan of more risks than this is shown a few verksamheter at a time (`?sida=N`), about
# PAGE_RISKS risks a page; `?visa=alla` shows it whole, `?till=risk-N` the page with risk N.
PAGE_FROM_RISKS = 1000
PAGE_RISKS = 500


@dataclass
class Paging:
    """Which verksamheter of a big plan this page shows, and the pages there are."""

    number: int  # from 1
    pages: list[tuple[int, str]]  # (number, "Verksamhet A – Verksamhet C")
    show_all: bool
    args: dict[str, str]  # the filters, for the pager's links

    @property
    def count(self) -> int:
        return len(self.pages)


def _pages(areas: list[DocArea]) -> list[list[DocArea]]:
    """Consecutive verksamheter with risks, about PAGE_RISKS risks a page, at least one each."""
    pages: list[list[DocArea]] = []
    size = 0
    for area in areas:
        if not area.risks:
            continue
        if pages and size + len(area.risks) <= PAGE_RISKS:
            pages[-1].append(area)
            size += len(area.risks)
        else:
            pages.append([area])
            size = len(area.risks)
    return pages


def _page_number(args: Mapping[str, str], pages: list[list[DocArea]]) -> int:
    """`?till=risk-N`: the page with risk N; else `?sida=N`; else the first."""
    target = args.get("till", "")
    if target.startswith("risk-") and target[5:].isascii() and target[5:].isdigit():
        risk_id = int(target[5:])
        for number, page in enumerate(pages, start=1):
            if any(risk.id == risk_id for area in page for risk in area.risks):
                return number
    value = args.get("sida", "")
    if value.isascii() and value.isdigit() and 1 <= int(value) <= len(pages):
        return int(value)
    return 1


def _paged(shown: list[DocArea], total: int, args: Mapping[str, str], filters: Filters
           ) -> tuple[list[DocArea], Paging | None]:
    """The verksamheter this page shows of a big plan, and its pager (None: a small plan)."""
    if total <= PAGE_FROM_RISKS:
        return shown, None
    pages = _pages(shown)
    labels = [(number, page[0].name if len(page) == 1 else f"{page[0].name} – {page[-1].name}")
              for number, page in enumerate(pages, start=1)]
    show_all = args.get("visa") == "alla"
    number = _page_number(args, pages)
    paging = Paging(number, labels, show_all, filters.args())
    if show_all or not pages:
        return shown, paging
    return pages[number - 1], paging


@dataclass
class PlanPage:
    document: PlanDocument
    rows: list[RowView]
    filters: Filters
    matrix: list[list[MatrixCell]]  # rows from konsekvens 4 down to 1
    unassessed: int
    unhandled: list[DocRisk]
    incomplete: list[DocRisk]  # "kriterium saknas": adoption waits for them
    adopters: list[User]  # who may adopt, shown when the user may not
    own_areas: list[tuple[DocArea, int]]  # the plan's own verksamheter, with own risk count
    area_names: list[str]
    archived_risks: list[tuple[int, str]]  # (id, text), shown to those who may edit
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
    paging: Paging | None = None
    on_page: frozenset[int] = frozenset()  # the risks in the table on this page


def build(plan: Plan, args: Mapping[str, str], user: User) -> PlanPage:
    """The page's content, read in a fixed number of statements whatever the plan's size."""
    region_plan = plans.region_plan_for(plan, with_content=False)
    own_order: list[int] = []
    document = read_document(plan, region_plan, own_order=own_order)
    filters = Filters.from_args(args)
    risks = document.risks()
    shown = [DocArea(area.name, [r for r in area.risks if filters.keeps(area, r)], area.id)
             for area in document.areas]
    can_edit = can(user, Permission.EDIT_PLAN, plan)
    can_adopt = can(user, Permission.ADOPT_PLAN, plan)
    can_edit_region = region_plan is not None and can(user, Permission.EDIT_PLAN, region_plan)
    editable = {p.id for p, may in ((plan, can_edit), (region_plan, can_edit_region))
                if p is not None and may and plans.accepts_changes(p)}
    offers = _offers(plan, can_edit, can_adopt)
    on_page, paging = _paged(shown, len(risks), args, filters)
    return PlanPage(
        document=document,
        rows=table_view(table_rows(on_page), editable),
        paging=paging,
        on_page=frozenset(r.id for a in on_page for r in a.risks if r.id is not None),
        filters=filters,
        matrix=build_matrix(risks),
        unassessed=sum(1 for r in risks if r.risk_score is None),
        unhandled=[r for r in risks if r.unhandled],
        incomplete=[r for r in risks if r.incomplete],
        adopters=(who_may(Permission.ADOPT_PLAN, plan)
                  if not can_adopt and plans.Transition.ADOPT in plans.allowed_transitions(plan)
                  else []),
        own_areas=_own_areas(document, plan, own_order),
        area_names=[a.name for a in document.areas],
        archived_risks=_archived_risks(plan) if "edit" in offers else [],
        region_plan=region_plan,
        can_edit=can_edit,
        can_edit_region=can_edit_region,
        can_adopt=can_adopt,
        offers=offers,
        needs_reason=plans.needs_reason(plan),
        sam_indicator=(sam.indicator_for(plan.org_unit, plan.year)
                       if any(r.sam_indicator for r in risks) else None),
        total_risks=len(risks),
        revision_count=plan.latest_revision or 0,
        shown_risks=sum(len(a.risks) for a in shown),
        editable_plan_ids=editable,
    )


def _own_areas(document: PlanDocument, plan: Plan, order: list[int]
               ) -> list[tuple[DocArea, int]]:
    """The plan's own verksamheter in its order, each with the number of its own risks."""
    own = {area.id: area for area in document.areas if area.id is not None}
    return [(own[area_id], sum(1 for r in own[area_id].risks if r.plan_id == plan.id))
            for area_id in order]


def _archived_risks(plan: Plan) -> list[tuple[int, str]]:
    """The plan's archived risks (also those of an archived verksamhet), to restore."""
    return [(risk_id, text) for risk_id, text in db.session.execute(
        select(Risk.id, Risk.text).join(ProcessArea, Risk.process_area_id == ProcessArea.id)
        .where(ProcessArea.plan_id == plan.id, Risk.archived_at.is_not(None))
        .order_by(ProcessArea.position, ProcessArea.id, Risk.position, Risk.id))]


# Who may take each step: adopting and closing are decisions; the rest is editing work.
DECIDES = frozenset({plans.Transition.ADOPT, plans.Transition.CLOSE})


def _offers(plan: Plan, can_edit: bool, can_adopt: bool) -> frozenset[str]:
    """The steps this user may take on the plan now: permission and status both allow them."""
    offers = {str(t) for t in plans.allowed_transitions(plan)
              if (can_adopt if t in DECIDES else can_edit)}
    if can_edit and plans.accepts_changes(plan):
        offers.add("edit")
    return frozenset(offers)
