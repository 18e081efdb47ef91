"""The year's ISK-bedömning, the region's own texts, and the SAM indicator's targets.

At delår and helår each nämnd (or förvaltning) judges whether its intern styrning och
kontroll has been tillräcklig; the regionstyrelse's samlad bedömning is the same record for
the region's own unit. A fastställd assessment is a decision: changing it needs a reason and
adds a version (AssessmentRevision), as for plans.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import LabelledEnum, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .org import OrgUnit
    from .plan import Action, Risk
    from .user import User


class Judgement(LabelledEnum):
    """Has the intern styrning och kontroll been tillräcklig (KL 6 kap. 6 §)?"""

    SUFFICIENT = "sufficient", _l("Tillräcklig")
    PARTLY = "partly", _l("Delvis tillräcklig")
    INSUFFICIENT = "insufficient", _l("Inte tillräcklig")


class AssessmentPeriod(LabelledEnum):
    """When the year is judged: at the delårsrapport and in the verksamhetsberättelse."""

    INTERIM = "delar", _l("Delår")
    ANNUAL = "helar", _l("Helår")


class AssessmentStatus(LabelledEnum):
    DRAFT = "draft", _l("Utkast")
    ADOPTED = "adopted", _l("Fastställd")


# The requirements a–e: intern styrning (a, b) and intern kontroll (c, d, e).
REQUIREMENTS = ("a", "b", "c", "d", "e")


class Assessment(db.Model):
    """En ISK-bedömning: a unit's judgement of its intern styrning och kontroll for a period."""

    __tablename__ = "assessment"
    __table_args__ = (
        UniqueConstraint("org_unit_id", "year", "period", name="uq_assessment_unit_year_period"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint(
            "status = 'draft' OR (adopted_on IS NOT NULL AND judgement IS NOT NULL"
            " AND length(trim(coalesce(motivation, ''))) > 0)",
            name="adopted_is_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    period: Mapped[AssessmentPeriod] = mapped_column(
        str_enum(AssessmentPeriod, "assessment_period"))
    status: Mapped[AssessmentStatus] = mapped_column(
        str_enum(AssessmentStatus, "assessment_status"), default=AssessmentStatus.DRAFT)
    judgement: Mapped[Judgement | None] = mapped_column(str_enum(Judgement, "judgement"))
    motivation: Mapped[str | None] = mapped_column(Text)
    # The statement per requirement a–e (intern styrning a–b, intern kontroll c–e).
    statement_a: Mapped[str | None] = mapped_column(Text)
    statement_b: Mapped[str | None] = mapped_column(Text)
    statement_c: Mapped[str | None] = mapped_column(Text)
    statement_d: Mapped[str | None] = mapped_column(Text)
    statement_e: Mapped[str | None] = mapped_column(Text)
    adopted_on: Mapped[date | None] = mapped_column(Date)
    adoption_paragraph: Mapped[str | None] = mapped_column(String(100))
    diary_number: Mapped[str | None] = mapped_column(String(100))
    adopted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    org_unit: Mapped[OrgUnit] = relationship()
    adopted_by: Mapped[User | None] = relationship(foreign_keys=[adopted_by_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    improvements: Mapped[list[ImprovementArea]] = relationship(
        back_populates="assessment", order_by="(ImprovementArea.position, ImprovementArea.id)")
    revisions: Mapped[list[AssessmentRevision]] = relationship(
        back_populates="assessment", order_by="AssessmentRevision.number")

    __mapper_args__ = {"version_id_col": version_id}

    def statement(self, requirement: str) -> str | None:
        return getattr(self, f"statement_{requirement}")

    @property
    def is_adopted(self) -> bool:
        return self.status is AssessmentStatus.ADOPTED

    @property
    def adoption_reference(self) -> str:
        parts = [self.adoption_paragraph, self.adopted_on.isoformat() if self.adopted_on else None]
        return ", ".join(part for part in parts if part)

    @property
    def live_improvements(self) -> list[ImprovementArea]:
        return [item for item in self.improvements if item.archived_at is None]

    def __repr__(self) -> str:
        return f"<Assessment {self.org_unit_id} {self.year} {self.period.value}>"


class ImprovementArea(db.Model):
    """Ett förbättringsområde for next year; carried into next year's draft plan as a risk or
    an åtgärd, which then links back here."""

    __tablename__ = "improvement_area"
    __table_args__ = (
        CheckConstraint("length(trim(text)) > 0", name="text_not_blank"),
        CheckConstraint("carried_risk_id IS NULL OR carried_action_id IS NULL",
                        name="carried_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    carried_risk_id: Mapped[int | None] = mapped_column(ForeignKey("risk.id"), index=True)
    carried_action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id"), index=True)
    carried_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    assessment: Mapped[Assessment] = relationship(back_populates="improvements")
    carried_risk: Mapped[Risk | None] = relationship()
    carried_action: Mapped[Action | None] = relationship()

    @property
    def is_carried(self) -> bool:
        return self.carried_risk_id is not None or self.carried_action_id is not None


class AssessmentRevision(db.Model):
    """A version of a fastställd assessment: who changed it, when, why, and what it said."""

    __tablename__ = "assessment_revision"
    __table_args__ = (
        UniqueConstraint("assessment_id", "number", name="uq_assessment_revision_number"),
        CheckConstraint("length(trim(reason)) > 0", name="reason_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)

    assessment: Mapped[Assessment] = relationship(back_populates="revisions")
    created_by: Mapped[User | None] = relationship()


class RegionTextKey(LabelledEnum):
    """The texts a region prints on its plans and assessments, in its own words."""

    REQUIREMENTS_INTRO = "requirements_intro", _l("Inledning till kraven a–e")
    REQUIREMENT_A = "requirement_a", _l("Krav a (intern styrning)")
    REQUIREMENT_B = "requirement_b", _l("Krav b (intern styrning)")
    REQUIREMENT_C = "requirement_c", _l("Krav c (intern kontroll)")
    REQUIREMENT_D = "requirement_d", _l("Krav d (intern kontroll)")
    REQUIREMENT_E = "requirement_e", _l("Krav e (intern kontroll)")
    SUFFICIENCY = "sufficiency", _l("Om tillräcklig intern kontroll och ISK-bedömningen")
    PLAN_INTRO = "plan_intro", _l("Inledning till internkontrollplanen")
    PLAN_EXPLANATION = "plan_explanation", _l("Förklaringar till IK-planen")
    SAM_INDICATOR = "sam_indicator", _l("SAM-indikatorn")
    FOLLOWUP_TITLE = "followup_title", _l("Uppföljningens rubrik")
    FOLLOWUP_CONTROL = "followup_control", _l("Uppföljningens kolumn: vad som kontrollerades")
    FOLLOWUP_METHOD = "followup_method", _l("Uppföljningens kolumn: kontrollmetod")
    FOLLOWUP_PERFORMED = "followup_performed", _l("Uppföljningens kolumn: när")
    FOLLOWUP_RESULT = "followup_result", _l("Uppföljningens kolumn: resultat")
    FOLLOWUP_MEASURES = "followup_measures", _l("Uppföljningens kolumn: åtgärder")


class RegionText(db.Model):
    """One of a region's own texts, kept once and printed verbatim."""

    __tablename__ = "region_text"
    __table_args__ = (
        UniqueConstraint("region_id", "key", name="uq_region_text_region_key"),
        CheckConstraint("length(trim(text)) > 0", name="text_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    key: Mapped[RegionTextKey] = mapped_column(str_enum(RegionTextKey, "region_text_key"))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


class SamIndicatorTarget(db.Model):
    """The target for "andel chefer som svarat på årlig uppföljning av SAM" in a year."""

    __tablename__ = "sam_indicator_target"
    __table_args__ = (
        UniqueConstraint("region_id", "year", name="uq_sam_indicator_target_region_year"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("target_min BETWEEN 0 AND 100 AND target_max BETWEEN target_min AND 100",
                        name="target_range"),
        CheckConstraint("long_term_min BETWEEN 0 AND 100"
                        " AND long_term_max BETWEEN long_term_min AND 100",
                        name="long_term_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    target_min: Mapped[int] = mapped_column(Integer)
    target_max: Mapped[int] = mapped_column(Integer)
    long_term_min: Mapped[int] = mapped_column(Integer)
    long_term_max: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version_id}


# Read with a plan (see services/plans/reading.py): has its unit fastställt the year's helår
# assessment? A plan closes only then.
def _annual_assessed() -> None:
    from sqlalchemy import exists
    from sqlalchemy.orm import column_property

    from .plan import Plan

    Plan.annual_assessed = column_property(
        exists().where(
            Assessment.org_unit_id == Plan.org_unit_id,
            Assessment.year == Plan.year,
            Assessment.period == AssessmentPeriod.ANNUAL,
            Assessment.status == AssessmentStatus.ADOPTED,
            Assessment.archived_at.is_(None),
        ),
        deferred=True,
    )


_annual_assessed()
