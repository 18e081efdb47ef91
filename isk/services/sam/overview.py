"""The overview of a round: shares per unit against the target, overdue follow-ups, delvis/nej."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from ...extensions import db
from ...models import (
    FollowUpStatus,
    OrgUnit,
    SamAnswer,
    SamFollowUp,
    SamIndicatorTarget,
    SamQuestion,
    SamReturn,
    SamRound,
    User,
)
from .. import clock, org
from ..spreadsheets import set_text_cell
from .common import (
    NEEDS_COMMENT,
    TARGET_SHARE,
)
from .indicator import range_text, target_for


@dataclass
class UnitRow:
    """One org unit's counts, including every unit below it."""

    unit: OrgUnit
    depth: int
    total: int = 0
    answered: int = 0
    acknowledged: int = 0
    confirmed: int = 0
    overdue: int = 0
    target_share: float = TARGET_SHARE  # the year's target, lowest share (see indicator.py)

    def share(self, count: int) -> float | None:
        return count / self.total if self.total else None

    @property
    def answered_share(self) -> float | None:
        return self.share(self.answered)

    @property
    def acknowledged_share(self) -> float | None:
        return self.share(self.acknowledged)

    @property
    def confirmed_share(self) -> float | None:
        return self.share(self.confirmed)

    @property
    def meets_target(self) -> bool:
        """The indicator counts kvitterade follow-ups: saved answers alone do not reach it."""
        return self.acknowledged_share is not None and self.acknowledged_share >= self.target_share


@dataclass(frozen=True)
class Concern:
    """An answer delvis or nej: input to the follow-up of the HR risk."""

    follow_up: SamFollowUp
    number: int
    question: SamQuestion
    answer: SamAnswer


@dataclass
class Overview:
    round: SamRound
    unit: OrgUnit
    today: date
    rows: list[UnitRow]
    follow_ups: list[SamFollowUp]
    overdue: list[SamFollowUp] = field(default_factory=list)
    concerns: list[Concern] = field(default_factory=list)
    returns: list[SamReturn] = field(default_factory=list)
    target: SamIndicatorTarget | None = None

    @property
    def total(self) -> UnitRow:
        return self.rows[0]

    @property
    def target_text(self) -> str:
        """The year's target as verksamhetsplaner write it, "90–100 %"."""
        if self.target is None:
            return range_text(round(TARGET_SHARE * 100), 100)
        return range_text(self.target.target_min, self.target.target_max)


def build_overview(sam_round: SamRound, unit: OrgUnit, when: date | None = None) -> Overview:
    """Shares per org unit, the overdue list and the delvis/nej answers, for `unit` and below.

    Loads in a fixed number of queries whatever the size of the round: the units, the
    follow-ups with their chefs and units, their returns, the delvis/nej answers and the
    target.
    """
    when = when or clock.today()
    units = org.subtree(unit)
    delegating = aliased(User)
    follow_ups = db.session.scalars(
        select(SamFollowUp)
        .join(SamFollowUp.org_unit)
        .join(SamFollowUp.manager)
        .outerjoin(delegating, SamFollowUp.delegating_manager)
        .where(SamFollowUp.round_id == sam_round.id, org.within(unit))
        .options(
            # The round is `sam_round` itself; the people and units are joined.
            contains_eager(SamFollowUp.manager),
            contains_eager(SamFollowUp.org_unit),
            contains_eager(SamFollowUp.delegating_manager.of_type(delegating)),
            selectinload(SamFollowUp.returns),
        )
        .order_by(OrgUnit.path, User.name)
    ).all()
    target = target_for(unit, sam_round.year)
    target_share = target.target_min / 100 if target else TARGET_SHARE
    rows = {u.id: UnitRow(u, u.path.count("/") - unit.path.count("/"), target_share=target_share)
            for u in units}
    for follow_up in follow_ups:
        overdue = follow_up.is_overdue(when)
        # The unit's path lists it and every unit above it ("/1/4/9/").
        for unit_id in follow_up.org_unit.path.strip("/").split("/"):
            row = rows.get(int(unit_id))
            if row is not None:
                row.total += 1
                row.answered += follow_up.status.is_answered
                row.acknowledged += follow_up.status.is_acknowledged
                row.confirmed += follow_up.status is FollowUpStatus.CONFIRMED
                row.overdue += overdue
    questions = sam_round.live_questions
    numbers = {question.id: number for number, question in enumerate(questions, start=1)}
    by_id = {question.id: question for question in questions}
    # Only the delvis/nej answers are read (not every answer of every chef), in one query.
    by_follow_up = {follow_up.id: follow_up for follow_up in follow_ups}
    concerns = [
        Concern(follow_up, numbers[answer.question_id], by_id[answer.question_id], answer)
        for answer in db.session.scalars(
            select(SamAnswer)
            .join(SamAnswer.follow_up).join(SamFollowUp.org_unit)
            .where(SamFollowUp.round_id == sam_round.id, org.within(unit),
                   SamAnswer.value.in_(NEEDS_COMMENT))
            .order_by(SamAnswer.follow_up_id, SamAnswer.id))
        if (follow_up := by_follow_up.get(answer.follow_up_id)) is not None
        and follow_up.status.is_acknowledged and answer.question_id in by_id
    ]
    place = {follow_up.id: n for n, follow_up in enumerate(follow_ups)}
    concerns.sort(key=lambda c: (c.number, c.follow_up.org_unit.path, c.follow_up.manager.name,
                                 place[c.follow_up.id]))
    return Overview(
        target=target,
        round=sam_round,
        unit=unit,
        today=when,
        rows=[row for row in rows.values() if row.total or row.unit.id == unit.id],
        follow_ups=list(follow_ups),
        overdue=[f for f in follow_ups if f.is_overdue(when)],
        concerns=concerns,
        returns=[
            returned
            for follow_up in follow_ups
            if follow_up.status.is_acknowledged
            for returned in follow_up.live_returns
        ],
    )


