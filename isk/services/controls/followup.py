"""The follow-up report of a plan for a period, as regions print it in their verksamhetsberättelse.

Genomförd internkontroll | Kontrollmetod | Utfört | Uppföljning/resultat | Eventuella åtgärder,
one row per kontrollutfall of an occurrence due in the period (see periods.py), each cell as it
was written. An occurrence due with no kontrollutfall is not invented into one: it reads "Ej
rapporterat" once its day has passed, "Planerad …" before. The regionövergripande controls come
first, then the plan's own by verksamhet, then its kontrollområden. The plan's åtgärder follow,
with their status, so the report also follows up whether they were carried out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased, joinedload, undefer

from ...extensions import db
from ...models import (
    Action,
    Control,
    ControlResult,
    OrgUnit,
    OrgUnitKind,
    Plan,
    ProcessArea,
    RegionTextKey,
    Risk,
)
from .. import clock
from ..plans import live, region_plan_for
from ..wording import RegionTexts, region_texts
from . import periods
from .periods import Period, PeriodRange
from .planning import controls_of, is_region_wide

# The headings of the follow-up table a region's CSV has (and ISK's CSV export writes), in
# order; the printed report uses the region's own, longer ones (wording.FOLLOWUP_HEADINGS).
TABLE_HEADINGS = ("Genomförd internkontroll", "Kontrollmetod", "Utfört", "Uppföljning/resultat",
                  "Eventuella åtgärder")


class RowState(Enum):
    PERFORMED = "performed"
    NOT_PERFORMED = "not_performed"  # recorded "Ej utfört", with its reason
    MISSING = "missing"  # due, its day passed, nothing recorded
    PLANNED = "planned"  # due later in the period


@dataclass(frozen=True)
class ReportRow:
    group: str
    control: Control
    result: ControlResult | None
    state: RowState
    cells: tuple[str, str, str, str, str]
    sort_day: date

    @property
    def description(self) -> str:
        return self.cells[0]

    @property
    def method(self) -> str:
        return self.cells[1]

    @property
    def performed(self) -> str:
        return self.cells[2]

    @property
    def outcome(self) -> str:
        return self.cells[3]

    @property
    def measures(self) -> str:
        return self.cells[4]

    @property
    def line(self) -> str:
        """One line for a list: "vecka 12. Inga brister. – Rutinen ändrad"."""
        parts = [part.strip().rstrip(".") for part in self.cells[2:4] if part.strip()]
        line = ". ".join(parts) + ("." if parts else "")
        return f"{line} – {self.measures}" if self.measures else line

    @property
    def not_performed(self) -> bool:
        """Recorded "Ej utfört", or due and passed with nothing recorded."""
        return self.state in (RowState.NOT_PERFORMED, RowState.MISSING)

    @property
    def has_deviation(self) -> bool:
        return self.result is not None and self.result.has_deviation

    @property
    def remediation_open(self) -> bool:
        return self.result is not None and self.result.remediation_open


@dataclass(frozen=True)
class Group:
    heading: str
    rows: list[ReportRow]


@dataclass(frozen=True)
class ActionRow:
    area: str
    risk: str
    action: Action
    status: str
    controls: int


@dataclass(frozen=True)
class Summary:
    performed: int
    not_performed: int
    missing: int
    planned: int
    with_deviations: int
    remediation_open: int


@dataclass(frozen=True)
class FollowUpReport:
    plan: Plan
    period: Period
    dates: PeriodRange
    rows: list[ReportRow]
    actions: list[ActionRow]
    texts: RegionTexts

    @property
    def title(self) -> str:
        """"Uppföljning av internkontroll" in the region's words."""
        return self.texts[RegionTextKey.FOLLOWUP_TITLE]

    @property
    def subtitle(self) -> str:
        if self.period is Period.ANNUAL:
            return _("Avser år %(year)d", year=self.plan.year)
        return _("Avser år %(year)d, %(period)s", year=self.plan.year,
                 period=self.period.label)

    @property
    def document_title(self) -> str:
        return f"{self.title} – {self.plan.org_unit.name}. {self.subtitle}"

    @property
    def headings(self) -> list[str]:
        return self.texts.followup_headings

    @property
    def groups(self) -> list[Group]:
        """The rows under their headings; a report of one group has no heading at all."""
        groups: list[Group] = []
        for row in self.rows:
            if not groups or groups[-1].heading != row.group:
                groups.append(Group(row.group, []))
            groups[-1].rows.append(row)
        if len(groups) == 1:
            return [Group("", groups[0].rows)]
        return groups

    @property
    def summary(self) -> Summary:
        def count(state: RowState) -> int:
            return sum(row.state is state for row in self.rows)

        return Summary(
            performed=count(RowState.PERFORMED),
            not_performed=count(RowState.NOT_PERFORMED),
            missing=count(RowState.MISSING),
            planned=count(RowState.PLANNED),
            with_deviations=sum(row.has_deviation for row in self.rows),
            remediation_open=sum(row.remediation_open for row in self.rows),
        )

    def table(self) -> Iterator[tuple[str, str, str, str, str]]:
        """The five cells of each row, as a spreadsheet export writes them."""
        for row in self.rows:
            yield row.cells


def content_options() -> tuple[Any, ...]:
    """Load plans with their unit, verksamheter, risks, owners and åtgärder in two queries
    however many plans: the plans with their units and verksamheter, then the risks with
    their owners and åtgärder (the query's result must be made `unique()`)."""
    risks = joinedload(Plan.process_areas).selectinload(ProcessArea.risks)
    return (
        undefer(Plan.latest_revision),
        undefer(Plan.has_next_year),
        undefer(Plan.annual_assessed),
        joinedload(Plan.org_unit),
        risks.joinedload(Risk.owner),
        risks.joinedload(Risk.actions),
    )


