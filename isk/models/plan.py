"""The internkontrollplan (IK-plan) with its verksamheter, risks and åtgärder."""

from __future__ import annotations

import uuid
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
    exists,
    false,
    func,
    select,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from ..extensions import db
from .types import LabelledEnum, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .org import OrgUnit
    from .user import User


def new_lineage_key() -> str:
    return uuid.uuid4().hex


class PlanStatus(LabelledEnum):
    DRAFT = "draft", _l("Utkast")
    ADOPTED = "adopted", _l("Fastställd")
    CLOSED = "closed", _l("Avslutad")


class ActionStatus(LabelledEnum):
    PLANNED = "planned", _l("Planerad")
    IN_PROGRESS = "in_progress", _l("Pågår")
    DONE = "done", _l("Genomförd")
    NOT_DONE = "not_done", _l("Ej genomförd")


class RiskTreatment(LabelledEnum):
    """How the risk is handled: acted on with åtgärder, or accepted as it is."""

    MITIGATE = "mitigate", _l("Ska åtgärdas")
    ACCEPT = "accept", _l("Accepteras")


class SecurityAspect(LabelledEnum):
    """What an information security risk (criterion e) threatens."""

    CONFIDENTIALITY = "confidentiality", _l("konfidentialitet")
    INTEGRITY = "integrity", _l("riktighet")
    AVAILABILITY = "availability", _l("tillgänglighet")
    TRACEABILITY = "traceability", _l("spårbarhet")


class Criterion(LabelledEnum):
    """The intern kontroll criteria a risk can threaten (DOMAIN.md: c, d, e)."""

    C = "c", _l("c) Efterlevnad av styrande dokument, lagar, förordningar och avtal")
    D = "d", _l("d) Rättvisande redovisning och rapportering")
    E = "e", _l("e) Informationssäkerhet")


