"""The SAM indicator: "andel chefer som svarat på årlig uppföljning av SAM", per year.

Verksamhetsplaner report it as three figures: the year's result, the target for the year
(e.g. "90–100 %") and the long-term target. The result is the share of the chefs followed up
in the year's rounds who have kvitterat their follow-up (answered and signed; saved answers
alone do not count), for a unit and everything below it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import format_percent
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from ...extensions import db
from ...models import (
    FollowUpStatus,
    OrgUnit,
    RoundStatus,
    SamFollowUp,
    SamIndicatorTarget,
    SamRound,
)
from .. import audit_log, org
from ..errors import check_version
from .common import TARGET_SHARE, SamError

ACKNOWLEDGED = (FollowUpStatus.ACKNOWLEDGED, FollowUpStatus.CONFIRMED)


def range_text(low: int, high: int) -> str:
    """A target as verksamhetsplaner write it: "90–100 %" (or "95 %" for one figure)."""
    return f"{low} %" if low == high else f"{low}–{high} %"


@dataclass(frozen=True)
class Target:
    """A year's target and the long-term one, in whole percent."""

    target_min: int
    target_max: int
    long_term_min: int
    long_term_max: int


@dataclass(frozen=True)
class SamIndicator:
    unit: OrgUnit
    year: int
    total: int
    acknowledged: int
    target: Target | None
    rounds_open: int

    @property
    def share(self) -> float | None:
        return self.acknowledged / self.total if self.total else None

    @property
    def target_min_share(self) -> float:
        return self.target.target_min / 100 if self.target else TARGET_SHARE

    @property
    def met(self) -> bool | None:
        """Is the year's target reached? None while nobody is followed up."""
        return None if self.share is None else self.share >= self.target_min_share

    @property
    def result_text(self) -> str:
        return "–" if self.share is None else format_percent(self.share)

    @property
    def target_text(self) -> str:
        if self.target is None:
            return _("%(target)s (inget eget mål satt)", target=range_text(
                round(TARGET_SHARE * 100), 100))
        return range_text(self.target.target_min, self.target.target_max)

    @property
    def long_term_text(self) -> str:
        if self.target is None:
            return "–"
        return range_text(self.target.long_term_min, self.target.long_term_max)


def target_for(unit: OrgUnit, year: int) -> SamIndicatorTarget | None:
    return db.session.scalar(select(SamIndicatorTarget).where(
        SamIndicatorTarget.region_id == org.region_of(unit), SamIndicatorTarget.year == year))


def indicator_for(unit: OrgUnit, year: int) -> SamIndicator:
    """The year's result for the unit and everything below it, with its target, in one query."""
    def target_column(column):  # type: ignore[no-untyped-def]
        return (select(column).where(SamIndicatorTarget.region_id == org.region_of(unit),
                                     SamIndicatorTarget.year == year).scalar_subquery())

    total, acknowledged, rounds_open, *bounds = db.session.execute(
        select(
            func.count(SamFollowUp.id),
            func.count(SamFollowUp.id).filter(SamFollowUp.status.in_(ACKNOWLEDGED)),
            func.count(func.distinct(SamRound.id)).filter(SamRound.status == RoundStatus.OPEN),
            *(target_column(c) for c in (
                SamIndicatorTarget.target_min, SamIndicatorTarget.target_max,
                SamIndicatorTarget.long_term_min, SamIndicatorTarget.long_term_max)),
        )
        .join(SamFollowUp.round)
        .join(SamFollowUp.org_unit)
        .where(SamRound.year == year, SamRound.archived_at.is_(None), org.within(unit))
    ).one()
    target = Target(*bounds) if bounds[0] is not None else None
    return SamIndicator(unit, year, total, acknowledged, target, rounds_open)


def indicators_for(units: Sequence[OrgUnit], year: int) -> dict[int, SamIndicator]:
    """`indicator_for` of each unit, in two queries however many units: the follow-ups
    counted per org unit and round, added up in Python for each unit and the units below it,
    and each region's target."""
    if not units:
        return {}
    rows = db.session.execute(
        select(OrgUnit.path, SamRound.id, SamRound.status, func.count(SamFollowUp.id),
               func.count(SamFollowUp.id).filter(SamFollowUp.status.in_(ACKNOWLEDGED)))
        .join(SamFollowUp.round)
        .join(SamFollowUp.org_unit)
        .where(SamRound.year == year, SamRound.archived_at.is_(None),
               or_(*(org.within(unit) for unit in units)))
        .group_by(OrgUnit.path, SamRound.id, SamRound.status)
    ).all()
    regions = {org.region_of(unit) for unit in units}
    targets = {row.region_id: Target(row.target_min, row.target_max, row.long_term_min,
                                     row.long_term_max)
               for row in db.session.scalars(select(SamIndicatorTarget).where(
                   SamIndicatorTarget.region_id.in_(regions), SamIndicatorTarget.year == year))}
    indicators = {}
    for unit in units:
        mine = [row for row in rows if row[0].startswith(unit.path)]
        indicators[unit.id] = SamIndicator(
            unit, year, sum(row[3] for row in mine), sum(row[4] for row in mine),
            targets.get(org.region_of(unit)),
            len({row[1] for row in mine if row[2] is RoundStatus.OPEN}))
    return indicators


def set_target(region: OrgUnit, year: int, target: tuple[int, int], long_term: tuple[int, int],
               expected_version: int | None = None) -> SamIndicatorTarget:
    """Set the year's target and the long-term target, in whole percent."""
    if region.kind.value != "region":
        raise SamError(_("Målet sätts för en region."))
    if not 2000 <= year <= 2100:
        raise SamError(_("Ange ett år mellan 2000 och 2100."), "year")
    for (low, high), field in ((target, "target_min"), (long_term, "long_term_min")):
        if not 0 <= low <= high <= 100:
            raise SamError(_("Ange målet som procent från 0 till 100, det lägre talet först."),
                           field)
    row = target_for(region, year)
    if row is None:
        row = SamIndicatorTarget(region_id=region.id, year=year)
        db.session.add(row)
    else:
        check_version(row, expected_version)
    before = (row.target_min, row.target_max, row.long_term_min, row.long_term_max)
    row.target_min, row.target_max = target
    row.long_term_min, row.long_term_max = long_term
    db.session.flush()
    audit_log.record("sam_target_set", row, year=year, before=list(before),
                     after=[*target, *long_term])
    return row