def load_for_report(plan_id: int) -> tuple[Plan, Plan | None] | None:
    """The live plan and the region's plan of its year (None for the region's own plan), both
    with their content, in two queries: what a report or the controls' pages show."""
    target, unit, region = aliased(Plan), aliased(OrgUnit), aliased(OrgUnit)
    region_plans = (
        select(Plan.id)
        .join(region, Plan.org_unit_id == region.id)
        .join(target, target.id == plan_id)
        .join(unit, target.org_unit_id == unit.id)
        .where(region.kind == OrgUnitKind.REGION, unit.path.startswith(region.path),
               Plan.year == target.year)
    )
    found = db.session.scalars(
        select(Plan)
        .where(or_(Plan.id == plan_id, Plan.id.in_(region_plans)), Plan.archived_at.is_(None))
        .options(*content_options())
        .order_by(Plan.id)
    ).unique().all()
    plan = next((p for p in found if p.id == plan_id), None)
    if plan is None:
        return None
    if plan.is_region_plan:
        return plan, None
    return plan, next((p for p in found if p.id != plan_id), None)


_LOOK_UP: Any = object()


def build_report(plan: Plan, period: Period, today: date | None = None, *,
                 controls: list[Control] | None = None,
                 region_plan: Plan | None = _LOOK_UP,
                 texts: RegionTexts | None = None) -> FollowUpReport:
    """The report's rows; load the plan with its content first for a fixed number of queries.

    `controls` (the plan's, from `report_controls`) and `region_plan` (the region's plan of
    the year, loaded with its content, or None) and `texts` (the region's) save their queries
    when already loaded.
    """
    today = today or clock.today()
    year = plan.year
    rows: list[ReportRow] = []
    for control in controls_of(plan) if controls is None else controls:
        rows += _control_rows(control, period, year, today)
    counts: dict[int, int] = {}
    for row in rows:
        if row.control.action_id is not None and row.result is not None:
            counts[row.control.action_id] = counts.get(row.control.action_id, 0) + 1
    if region_plan is _LOOK_UP:
        region_plan = region_plan_for(plan)
    return FollowUpReport(plan, period, period.date_range(year), rows,
                          _action_rows(plan, counts, region_plan),
                          texts or region_texts(plan.org_unit))


def _group(control: Control) -> str:
    risk = control.target_risk
    if risk is None:
        return _("Kontrollområden")
    if is_region_wide(control):
        return _("Regionövergripande")
    return risk.process_area.name


def _shown(result: ControlResult, period: Period, year: int) -> bool:
    """Whether the period's report shows the kontrollutfall: it covers an occurrence due in
    the period (or, without occurrences, falls in it), and was not performed only after it."""
    dates = period.date_range(year)
    if result.performed:
        assert result.performed_start is not None and result.performed_end is not None
        if result.performed_start > dates.end:
            return False
        if not result.occurrences:
            return PeriodRange(result.performed_start, result.performed_end).overlaps(dates)
    codes = result.occurrences or [periods.ANNUAL]
    return any(periods.is_due_in(code, period, year) for code in codes)


def _control_rows(control: Control, period: Period, year: int, today: date) -> list[ReportRow]:
    group = _group(control)
    shown = [result for result in control.live_results if _shown(result, period, year)]
    covered: set[str] = set()
    for result in shown:
        covered.update(result.occurrences or ([] if control.occurrences else [periods.ANNUAL]))
    rows = []
    for result in shown:
        first = periods.sort_occurrences(result.occurrences)
        day = result.performed_start or (
            periods.due_date(first[0], year) if first else date(year, 12, 31))
        rows.append(ReportRow(group, control, result, _state(result), _cells(control, result),
                              day))
    for code in periods.planned_occurrences(control.occurrences):
        if code in covered or not periods.is_due_in(code, period, year):
            continue
        due = periods.due_date(code, year)
        when = periods.occurrence_label(code) if control.occurrences else _("under året")
        if due < today:
            state, performed = RowState.MISSING, _("Ej rapporterat (planerad %(when)s)", when=when)
        else:
            state, performed = RowState.PLANNED, _("Planerad %(when)s", when=when)
        rows.append(ReportRow(group, control, None, state,
                              (control.description, control.method_shown, performed, "", ""), due))
    return sorted(rows, key=lambda row: (row.sort_day, row.result.id if row.result else 0))


def _state(result: ControlResult) -> RowState:
    return RowState.PERFORMED if result.performed else RowState.NOT_PERFORMED


def _cells(control: Control, result: ControlResult) -> tuple[str, str, str, str, str]:
    """As written; a category or status stands in only where no text was written."""
    outcome = result.result_text or (result.category.label if result.category else "")
    measures = result.remediation or (
        result.remediation_status.label if result.remediation_status else "")
    return (control.description, control.method_shown, result.performed_text, outcome, measures)


def _action_rows(plan: Plan, counts: dict[int, int], region_plan: Plan | None
                 ) -> list[ActionRow]:
    """The åtgärder the nämnd answers for: the region's regionövergripande ones, then its own."""
    rows = []
    sources = ([(region_plan, True)] if region_plan is not None else []) + [(plan, False)]
    for source, region_wide_only in sources:
        for area in live(source.process_areas):
            for risk in live(area.risks):
                for action in live(risk.actions):
                    if region_wide_only and not action.region_wide:
                        continue
                    rows.append(ActionRow(area.name, risk.text, action, action.status.label,
                                          counts.get(action.id, 0)))
    return rows
