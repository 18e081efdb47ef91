"""The region's samlad bedömning: every nämnd's judgement side by side, and the region's own.

"Regionstyrelsen gör sedan utifrån sin uppsiktsplikt en samlad bedömning i årsredovisningen":
the regionstyrelse reads each nämnd's helår assessment (its judgement, motivation and key
figures as they were fastställda), sees which have not judged yet and which judged delvis or
inte tillräcklig and why, and records its own combined judgement as the region's assessment,
fastställd the same way as a nämnd's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import (
    Assessment,
    AssessmentPeriod,
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


def _adopted_figures(assessment: Assessment) -> Figures | None:
    """The figures the assessment was fastställd on: its latest version's (loaded with it)."""
    revision = assessment.revisions[-1] if assessment.revisions else None
    stored = (revision.snapshot or {}).get("figures") if revision else None
    if not stored:
        return None
    return Figures(**{k: v for k, v in stored.items() if k in Figures.__dataclass_fields__})


def region_units(region_id: int) -> list[OrgUnit]:
    """The live units of the region with this id, the region first (in tree order), in one
    query; empty if there is no such region."""
    path = (select(OrgUnit.path)
            .where(OrgUnit.id == region_id, OrgUnit.kind == OrgUnitKind.REGION)
            .scalar_subquery())
    return list(db.session.scalars(
        select(OrgUnit).where(OrgUnit.path.startswith(path), OrgUnit.archived_at.is_(None))
        .order_by(OrgUnit.path)))


def region_overview(region: OrgUnit, year: int,
                    units: Sequence[OrgUnit] | None = None) -> RegionOverview:
    """Each nämnd's helår judgement of the year, and the region's own.

    In a fixed number of queries however many nämnder: the assessments with their versions,
    the evidence of the nämnder not yet judged gathered for all of them at once, and the SAM
    indicators counted in one query. `units` (`region_units`) saves reading the tree again.
    """
    nämnder = [unit for unit in (org.subtree(region, live_only=True) if units is None
                                 else units)
               if unit.kind is OrgUnitKind.NAMND]
    assessments = {a.org_unit_id: a for a in db.session.scalars(
        select(Assessment).where(
            Assessment.org_unit_id.in_([u.id for u in nämnder] + [region.id]),
            Assessment.year == year, Assessment.period == AssessmentPeriod.ANNUAL,
            Assessment.archived_at.is_(None))
        .options(joinedload(Assessment.revisions))).unique()}
    today = clock.today()
    frozen = {a.id: figures for a in assessments.values()
              if a.is_adopted and a.org_unit_id != region.id
              and (figures := _adopted_figures(a)) is not None}
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
