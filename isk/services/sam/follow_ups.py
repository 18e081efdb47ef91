"""A chef's follow-up: answers, returneringar, kvittering, and the fördelande chef's avstämning."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ... import permissions
from ...extensions import db
from ...models import (
    AnswerValue,
    FollowUpStatus,
    RoundStatus,
    SamAnswer,
    SamFollowUp,
    SamReturn,
    SamRound,
    User,
)
from ...models.types import utcnow
from .. import audit_log
from ..errors import check_version, flush
from .common import (
    MAX_COMMENT_LENGTH,
    NEEDS_COMMENT,
    SamAnswerProblems,
    SamConflict,
    SamError,
)


def load_follow_up(follow_up_id: int) -> SamFollowUp | None:
    """A follow-up with everything its page shows, in a fixed number of queries."""
    return db.session.scalar(
        select(SamFollowUp)
        .where(SamFollowUp.id == follow_up_id)
        .options(
            selectinload(SamFollowUp.round).selectinload(SamRound.questions),
            selectinload(SamFollowUp.round).selectinload(SamRound.org_unit),
            selectinload(SamFollowUp.answers),
            selectinload(SamFollowUp.returns).selectinload(SamReturn.created_by),
            selectinload(SamFollowUp.returns).selectinload(SamReturn.responded_by),
            selectinload(SamFollowUp.manager),
            selectinload(SamFollowUp.delegating_manager),
            selectinload(SamFollowUp.org_unit),
            selectinload(SamFollowUp.acknowledged_by),
            selectinload(SamFollowUp.confirmed_by),
            selectinload(SamFollowUp.sent_back_by),
        )
    )


def edit_refusal(follow_up: SamFollowUp) -> str | None:
    """Why the chef cannot change the answers or returneringar now, or None."""
    if not follow_up.round.is_open:
        return _("Rundan är avslutad; uppföljningen kan inte ändras.")
    if follow_up.status.is_acknowledged:
        return _("Uppföljningen är kvitterad och svaren är låsta. Be din fördelande chef att "
                 "skicka tillbaka den om något behöver ändras.")
    return None


def is_editable(follow_up: SamFollowUp) -> bool:
    return edit_refusal(follow_up) is None


def _check_editable(follow_up: SamFollowUp) -> None:
    refusal = edit_refusal(follow_up)
    if refusal is not None:
        raise SamConflict(refusal)


def may_acknowledge(follow_up: SamFollowUp) -> bool:
    """Can the chef kvittera now: still editable, and answered (or sent back to complete)?"""
    return is_editable(follow_up) and follow_up.status in (
        FollowUpStatus.ANSWERED, FollowUpStatus.SENT_BACK)


def awaits_acknowledgement(follow_up: SamFollowUp) -> bool:
    """Not yet kvitterad by the chef, and not sent back (which says so on its own)."""
    return not follow_up.status.is_acknowledged and not follow_up.status.is_sent_back


@dataclass(frozen=True)
class AnswerInput:
    value: AnswerValue | None
    comment: str


def save_answers(
    follow_up: SamFollowUp,
    answers: dict[int, AnswerInput],
    *,
    expected_version: int | None = None,
) -> None:
    """Save the chef's answers: every point ja, delvis or nej; delvis and nej need a comment."""
    _check_editable(follow_up)
    check_version(follow_up, expected_version)
    questions = follow_up.round.live_questions
    problems: list[tuple[str | None, str]] = []
    for question in questions:
        given = answers.get(question.id)
        if given is None or given.value is None:
            problems.append((f"q{question.id}", _("Svara ja, delvis eller nej.")))
        elif given.value in NEEDS_COMMENT and not given.comment.strip():
            problems.append((f"q{question.id}_comment", _(
                "Beskriv vad som saknas när svaret är %(answer)s.",
                answer=given.value.label.lower())))
        if given is not None and len(given.comment) > MAX_COMMENT_LENGTH:
            problems.append((f"q{question.id}_comment", _(
                "Kommentaren får vara högst %(max)d tecken.", max=MAX_COMMENT_LENGTH)))
    if problems:
        raise SamAnswerProblems(problems)
    existing = {answer.question_id: answer for answer in follow_up.answers}
    changed = 0
    for question in questions:
        given = answers[question.id]
        comment = given.comment.strip()
        answer = existing.get(question.id)
        if answer is None:
            db.session.add(
                SamAnswer(
                    follow_up=follow_up, question=question, value=given.value, comment=comment
                )
            )
            changed += 1
        elif (answer.value, answer.comment) != (given.value, comment):
            answer.value, answer.comment = given.value, comment
            changed += 1
    now = utcnow()
    follow_up.answered_at = now
    follow_up.updated_at = now
    if follow_up.status is FollowUpStatus.NOT_STARTED:
        follow_up.status = FollowUpStatus.ANSWERED
    flush()
    audit_log.record("sam_answers_saved", follow_up, changed=changed)


