"""SAM rounds: the annual follow-up for a part of the organisation, its checklist, closing it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ... import permissions
from ...extensions import db
from ...models import (
    ManagerAssignment,
    ManagerUnit,
    OrgUnit,
    RoundStatus,
    SamAnswer,
    SamFollowUp,
    SamQuestion,
    SamRound,
    User,
)
from ...models.types import utcnow
from .. import audit_log, clock, org
from ..errors import check_version, flush
from .common import (
    MAX_QUESTION_LENGTH,
    MAX_QUESTIONS,
    SamConflict,
    SamError,
)

ANSWER_DAYS = 30  # how long a new round gives the chefs by default


def default_due_date() -> date:
    """The last day a new round proposes: a month from today."""
    return clock.today() + timedelta(days=ANSWER_DAYS)


def clean_questions(texts: Iterable[str]) -> list[str]:
    """The checklist as given, one point per line; refuse an empty, too long or repeated list."""
    questions = [" ".join(text.split()) for text in texts]
    questions = [text for text in questions if text]
    if not questions:
        raise SamError(_("Ange minst en fråga i checklistan."), "questions")
    if len(questions) > MAX_QUESTIONS:
        raise SamError(_("Checklistan får ha högst %(n)d frågor.", n=MAX_QUESTIONS), "questions")
    for number, text in enumerate(questions, start=1):
        if len(text) > MAX_QUESTION_LENGTH:
            raise SamError(
                _(
                    "Fråga %(n)d är för lång (högst %(max)d tecken).",
                    n=number,
                    max=MAX_QUESTION_LENGTH,
                ),
                "questions",
            )
        if text in questions[: number - 1]:
            raise SamError(
                _("Fråga %(n)d finns redan tidigare i checklistan.", n=number), "questions"
            )
    return questions


def managers_in(unit: OrgUnit) -> list[tuple[ManagerAssignment, OrgUnit]]:
    """Each live chef who leads a unit in this part of the organisation, with their top unit."""
    links = db.session.scalars(
        select(ManagerUnit)
        .join(ManagerUnit.assignment)
        .join(ManagerUnit.org_unit)
        .where(
            ManagerUnit.archived_at.is_(None),
            ManagerAssignment.archived_at.is_(None),
            org.within(unit),
        )
        .options(
            selectinload(ManagerUnit.org_unit),
            selectinload(ManagerUnit.assignment).selectinload(ManagerAssignment.user),
            selectinload(ManagerUnit.assignment).selectinload(ManagerAssignment.delegating_assignment),
        )
    ).all()
    top: dict[int, tuple[ManagerAssignment, OrgUnit]] = {}
    for link in links:
        user = link.assignment.user
        if not user.is_active or not permissions.has_permission(
            user, permissions.Permission.RESPOND_SAM
        ):
            continue  # a follow-up nobody can answer would only count against the target
        held = top.get(link.assignment_id)
        key = (link.org_unit.path.count("/"), link.org_unit.name)
        if held is None or key < (held[1].path.count("/"), held[1].name):
            top[link.assignment_id] = (link.assignment, link.org_unit)
    return sorted(top.values(), key=lambda pair: (pair[1].path, pair[0].user.name))


def start_round(
    unit: OrgUnit, year: int, due_on: date, questions: Iterable[str], *, started_by: User | None
) -> SamRound:
    """Start the annual follow-up for a part of the organisation: one follow-up per chef."""
    texts = clean_questions(questions)
    if not 2000 <= year <= 2100:
        raise SamError(_("Ange ett år mellan 2000 och 2100."), "year")
    if due_on < clock.today():
        raise SamError(_("Sista dag för svar har redan passerat."), "due_on")
    overlapping = db.session.scalar(
        select(SamRound)
        .join(SamRound.org_unit)
        .where(
            SamRound.year == year,
            SamRound.archived_at.is_(None),
            org.around(unit),
        )
        .options(selectinload(SamRound.org_unit))
    )
    if overlapping is not None:
        raise SamError(
            _(
                "Det finns redan en SAM-runda %(year)d för %(unit)s, som överlappar "
                "%(chosen)s. En chef följer upp en gång per år.",
                year=year,
                unit=overlapping.org_unit.name,
                chosen=unit.name,
            ),
            "org_unit",
        )
    managers = managers_in(unit)
    if not managers:
        raise SamError(
            _(
                "Det finns inga chefer i chefskedjan för %(unit)s. Lägg in chefer och deras "
                "enheter först.",
                unit=unit.name,
            ),
            "org_unit",
        )
    already = set(db.session.scalars(
        select(SamFollowUp.manager_id).join(SamFollowUp.round)
        .where(SamRound.year == year, SamRound.archived_at.is_(None))
    ))
    managers = [(assignment, top) for assignment, top in managers
                if assignment.user_id not in already]
    if not managers:
        raise SamError(_("Alla chefer i %(unit)s följs redan upp i en annan SAM-runda %(year)d.",
                         unit=unit.name, year=year), "org_unit")
    sam_round = SamRound(org_unit=unit, year=year, due_on=due_on, started_by=started_by)
    db.session.add(sam_round)
    for position, text in enumerate(texts):
        db.session.add(SamQuestion(round=sam_round, position=position, text=text))
    for assignment, top_unit in managers:
        delegating = assignment.delegating_assignment
        db.session.add(
            SamFollowUp(
                round=sam_round,
                manager=assignment.user,
                delegating_manager_id=(
                    delegating.user_id
                    if delegating is not None and delegating.archived_at is None
                    else None
                ),
                org_unit=top_unit,
                due_on=due_on,
            )
        )
    flush()
    audit_log.record(
        "sam_round_started",
        sam_round,
        actor=started_by,
        year=year,
        org_unit=unit.code,
        due_on=due_on.isoformat(),
        follow_ups=len(managers),
        questions=len(texts),
    )
    return sam_round


def replace_questions(
    sam_round: SamRound, texts: Iterable[str], *, expected_version: int | None = None
) -> None:
    """Change the checklist; allowed until the first chef has saved answers."""
    check_version(sam_round, expected_version)
    if not sam_round.is_open:
        raise SamConflict(_("Rundan är avslutad och kan inte ändras."))
    answered = db.session.scalar(
        select(func.count(SamAnswer.id))
        .join(SamAnswer.follow_up)
        .where(SamFollowUp.round_id == sam_round.id)
    )
    if answered:
        raise SamConflict(
            _(
                "Frågorna kan inte ändras längre: chefer har redan börjat svara. "
                "Starta nästa års runda med de nya frågorna."
            )
        )
    new_texts = clean_questions(texts)
    old_texts = [question.text for question in sam_round.live_questions]
    now = utcnow()
    for question in sam_round.live_questions:
        question.archived_at = now
    for position, text in enumerate(new_texts):
        db.session.add(SamQuestion(round=sam_round, position=position, text=text))
    sam_round.updated_at = now
    flush()
    audit_log.record("sam_questions_changed", sam_round, before=old_texts, after=new_texts)


def close_round(sam_round: SamRound, *, expected_version: int | None = None) -> None:
    """Avsluta: the follow-ups are frozen as they stand, and no more reminders go out."""
    check_version(sam_round, expected_version)
    if not sam_round.is_open:
        raise SamConflict(_("Rundan är redan avslutad."))
    sam_round.status = RoundStatus.CLOSED
    sam_round.closed_at = utcnow()
    flush()
    audit_log.record("sam_round_closed", sam_round)


def rounds_visible_to(user: User) -> Sequence[SamRound]:
    """Rounds whose overview the user may read (all or part of), newest first."""
    query = (
        select(SamRound)
        .join(SamRound.org_unit)
        .where(SamRound.archived_at.is_(None))
        .options(selectinload(SamRound.org_unit))
        .order_by(SamRound.year.desc(), OrgUnit.name)
    )
    scoped = org.user_scope(query, user, overlapping=True)
    return [] if scoped is None else db.session.scalars(scoped).all()


def load_round(round_id: int) -> SamRound | None:
    return db.session.scalar(
        select(SamRound)
        .where(SamRound.id == round_id, SamRound.archived_at.is_(None))
        .options(joinedload(SamRound.org_unit), joinedload(SamRound.started_by),
                 selectinload(SamRound.questions))
    )
