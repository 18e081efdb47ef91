"""Kontroller (planned control activities), kontrollutfall and their evidence files.

A control belongs to one plan and verifies exactly one åtgärd or one risk. For a
regionövergripande åtgärd (held by the region's plan) each nämnd plans its own controls: the
control's `plan_id` is the nämnd's plan and `action_id` the region's åtgärd, so each nämnd
follows up its own controls in its own report.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import LabelledEnum, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .plan import Action, Plan, Risk
    from .sampling import Sample
    from .user import User


class ControlMethod(LabelledEnum):
    SAMPLE = "sample", _l("Stickprov")
    SURVEY = "survey", _l("Enkät/intervju")
    DOCUMENT_REVIEW = "document_review", _l("Genomgång av dokumentation")
    CHECKLIST = "checklist", _l("Uppföljning av checklistor")
    CONTRACT = "contract", _l("Kontroll mot avtal")
    REGISTER_ANALYSIS = "register_analysis", _l("Registeranalys")
    OTHER = "other", _l("Annan")


class ScheduleKind(LabelledEnum):
    """When in the plan's year a control is to be done (see services/periods.py)."""

    MONTH = "month", _l("Månad")
    TERTIAL = "tertial", _l("Tertial")
    INTERIM = "interim", _l("Delår")
    ANNUAL = "annual", _l("Helår")
    DATE = "date", _l("Datum")


class ResultStatus(LabelledEnum):
    NO_FINDINGS = "no_findings", _l("Inga brister")
    FINDINGS = "findings", _l("Brister identifierade")
    NOT_PERFORMED = "not_performed", _l("Ej utfört")
    NOT_APPLICABLE = "not_applicable", _l("Ej tillämpligt")


class FollowUp(LabelledEnum):
    PLAN_MADE = "plan_made", _l("Åtgärdsplan upprättad")
    ACTIONS_TAKEN = "actions_taken", _l("Åtgärder vidtagna")
    IN_PROGRESS = "in_progress", _l("Åtgärdas")
    NOT_APPLICABLE = "not_applicable", _l("Ej tillämpligt")


class Control(db.Model):
    """En kontroll: a planned control activity verifying one åtgärd or one risk of a plan."""

    __tablename__ = "control"
    __table_args__ = (
        CheckConstraint(
            "(action_id IS NULL) <> (risk_id IS NULL)", name="verifies_action_or_risk"
        ),
        CheckConstraint("length(trim(description)) > 0", name="description_not_blank"),
        CheckConstraint(
            "(schedule_kind = 'month' AND schedule_month IS NOT NULL"
            " AND schedule_month BETWEEN 1 AND 12)"
            " OR (schedule_kind = 'tertial' AND schedule_tertial IS NOT NULL"
            " AND schedule_tertial BETWEEN 1 AND 3)"
            " OR (schedule_kind = 'date' AND scheduled_on IS NOT NULL)"
            " OR schedule_kind IN ('interim', 'annual')",
            name="schedule_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id"), index=True)
    risk_id: Mapped[int | None] = mapped_column(ForeignKey("risk.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    method: Mapped[ControlMethod] = mapped_column(str_enum(ControlMethod, "control_method"))
    schedule_kind: Mapped[ScheduleKind] = mapped_column(
        str_enum(ScheduleKind, "control_schedule_kind")
    )
    schedule_month: Mapped[int | None] = mapped_column(Integer)
    schedule_tertial: Mapped[int | None] = mapped_column(Integer)
    scheduled_on: Mapped[date | None] = mapped_column(Date)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    population_description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    plan: Mapped[Plan] = relationship()
    action: Mapped[Action | None] = relationship()
    risk: Mapped[Risk | None] = relationship()
    responsible: Mapped[User | None] = relationship()
    results: Mapped[list[ControlResult]] = relationship(
        back_populates="control",
        order_by="(ControlResult.performed_on.desc(), ControlResult.id.desc())",
    )
    samples: Mapped[list[Sample]] = relationship(
        back_populates="control", order_by="Sample.id.desc()"
    )

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def target_risk(self) -> Risk:
        """The risk the control concerns, directly or through its åtgärd."""
        return self.risk if self.risk is not None else self.action.risk  # type: ignore[union-attr]

    @property
    def live_results(self) -> list[ControlResult]:
        return [result for result in self.results if result.archived_at is None]


class ControlResult(db.Model):
    """Ett kontrollutfall: one time a control was performed (or found not performed)."""

    __tablename__ = "control_result"
    __table_args__ = (
        CheckConstraint("length(trim(performed_text)) > 0", name="performed_text_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    control_id: Mapped[int] = mapped_column(ForeignKey("control.id"), index=True)
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("sample.id"), index=True)
    # "Utfört" as written ("vecka 12", "mars", "T1"), and the date it sorts and is reported by.
    performed_text: Mapped[str] = mapped_column(String(100))
    performed_on: Mapped[date] = mapped_column(Date)
    status: Mapped[ResultStatus] = mapped_column(str_enum(ResultStatus, "control_result_status"))
    follow_up: Mapped[FollowUp] = mapped_column(str_enum(FollowUp, "control_follow_up"))
    comment: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    control: Mapped[Control] = relationship(back_populates="results")
    sample: Mapped[Sample | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    evidence: Mapped[list[EvidenceFile]] = relationship(
        back_populates="result", order_by="EvidenceFile.id"
    )

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def live_evidence(self) -> list[EvidenceFile]:
        return [file for file in self.evidence if file.archived_at is None]


class EvidenceFile(db.Model):
    """An underlag for a kontrollutfall, stored outside the web root under a random name."""

    __tablename__ = "evidence_file"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    control_result_id: Mapped[int] = mapped_column(ForeignKey("control_result.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    result: Mapped[ControlResult] = relationship(back_populates="evidence")
    uploaded_by: Mapped[User | None] = relationship()