class Plan(db.Model):
    """En internkontrollplan: one per org unit (usually a nämnd) and year."""

    __tablename__ = "plan"
    __table_args__ = (
        UniqueConstraint("org_unit_id", "year", name="uq_plan_org_unit_year"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("status = 'draft' OR adopted_on IS NOT NULL", name="adopted_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[PlanStatus] = mapped_column(
        str_enum(PlanStatus, "plan_status"), default=PlanStatus.DRAFT
    )
    adopted_on: Mapped[date | None] = mapped_column(Date)
    adoption_paragraph: Mapped[str | None] = mapped_column(String(100))
    diary_number: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    org_unit: Mapped[OrgUnit] = relationship(back_populates="plans")
    process_areas: Mapped[list[ProcessArea]] = relationship(
        back_populates="plan", order_by="(ProcessArea.position, ProcessArea.id)"
    )
    revisions: Mapped[list[PlanRevision]] = relationship(
        back_populates="plan", order_by="PlanRevision.number"
    )

    __mapper_args__ = {"version_id_col": version_id}

    # `latest_revision` and `has_next_year` are column properties: see the end of this module.

    @property
    def is_region_plan(self) -> bool:
        return self.org_unit.kind.value == "region"

    @property
    def adoption_reference(self) -> str:
        """The decision reference as printed, e.g. "SN § 45, 2025-11-20"."""
        parts = [
            p
            for p in (self.adoption_paragraph, self.adopted_on and self.adopted_on.isoformat())
            if p
        ]
        return ", ".join(parts)

    def __repr__(self) -> str:
        return f"<Plan {self.org_unit_id} {self.year} {self.status.value}>"


class ProcessArea(db.Model):
    """En verksamhet: a process or area that groups the plan's risks (a row group)."""

    __tablename__ = "process_area"
    __table_args__ = (
        UniqueConstraint("plan_id", "name", name="uq_process_area_plan_name"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    plan: Mapped[Plan] = relationship(back_populates="process_areas")
    risks: Mapped[list[Risk]] = relationship(
        back_populates="process_area", order_by="(Risk.position, Risk.id)"
    )

    __mapper_args__ = {"version_id_col": version_id}


class Risk(db.Model):
    """En risk: an event that would mean the activity is not run in line with c, d or e."""

    __tablename__ = "risk"
    __table_args__ = (
        CheckConstraint("likelihood BETWEEN 1 AND 4", name="likelihood_range"),
        CheckConstraint("consequence BETWEEN 1 AND 4", name="consequence_range"),
        CheckConstraint(
            "(likelihood IS NULL) = (consequence IS NULL)", name="assessed_on_both_axes"
        ),
        CheckConstraint("length(trim(text)) > 0", name="text_not_blank"),
        CheckConstraint(
            "treatment = 'mitigate' OR (accepted_by IS NOT NULL AND accepted_on IS NOT NULL"
            " AND acceptance_reason IS NOT NULL)",
            name="acceptance_is_recorded",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_area_id: Mapped[int] = mapped_column(ForeignKey("process_area.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    criterion_c: Mapped[bool] = mapped_column(default=False)
    criterion_d: Mapped[bool] = mapped_column(default=False)
    criterion_e: Mapped[bool] = mapped_column(default=False)
    threatens_confidentiality: Mapped[bool] = mapped_column(default=False)
    threatens_integrity: Mapped[bool] = mapped_column(default=False)
    threatens_availability: Mapped[bool] = mapped_column(default=False)
    threatens_traceability: Mapped[bool] = mapped_column(default=False)
    likelihood: Mapped[int | None] = mapped_column(Integer)
    consequence: Mapped[int | None] = mapped_column(Integer)
    treatment: Mapped[RiskTreatment] = mapped_column(
        str_enum(RiskTreatment, "risk_treatment"), default=RiskTreatment.MITIGATE
    )
    accepted_by: Mapped[str | None] = mapped_column(String(200))
    accepted_on: Mapped[date | None] = mapped_column(Date)
    acceptance_reason: Mapped[str | None] = mapped_column(Text)
    region_wide: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str | None] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The risk is followed up by the SAM indicator (the share of chefs who answered their
    # annual SAM follow-up): the plan shows the year's figure against its target there.
    sam_indicator: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The same risk across years: "copy to next year" keeps the key, so riskvärde can be followed.
    lineage_key: Mapped[str] = mapped_column(String(32), index=True, default=new_lineage_key)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    process_area: Mapped[ProcessArea] = relationship(back_populates="risks")
    owner: Mapped[User | None] = relationship()
    actions: Mapped[list[Action]] = relationship(
        back_populates="risk", order_by="(Action.position, Action.id)"
    )

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def criteria(self) -> list[Criterion]:
        flags = {
            Criterion.C: self.criterion_c,
            Criterion.D: self.criterion_d,
            Criterion.E: self.criterion_e,
        }
        return [criterion for criterion, flag in flags.items() if flag]

    @criteria.setter
    def criteria(self, values: list[Criterion] | set[Criterion]) -> None:
        chosen = {Criterion(v) for v in values}
        self.criterion_c = Criterion.C in chosen
        self.criterion_d = Criterion.D in chosen
        self.criterion_e = Criterion.E in chosen

    @property
    def aspects(self) -> list[SecurityAspect]:
        flags = {
            SecurityAspect.CONFIDENTIALITY: self.threatens_confidentiality,
            SecurityAspect.INTEGRITY: self.threatens_integrity,
            SecurityAspect.AVAILABILITY: self.threatens_availability,
            SecurityAspect.TRACEABILITY: self.threatens_traceability,
        }
        return [aspect for aspect, flag in flags.items() if flag]

    @aspects.setter
    def aspects(self, values: list[SecurityAspect] | set[SecurityAspect]) -> None:
        chosen = {SecurityAspect(v) for v in values}
        self.threatens_confidentiality = SecurityAspect.CONFIDENTIALITY in chosen
        self.threatens_integrity = SecurityAspect.INTEGRITY in chosen
        self.threatens_availability = SecurityAspect.AVAILABILITY in chosen
        self.threatens_traceability = SecurityAspect.TRACEABILITY in chosen

    @hybrid_property
    def risk_score(self) -> int | None:
        """Riskvärde: sannolikhet × konsekvens, 1-16; None until assessed."""
        if self.likelihood is None or self.consequence is None:
            return None
        return self.likelihood * self.consequence

    @risk_score.inplace.expression
    @classmethod
    def _risk_score_expression(cls) -> ColumnElement[int | None]:
        return cls.likelihood * cls.consequence


class Action(db.Model):
    """En åtgärd: how the activity handles a risk it does not accept."""

    __tablename__ = "action"
    __table_args__ = (CheckConstraint("length(trim(text)) > 0", name="text_not_blank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str | None] = mapped_column(String(200))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(
        str_enum(ActionStatus, "action_status"), default=ActionStatus.PLANNED
    )
    region_wide: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    risk: Mapped[Risk] = relationship(back_populates="actions")

    __mapper_args__ = {"version_id_col": version_id}


class PlanRevision(db.Model):
    """A recorded version of an adopted plan: who changed it, when and why, and what it said.

    Revision 1 is the plan as adopted; each later change to the adopted plan adds one.
    `snapshot` holds the whole printed plan (see services/plan_document.py), so an earlier
    version can be shown and printed exactly as it was.
    """

    __tablename__ = "plan_revision"
    __table_args__ = (
        UniqueConstraint("plan_id", "number", name="uq_plan_revision_plan_number"),
        CheckConstraint("length(trim(reason)) > 0", name="reason_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)

    plan: Mapped[Plan] = relationship(back_populates="revisions")
    created_by: Mapped[User | None] = relationship()


# Read with the plan (see services/plans/reading.py) so the plan page needs no query of its
# own for them: the newest version's number, and whether next year's plan exists.
_next_year = Plan.__table__.alias("next_year_plan")
Plan.latest_revision = column_property(
    select(func.max(PlanRevision.number))
    .where(PlanRevision.plan_id == Plan.id)
    .correlate_except(PlanRevision)
    .scalar_subquery(),
    deferred=True,
)
Plan.has_next_year = column_property(
    exists().where(
        _next_year.c.org_unit_id == Plan.org_unit_id,
        _next_year.c.year == Plan.year + 1,
        _next_year.c.archived_at.is_(None),
    ),
    deferred=True,
)
