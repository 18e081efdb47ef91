"""SAM (systematiskt arbetsmiljöarbete): the manager chain and the annual follow-up of each chef."""

from __future__ import annotations

from datetime import date, datetime

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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .org import OrgUnit
from .types import LabelledEnum, UTCDateTime, str_enum, utcnow
from .user import User


class RoundStatus(LabelledEnum):
    OPEN = "open", _l("Pågår")
    CLOSED = "closed", _l("Avslutad")


class FollowUpStatus(LabelledEnum):
    NOT_STARTED = "not_started", _l("Ej påbörjad")
    ANSWERED = "answered", _l("Besvarad")
    ACKNOWLEDGED = "acknowledged", _l("Kvitterad")
    CONFIRMED = "confirmed", _l("Avstämd")
    SENT_BACK = "sent_back", _l("Återsänd")

    @property
    def is_answered(self) -> bool:
        return self is not FollowUpStatus.NOT_STARTED

    @property
    def is_sent_back(self) -> bool:
        return self is FollowUpStatus.SENT_BACK

    @property
    def is_acknowledged(self) -> bool:
        """Kvitterad (and possibly avstämd): the answers are frozen."""
        return self in (FollowUpStatus.ACKNOWLEDGED, FollowUpStatus.CONFIRMED)


class AnswerValue(LabelledEnum):
    YES = "yes", _l("Ja")
    PARTLY = "partly", _l("Delvis")
    NO = "no", _l("Nej")


class ReminderKind(LabelledEnum):
    DUE = "due", _l("Påminnelse före sista dag")
    OVERDUE = "overdue", _l("Påminnelse om försenad uppföljning")


