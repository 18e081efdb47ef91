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
from sqlalchemy.orm import selectinload

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
from ..sam.indicator import SamIndicator, indicator_for
from .evidence import Figures, gather


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


def _adopted_figures(assessment: Assessment) -> Figures | None:
    revision = db.session.scalar(select(AssessmentRevision)
                                 .where(AssessmentRevision.assessment_id == assessment.id)
                                 .order_by(AssessmentRevision.number.desc()).limit(1))
    stored = (revision.snapshot or {}).get("figures") if revision else None
    if not stored:
        return None
    return Figures(**{k: v for k, v in stored.items() if k in Figures.__dataclass_fields__})


def region_overview(region: OrgUnit, year: int) -> RegionOverview:
    """Each nämnd's helår judgement of the year, and the region's own."""
    nämnder = [unit for unit in org.subtree(region, live_only=True)
               if unit.kind is OrgUnitKind.NAMND]
    assessments = {a.org_unit_id: a for a in db.session.scalars(
        select(Assessment).where(
            Assessment.org_unit_id.in_([u.id for u in nämnder] + [region.id]),
            Assessment.year == year, Assessment.period == AssessmentPeriod.ANNUAL,
            Assessment.archived_at.is_(None))
        .options(selectinload(Assessment.org_unit)))}
    today = clock.today()
    units = []
    for unit in nämnder:
        assessment = assessments.get(unit.id)
        frozen = _adopted_figures(assessment) if assessment and assessment.is_adopted else None
        figures = frozen or gather(unit, year, AssessmentPeriod.ANNUAL, today).figures
        units.append(UnitJudgement(unit, assessment, figures, frozen is not None,
                                   indicator_for(unit, year)))
    return RegionOverview(region, year, units, assessments.get(region.id))