def add_return(
    follow_up: SamFollowUp,
    task: str,
    reason: str,
    *,
    by: User,
    expected_version: int | None = None,
) -> SamReturn:
    """Returnering: hand a task back to the fördelande chef, saying why it cannot be done."""
    _check_editable(follow_up)
    check_version(follow_up, expected_version)
    task, reason = " ".join(task.split()), reason.strip()
    if not task:
        raise SamError(_("Ange vilken arbetsmiljöuppgift du returnerar."), "task")
    if len(task) > 500:
        raise SamError(_("Uppgiften får vara högst 500 tecken."), "task")
    if not reason:
        raise SamError(_("Ange skälet till returneringen, till exempel vad som saknas."), "reason")
    if len(reason) > MAX_COMMENT_LENGTH:
        raise SamError(_("Skälet får vara högst %(max)d tecken.", max=MAX_COMMENT_LENGTH), "reason")
    returned = SamReturn(follow_up=follow_up, task=task, reason=reason, created_by=by)
    db.session.add(returned)
    follow_up.updated_at = utcnow()
    flush()
    audit_log.record("sam_task_returned", follow_up, actor=by, task=task, return_id=returned.id)
    return returned


def withdraw_return(
    follow_up: SamFollowUp, returned: SamReturn, *, expected_version: int | None = None
) -> None:
    """Take back a returnering before kvittering (it is kept, marked as withdrawn)."""
    _check_editable(follow_up)
    check_version(follow_up, expected_version)
    if returned.follow_up_id != follow_up.id or returned.archived_at is not None:
        raise SamConflict(_("Returneringen finns inte längre."))
    returned.archived_at = utcnow()
    follow_up.updated_at = returned.archived_at
    flush()
    audit_log.record("sam_return_withdrawn", follow_up, task=returned.task, return_id=returned.id)


def acknowledge(follow_up: SamFollowUp, *, by: User, expected_version: int | None = None) -> None:
    """Kvittera: the chef signs the answers; from now on they are frozen."""
    _check_editable(follow_up)
    check_version(follow_up, expected_version)
    answered = {answer.question_id for answer in follow_up.answers}
    missing = [
        number
        for number, question in enumerate(follow_up.round.live_questions, start=1)
        if question.id not in answered
    ]
    if missing:
        raise SamError(
            _(
                "Svara på alla frågor och spara innan du kvitterar (saknas: fråga %(numbers)s).",
                numbers=", ".join(str(n) for n in missing),
            )
        )
    now = utcnow()
    follow_up.status = FollowUpStatus.ACKNOWLEDGED
    follow_up.acknowledged_at = now
    follow_up.acknowledged_by = by
    follow_up.updated_at = now
    flush()
    audit_log.record(
        "sam_follow_up_acknowledged",
        follow_up,
        actor=by,
        returns=len(follow_up.live_returns),
        answers={str(a.question_id): a.value.value for a in follow_up.answers},
    )


def review_refusal(follow_up: SamFollowUp) -> str | None:
    """Why the fördelande chef cannot stämma av or send back now, or None."""
    if not follow_up.round.is_open:
        return _("Rundan är avslutad; uppföljningen kan inte ändras.")
    if follow_up.status is not FollowUpStatus.ACKNOWLEDGED:
        return _("Bara en kvitterad uppföljning kan stämmas av eller skickas tillbaka "
                 "(den är nu %(status)s).", status=follow_up.status.label.lower())
    return None


def may_review(follow_up: SamFollowUp) -> bool:
    """Is the follow-up waiting for avstämning (whoever may do it: see permissions)?"""
    return review_refusal(follow_up) is None


def _check_reviewable(follow_up: SamFollowUp) -> None:
    refusal = review_refusal(follow_up)
    if refusal is not None:
        raise SamConflict(refusal)


def unanswered_returns(follow_up: SamFollowUp) -> list[SamReturn]:
    """Returned tasks the fördelande chef has not yet said how they are handled."""
    return [item for item in follow_up.live_returns if item.response is None]


def response_refusal(follow_up: SamFollowUp) -> str | None:
    """Why the fördelande chef cannot answer the returned tasks now, or None."""
    if not follow_up.round.is_open:
        return _("Rundan är avslutad; uppföljningen kan inte ändras.")
    if not follow_up.status.is_acknowledged:
        return _("Returnerade uppgifter besvaras när chefen har kvitterat uppföljningen.")
    return None


def may_answer_returns(follow_up: SamFollowUp) -> bool:
    return response_refusal(follow_up) is None


def answer_return(
    follow_up: SamFollowUp, returned: SamReturn, response: str, *, by: User,
    expected_version: int | None = None,
) -> None:
    """The fördelande chef says how a returned task is handled: taken back, resources given…"""
    refusal = response_refusal(follow_up)
    if refusal is not None:
        raise SamConflict(refusal)
    check_version(follow_up, expected_version)
    if returned.follow_up_id != follow_up.id or returned.archived_at is not None:
        raise SamConflict(_("Returneringen finns inte längre."))
    response = response.strip()
    if not response:
        raise SamError(_("Skriv hur uppgiften hanteras nu."), "response")
    if len(response) > MAX_COMMENT_LENGTH:
        raise SamError(_("Svaret får vara högst %(max)d tecken.", max=MAX_COMMENT_LENGTH),
                       "response")
    now = utcnow()
    returned.response, returned.responded_at, returned.responded_by = response, now, by
    follow_up.updated_at = now
    flush()
    audit_log.record("sam_return_answered", follow_up, actor=by, task=returned.task,
                     return_id=returned.id, response=response)