class ManagerAssignment(db.Model):
    """A chef's arbetsmiljöuppdrag: the units they lead and their fördelande chef.

    The fördelande chef is the chef who delegated the arbetsmiljöuppgifter (another
    assignment in the chain); the top of the chain has none.
    """

    __tablename__ = "sam_manager_assignment"
    __table_args__ = (
        CheckConstraint(
            "delegating_manager_id IS NULL OR delegating_manager_id <> id",
            name="not_own_delegating_manager",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    # The fördelande chef's own assignment (the column keeps its first name).
    delegating_assignment_id: Mapped[int | None] = mapped_column(
        "delegating_manager_id", ForeignKey("sam_manager_assignment.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    user: Mapped[User] = relationship()
    delegating_assignment: Mapped[ManagerAssignment | None] = relationship(
        remote_side=[id], back_populates="delegated_to"
    )
    delegated_to: Mapped[list[ManagerAssignment]] = relationship(
        back_populates="delegating_assignment"
    )
    units: Mapped[list[ManagerUnit]] = relationship(
        back_populates="assignment", order_by="ManagerUnit.id"
    )

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def live_units(self) -> list[OrgUnit]:
        return sorted(
            (link.org_unit for link in self.units if link.archived_at is None),
            key=lambda unit: unit.path,
        )

    def __repr__(self) -> str:
        return f"<ManagerAssignment user={self.user_id} by={self.delegating_assignment_id}>"


class ManagerUnit(db.Model):
    """A unit (enhet, område, förvaltning ...) that a chef leads."""

    __tablename__ = "sam_manager_unit"
    __table_args__ = (
        UniqueConstraint("assignment_id", "org_unit_id", name="uq_sam_manager_unit_unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("sam_manager_assignment.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    assignment: Mapped[ManagerAssignment] = relationship(back_populates="units")
    org_unit: Mapped[OrgUnit] = relationship()


class SamRound(db.Model):
    """En SAM-runda: the annual follow-up for one year and one part of the organisation."""

    __tablename__ = "sam_round"
    __table_args__ = (
        UniqueConstraint("org_unit_id", "year", name="uq_sam_round_org_unit_year"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[RoundStatus] = mapped_column(
        str_enum(RoundStatus, "sam_round_status"), default=RoundStatus.OPEN
    )
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    org_unit: Mapped[OrgUnit] = relationship()
    started_by: Mapped[User | None] = relationship()
    questions: Mapped[list[SamQuestion]] = relationship(
        back_populates="round", order_by="(SamQuestion.position, SamQuestion.id)"
    )
    follow_ups: Mapped[list[SamFollowUp]] = relationship(back_populates="round")

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def live_questions(self) -> list[SamQuestion]:
        return [question for question in self.questions if question.archived_at is None]

    @property
    def is_open(self) -> bool:
        return self.status is RoundStatus.OPEN

    def __repr__(self) -> str:
        return f"<SamRound {self.org_unit_id} {self.year} {self.status.value}>"


class SamQuestion(db.Model):
    """A point of the round's checklist; the chef answers ja, delvis or nej with a comment."""

    __tablename__ = "sam_question"
    __table_args__ = (CheckConstraint("length(trim(text)) > 0", name="text_not_blank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("sam_round.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    round: Mapped[SamRound] = relationship(back_populates="questions")


class SamFollowUp(db.Model):
    """One chef's annual SAM follow-up in a round, reported to their fördelande chef.

    The fördelande chef and the unit are copied from the manager chain when the round
    starts, so that the record says whom the chef reported to even if the chain changes.
    """

    __tablename__ = "sam_follow_up"
    __table_args__ = (
        UniqueConstraint("round_id", "chef_id", name="uq_sam_follow_up_round_chef"),
        CheckConstraint(
            "status NOT IN ('acknowledged', 'confirmed') "
            "OR (acknowledged_at IS NOT NULL AND acknowledged_by_id IS NOT NULL)",
            name="acknowledged_has_who_and_when",
        ),
        CheckConstraint(
            "status <> 'confirmed' OR (confirmed_at IS NOT NULL AND confirmed_by_id IS NOT NULL)",
            name="confirmed_has_who_and_when",
        ),
        CheckConstraint(
            "status <> 'sent_back' OR length(trim(sent_back_comment)) > 0",
            name="sent_back_has_comment",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("sam_round.id"), index=True)
    # The chef followed up (the column keeps its first name, chef_id).
    manager_id: Mapped[int] = mapped_column("chef_id", ForeignKey("user_account.id"), index=True)
    delegating_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id"), index=True
    )
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[FollowUpStatus] = mapped_column(
        str_enum(FollowUpStatus, "sam_follow_up_status"), default=FollowUpStatus.NOT_STARTED
    )
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sent_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_back_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sent_back_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1)

    round: Mapped[SamRound] = relationship(back_populates="follow_ups")
    manager: Mapped[User] = relationship(foreign_keys=[manager_id])
    delegating_manager: Mapped[User | None] = relationship(foreign_keys=[delegating_manager_id])
    org_unit: Mapped[OrgUnit] = relationship()
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    sent_back_by: Mapped[User | None] = relationship(foreign_keys=[sent_back_by_id])
    answers: Mapped[list[SamAnswer]] = relationship(
        back_populates="follow_up", order_by="SamAnswer.id"
    )
    returns: Mapped[list[SamReturn]] = relationship(
        back_populates="follow_up", order_by="SamReturn.id"
    )

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def live_returns(self) -> list[SamReturn]:
        return [item for item in self.returns if item.archived_at is None]

    def answer_to(self, question: SamQuestion) -> SamAnswer | None:
        return next((a for a in self.answers if a.question_id == question.id), None)

    def is_overdue(self, today: date) -> bool:
        """Not yet kvitterad although its last day has passed (while the round is open)."""
        return self.round.is_open and not self.status.is_acknowledged and self.due_on < today

    def __repr__(self) -> str:
        return f"<SamFollowUp round={self.round_id} manager={self.manager_id} {self.status.value}>"


class SamAnswer(db.Model):
    """The chef's answer to one point: ja, delvis or nej, with a comment."""

    __tablename__ = "sam_answer"
    __table_args__ = (
        UniqueConstraint("follow_up_id", "question_id", name="uq_sam_answer_follow_up_question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("sam_follow_up.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("sam_question.id"), index=True)
    value: Mapped[AnswerValue] = mapped_column(str_enum(AnswerValue, "sam_answer_value"))
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    follow_up: Mapped[SamFollowUp] = relationship(back_populates="answers")
    question: Mapped[SamQuestion] = relationship()


class SamReturn(db.Model):
    """En returnering: the chef hands a task back to the fördelande chef, with the reason."""

    __tablename__ = "sam_return"
    __table_args__ = (
        CheckConstraint("length(trim(task)) > 0", name="task_not_blank"),
        CheckConstraint("length(trim(reason)) > 0", name="reason_not_blank"),
        CheckConstraint(
            "response IS NULL OR (length(trim(response)) > 0 AND responded_at IS NOT NULL)",
            name="response_has_text_and_time",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("sam_follow_up.id"), index=True)
    task: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The fördelande chef's answer: how the returned task is handled from now on.
    response: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    follow_up: Mapped[SamFollowUp] = relationship(back_populates="returns")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    responded_by: Mapped[User | None] = relationship(foreign_keys=[responded_by_id])


class SamReminder(db.Model):
    """A reminder mail about a follow-up: claimed before sending, so that one is never sent twice.

    The unique (follow-up, kind) row is the lock: a run that cannot insert it leaves the mail
    to the run that did. `claimed_at` without `sent_at` is a send in progress, or one that
    failed (then `claimed_at` is cleared so that the next run tries again).
    """

    __tablename__ = "sam_reminder"
    __table_args__ = (
        UniqueConstraint("follow_up_id", "kind", name="uq_sam_reminder_follow_up_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("sam_follow_up.id"), index=True)
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind, "sam_reminder_kind"))
    recipient: Mapped[str] = mapped_column(String(254))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    follow_up: Mapped[SamFollowUp] = relationship()
