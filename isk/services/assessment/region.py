"""The region's samlad bedömning: every nämnd's judgement side by side, and the region's own.

"Regionstyrelsen gör sedan utifrån sin uppsiktsplikt en samlad bedömning i årsredovisningen":
the regionstyrelse reads each nämnd's helår assessment (its judgement, motivation and key
figures as they were fastställda), sees which have not judged yet and which judged delvis or
inte tillräcklig and why, and records its own combined judgement as the region's assessment,
fastställd the same way as a nämnd's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ...extensions import db
from ...models import (
    Assessment,
    AssessmentPeriod,
    AssessmentRevision,
    Judgement,
    OrgUnit,
    OrgUnitKind,
)
from .. import clock, org
from ..sam.indicator import SamIndicator, indicators_for
from .evidence import Figures, gather_many


@dataclass(frozen=True)
class UnitJudgement:
    unit: OrgUnit
    assessment: Assessment | None
    figures: Figures
    figures_as_adopted: bool
    sam: SamIndicator

    @property
    def judged(self) -> bool:
        return self.assessment is not None and self.assessment.is_adopted

    @property
    def judgement(self) -> Judgement | None:
        return self.assessment.judgement if self.judged and self.assessment else None


@dataclass(frozen=True)
class RegionOverview:
    region: OrgUnit
    year: int
    units: list[UnitJudgement]
    own: Assessment | None

    @property
    def not_judged(self) -> list[UnitJudgement]:
        return [u for u in self.units if not u.judged]

    @property
    def not_sufficient(self) -> list[UnitJudgement]:
        """Those that judged delvis or inte tillräcklig: the samlad bedömning explains these."""
        return [u for u in self.units
                if u.judgement in (Judgement.PARTLY, Judgement.INSUFFICIENT)]


def _adopted_figures(assessments: list[Assessment]) -> dict[int, Figures]:
    """The figures each assessment was fastställd on (its latest version's), in one query."""
    if not assessments:
        return {}
    latest: dict[int, AssessmentRevision] = {}
    for revision in db.session.scalars(
        select(AssessmentRevision)
        .where(AssessmentRevision.assessment_id.in_([a.id for a in assessments]))
        .order_by(AssessmentRevision.number.desc())
    ):
        latest.setdefault(revision.assessment_id, revision)
    figures = {}
    for assessment_id, revision in latest.items():
        stored = (revision.snapshot or {}).get("figures")
        if stored:
            figures[assessment_id] = Figures(**{k: v for k, v in stored.items()
                                                if k in Figures.__dataclass_fields__})
    return figures


def region_overview(region: OrgUnit, year: int) -> RegionOverview:
    """Each nämnd's helår judgement of the year, and the region's own.

    In a fixed number of queries however many nämnder: the evidence of those not yet judged
    is gathered for all of them at once, the SAM indicators are counted in one query, and
    the figures the others were fastställda on are read in one.
    """
    nämnder = [unit for unit in org.subtree(region, live_only=True)
               if unit.kind is OrgUnitKind.NAMND]
    assessments = {a.org_unit_id: a for a in db.session.scalars(
        select(Assessment).where(
            Assessment.org_unit_id.in_([u.id for u in nämnder] + [region.id]),
            Assessment.year == year, Assessment.period == AssessmentPeriod.ANNUAL,
            Assessment.archived_at.is_(None)))}  # their units are among those just read
    today = clock.today()
    adopted = [a for a in assessments.values() if a.is_adopted and a.org_unit_id != region.id]
    frozen = _adopted_figures(adopted)
    indicators = indicators_for(nämnder, year)

    def frozen_figures(unit: OrgUnit) -> Figures | None:
        assessment = assessments.get(unit.id)
        return frozen.get(assessment.id) if assessment and assessment.is_adopted else None

    to_gather = [unit for unit in nämnder if frozen_figures(unit) is None]
    gathered = gather_many(to_gather, year, AssessmentPeriod.ANNUAL, today, indicators)
    units = []
    for unit in nämnder:
        assessment = assessments.get(unit.id)
        figures = frozen_figures(unit)
        units.append(UnitJudgement(
            unit, assessment, figures or gathered[unit.id].figures, figures is not None,
            indicators[unit.id]))
    return RegionOverview(region, year, units, assessments.get(region.id))