def confirm(follow_up: SamFollowUp, *, by: User, expected_version: int | None = None) -> None:
    """Avstämd: the fördelande chef has reviewed the follow-up and agrees.

    A returned task must be answered first: the avstämning is where the fördelande chef
    makes sure the chef has what the tasks need.
    """
    _check_reviewable(follow_up)
    check_version(follow_up, expected_version)
    waiting = unanswered_returns(follow_up)
    if waiting:
        raise SamError(ngettext(
            "Svara först på den returnerade uppgiften (%(tasks)s): hur hanteras den nu?",
            "Svara först på de %(num)d returnerade uppgifterna (%(tasks)s): hur hanteras de nu?",
            len(waiting), tasks=", ".join(f"”{item.task}”" for item in waiting)))
    now = utcnow()
    follow_up.status = FollowUpStatus.CONFIRMED
    follow_up.confirmed_at = now
    follow_up.confirmed_by = by
    follow_up.updated_at = now
    flush()
    audit_log.record("sam_follow_up_confirmed", follow_up, actor=by,
                     manager=follow_up.manager.email)


def send_back(
    follow_up: SamFollowUp, comment: str, *, by: User, expected_version: int | None = None
) -> None:
    """Återsänd: the fördelande chef asks the chef to complete or change the answers."""
    _check_reviewable(follow_up)
    check_version(follow_up, expected_version)
    comment = comment.strip()
    if not comment:
        raise SamError(_("Skriv vad chefen behöver komplettera eller ändra."), "comment")
    if len(comment) > MAX_COMMENT_LENGTH:
        raise SamError(
            _("Kommentaren får vara högst %(max)d tecken.", max=MAX_COMMENT_LENGTH), "comment"
        )
    now = utcnow()
    follow_up.status = FollowUpStatus.SENT_BACK
    # The chef acknowledges again after completing; the earlier one stays in the audit log.
    follow_up.acknowledged_at = None
    follow_up.acknowledged_by = None
    follow_up.sent_back_at = now
    follow_up.sent_back_by = by
    follow_up.sent_back_comment = comment
    follow_up.updated_at = now
    flush()
    audit_log.record("sam_follow_up_sent_back", follow_up, actor=by, comment=comment)


@dataclass(frozen=True)
class Inbox:
    """What a person has to do in SAM: their own follow-ups, and those waiting for them."""

    own: Sequence[SamFollowUp]
    to_confirm: Sequence[SamFollowUp]

    def __bool__(self) -> bool:
        return bool(self.own or self.to_confirm)


def inbox(user: User) -> Inbox:
    """Open follow-ups the user answers, and kvitterade ones the user stämmer av."""
    if not permissions.has_permission(user, permissions.Permission.RESPOND_SAM):
        return Inbox([], [])
    options = (
        selectinload(SamFollowUp.round).selectinload(SamRound.org_unit),
        selectinload(SamFollowUp.manager),
        selectinload(SamFollowUp.org_unit),
    )
    base = (
        select(SamFollowUp)
        .join(SamFollowUp.round)
        .where(SamRound.status == RoundStatus.OPEN, SamRound.archived_at.is_(None))
        .options(*options)
        .order_by(SamFollowUp.due_on, SamFollowUp.id)
    )
    own = db.session.scalars(
        base.where(
            SamFollowUp.manager_id == user.id,
            SamFollowUp.status.not_in([FollowUpStatus.ACKNOWLEDGED, FollowUpStatus.CONFIRMED]),
        )
    ).all()
    waiting = base.where(
        SamFollowUp.status == FollowUpStatus.ACKNOWLEDGED, SamFollowUp.manager_id != user.id
    )
    if permissions.has_permission(user, permissions.Permission.MANAGE_SAM):
        waiting = waiting.where(
            or_(
                SamFollowUp.delegating_manager_id == user.id,
                SamFollowUp.delegating_manager_id.is_(None),
            )
        )
    else:
        waiting = waiting.where(SamFollowUp.delegating_manager_id == user.id)
    to_confirm = [
        follow_up
        for follow_up in db.session.scalars(waiting).all()
        if permissions.may_confirm_follow_up(user, follow_up)
    ]
    return Inbox(own, to_confirm)


def own_follow_ups(user: User) -> Sequence[SamFollowUp]:
    """Every follow-up of the user as chef, newest round first."""
    return db.session.scalars(
        select(SamFollowUp)
        .join(SamFollowUp.round)
        .where(SamFollowUp.manager_id == user.id, SamRound.archived_at.is_(None))
        .options(
            selectinload(SamFollowUp.round).selectinload(SamRound.org_unit),
            selectinload(SamFollowUp.org_unit),
            selectinload(SamFollowUp.delegating_manager),
        )
        .order_by(SamRound.year.desc(), SamFollowUp.id.desc())
    ).all()
