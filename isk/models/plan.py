"""The internkontrollplan (IK-plan) with its verksamheter, risks and åtgärder."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from ..extensions import db
from .types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .org import OrgUnit
    from .user import User


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    ADOPTED = "adopted"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(PLAN_STATUS_LABELS[self])


PLAN_STATUS_LABELS = {
    PlanStatus.DRAFT: _l("Utkast"),
    PlanStatus.ADOPTED: _l("Fastställd"),
    PlanStatus.CLOSED: _l("Avslutad"),
}


class ActionStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_DONE = "not_done"

    @property
    def label(self) -> str:
        return str(ACTION_STATUS_LABELS[self])


ACTION_STATUS_LABELS = {
    ActionStatus.PLANNED: _l("Planerad"),
    ActionStatus.IN_PROGRESS: _l("Pågår"),
    ActionStatus.DONE: _l("Genomförd"),
    ActionStatus.NOT_DONE: _l("Ej genomförd"),
}


class Criterion(enum.StrEnum):
    """The intern kontroll criteria a risk can threaten (DOMAIN.md: c, d, e)."""

    C = "c"
    D = "d"
    E = "e"

    @property
    def label(self) -> str:
        return str(CRITERION_LABELS[self])


CRITERION_LABELS = {
    Criterion.C: _l("c) Efterlevnad av styrande dokument, lagar, förordningar och avtal"),
    Criterion.D: _l("d) Rättvisande redovisning och rapportering"),
    Criterion.E: _l("e) Informationssäkerhet"),
}


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

    __mapper_args__ = {"version_id_col": version_id}

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
        CheckConstraint("criterion_c OR criterion_d OR criterion_e", name="at_least_one_criterion"),
        CheckConstraint("likelihood BETWEEN 1 AND 4", name="likelihood_range"),
        CheckConstraint("consequence BETWEEN 1 AND 4", name="consequence_range"),
        CheckConstraint(
            "(likelihood IS NULL) = (consequence IS NULL)", name="assessed_on_both_axes"
        ),
        CheckConstraint("length(trim(text)) > 0", name="text_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_area_id: Mapped[int] = mapped_column(ForeignKey("process_area.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    criterion_c: Mapped[bool] = mapped_column(default=False)
    criterion_d: Mapped[bool] = mapped_column(default=False)
    criterion_e: Mapped[bool] = mapped_column(default=False)
    likelihood: Mapped[int | None] = mapped_column(Integer)
    consequence: Mapped[int | None] = mapped_column(Integer)
    region_wide: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str | None] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
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
