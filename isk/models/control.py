"""Kontroller (planned control activities), kontrollutfall and their evidence files.

A control belongs to one plan and verifies one åtgärd or one risk, or the plan as a whole. For a
regionövergripande åtgärd (held by the region's plan) each nämnd plans its own controls: the
control's `plan_id` is the nämnd's plan and `action_id` the region's åtgärd, so each nämnd
follows up its own controls in its own report.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, Text
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


class ResultCategory(LabelledEnum):
    """What a kontrollutfall found, for counting and filtering; the words are in its text."""

    NO_FINDINGS = "no_findings", _l("Inga brister")
    FINDINGS = "findings", _l("Brister identifierade")
    RISKS_IDENTIFIED = "risks_identified", _l("Risker identifierade")
    NOT_APPLICABLE = "not_applicable", _l("Ej tillämpligt")

    @property
    def is_deviation(self) -> bool:
        return self in (ResultCategory.FINDINGS, ResultCategory.RISKS_IDENTIFIED)


class RemediationStatus(LabelledEnum):
    """How far the "Eventuella åtgärder" of a kontrollutfall have come."""

    PLAN_MADE = "plan_made", _l("Åtgärdsplan upprättad")
    ACTIONS_TAKEN = "actions_taken", _l("Åtgärder vidtagna")
    IN_PROGRESS = "in_progress", _l("Åtgärdas")
    NOT_APPLICABLE = "not_applicable", _l("Ej tillämpligt")

    @property
    def is_open(self) -> bool:
        return self in (RemediationStatus.PLAN_MADE, RemediationStatus.IN_PROGRESS)


class Control(db.Model):
    """En kontroll: a planned control activity of a plan.

    It verifies one åtgärd or one risk, or belongs to the plan as a whole: then its description
    names the kontrollområde ("Löneutbetalningar", "Inköp och avtal"). `occurrences` are when
    in the year it is done, as codes (services/controls/periods.py): "T1".."T3", months
    "01".."12", "delar", "helar" or an ISO date; a recurring control has several, with a
    kontrollutfall each; none means once during the year.
    """

    __tablename__ = "control"
    __table_args__ = (
        CheckConstraint("action_id IS NULL OR risk_id IS NULL", name="verifies_one_target"),
        CheckConstraint("length(trim(description)) > 0", name="description_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id"), index=True)
    risk_id: Mapped[int | None] = mapped_column(ForeignKey("risk.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # "Genomförd internkontroll": what is controlled, as the follow-up table says it.
    description: Mapped[str] = mapped_column(Text)
    # "Kontrollmetod": what exactly is checked, in the controller's words, and its kind.
    method_text: Mapped[str | None] = mapped_column(Text)
    method: Mapped[ControlMethod | None] = mapped_column(str_enum(ControlMethod, "control_method"))
    occurrences: Mapped[list[str]] = mapped_column(JSON, default=list)
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
        order_by="(ControlResult.performed_end.desc(), ControlResult.id.desc())",
    )
    samples: Mapped[list[Sample]] = relationship(
        back_populates="control", order_by="Sample.id.desc()"
    )

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def target_risk(self) -> Risk | None:
        """The risk the control concerns, directly or through its åtgärd (None: the plan)."""
        if self.risk is not None:
            return self.risk
        return self.action.risk if self.action is not None else None

    @property
    def live_results(self) -> list[ControlResult]:
        return [result for result in self.results if result.archived_at is None]

    @property
    def method_shown(self) -> str:
        """The Kontrollmetod cell: the controller's words, else the kind's label."""
        return self.method_text or (self.method.label if self.method else "")


class ControlResult(db.Model):
    """Ett kontrollutfall: one performance of a control, or the record that it was not done.

    Kept word for word as the follow-up table has it: "Utfört" as written ("vecka 12", "T1,
    T2, T3", "Ej utfört"), "Uppföljning/resultat" and "Eventuella åtgärder" as free text, each
    with an optional category or status for counting. A control not performed has no date
    (none is invented) and says why in its result text.
    """

    __tablename__ = "control_result"
    __table_args__ = (
        CheckConstraint("length(trim(performed_text)) > 0", name="performed_text_not_blank"),
        CheckConstraint(
            "(performed AND performed_start IS NOT NULL AND performed_end IS NOT NULL"
            " AND performed_start <= performed_end)"
            " OR (NOT performed AND performed_start IS NULL AND performed_end IS NULL"
            " AND length(trim(coalesce(result_text, ''))) > 0)",
            name="performed_has_dates_or_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    control_id: Mapped[int] = mapped_column(ForeignKey("control.id"), index=True)
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("sample.id"), index=True)
    # The control's occurrences this result covers ("T1", "03", ...).
    occurrences: Mapped[list[str]] = mapped_column(JSON, default=list)
    performed: Mapped[bool] = mapped_column(default=True)
    performed_text: Mapped[str] = mapped_column(String(100))
    # The days "Utfört" stands for: a date, a week, a month, a tertial, delår or helår.
    performed_start: Mapped[date | None] = mapped_column(Date)
    performed_end: Mapped[date | None] = mapped_column(Date)
    result_text: Mapped[str | None] = mapped_column(Text)
    category: Mapped[ResultCategory | None] = mapped_column(
        str_enum(ResultCategory, "control_result_category"))
    remediation: Mapped[str | None] = mapped_column(Text)
    remediation_status: Mapped[RemediationStatus | None] = mapped_column(
        str_enum(RemediationStatus, "control_remediation_status"))
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

    @property
    def has_deviation(self) -> bool:
        return self.category is not None and self.category.is_deviation

    @property
    def remediation_open(self) -> bool:
        return self.remediation_status is not None and self.remediation_status.is_open


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