def export_filename(sam_round: SamRound, unit: OrgUnit, extension: str) -> str:
    return f"SAM-uppfoljning-{sam_round.year}-{unit.code}.{extension}"


def overview_xlsx(overview: Overview) -> bytes:
    """The overview as an XLSX workbook: shares per unit, every follow-up, delvis/nej, returns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: Iterable[list[object]], first: bool = False):
        ws = workbook.active if first else workbook.create_sheet()
        ws.title = title
        for column_number, heading in enumerate(header, start=1):
            set_text_cell(ws.cell(row=1, column=column_number), heading).font = bold
        for row_number, row in enumerate(rows, start=2):
            for column_number, value in enumerate(row, start=1):
                set_text_cell(ws.cell(row=row_number, column=column_number), value)
        ws.freeze_panes = "A2"
        for column, title_text in zip(ws.columns, header, strict=True):
            width = max([len(title_text)] + [len(str(c.value or "")) for c in column])
            ws.column_dimensions[column[0].column_letter].width = min(60, width + 2)

    def percent(value: float | None) -> object:
        return round(value * 100) if value is not None else ""

    sheet(
        _("Översikt"),
        [
            _("Enhet"),
            _("Chefer"),
            _("Svarat"),
            _("Svarat (%)"),
            _("Kvitterat"),
            _("Kvitterat (%)"),
            _("Avstämt"),
            _("Avstämt (%)"),
            _("Försenade"),
        ],
        (
            [
                "  " * row.depth + row.unit.name,
                row.total,
                row.answered,
                percent(row.answered_share),
                row.acknowledged,
                percent(row.acknowledged_share),
                row.confirmed,
                percent(row.confirmed_share),
                row.overdue,
            ]
            for row in overview.rows
        ),
        first=True,
    )
    sheet(
        _("Uppföljningar"),
        [
            _("Chef"),
            _("E-post"),
            _("Enhet"),
            _("Fördelande chef"),
            _("Status"),
            _("Sista dag"),
            _("Försenad"),
            _("Kvitterad"),
            _("Avstämd"),
        ],
        (
            [
                f.manager.name,
                f.manager.email,
                f.org_unit.name,
                f.delegating_manager.name if f.delegating_manager else "",
                f.status.label,
                f.due_on,
                _("Ja") if f.is_overdue(overview.today) else _("Nej"),
                _local(f.acknowledged_at),
                _local(f.confirmed_at),
            ]
            for f in overview.follow_ups
        ),
    )
    sheet(
        _("Delvis och nej"),
        [_("Fråga nr"), _("Fråga"), _("Svar"), _("Kommentar"), _("Chef"), _("Enhet")],
        (
            [
                c.number,
                c.question.text,
                c.answer.value.label,
                c.answer.comment,
                c.follow_up.manager.name,
                c.follow_up.org_unit.name,
            ]
            for c in overview.concerns
        ),
    )
    sheet(
        _("Returneringar"),
        [_("Uppgift"), _("Skäl"), _("Chef"), _("Enhet"), _("Fördelande chef")],
        (
            [
                r.task,
                r.reason,
                r.follow_up.manager.name,
                r.follow_up.org_unit.name,
                r.follow_up.delegating_manager.name if r.follow_up.delegating_manager else "",
            ]
            for r in overview.returns
        ),
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _local(moment: datetime | None) -> datetime | str:
    """A timestamp as Swedish local time without zone (spreadsheets cannot hold zones)."""
    if moment is None:
        return ""
    return moment.astimezone(clock.LOCAL_TIME).replace(tzinfo=None, microsecond=0)
