"""What waits for a user: the start page's list of work, per role, in a fixed number of queries.

Each part is one query, asked only of the roles it concerns, with what its lines show joined
into it (never loaded row by row), so the page costs the same however much work there is.
The plans the user sees are read once: the list of plans, the drafts waiting for adoption,
the periods to assess and this year's follow-up reports all come from that one query, and
all of SAM (the user's own follow-ups, those to stämma av, those below not kvitterade and
returned tasks to answer) is one more:

- controls the user is responsible for (a controller also those nobody is) that are overdue,
  or due this tertial or within 30 days, in adopted plans;
- stickprov the user drew or is responsible for that still have items not examined;
- åtgärder past their date or due within 30 days, that the user owns (as owner of the risk,
  or named as responsible) or, for a controller, in their plans;
- draft plans waiting for adoption, and ISK-bedömningar to draft or to fastställa;
- SAM: the user's own follow-up, those to stämma av, returned tasks to answer, the chefs
  below who have not kvitterat, and for those who run SAM the rounds with overdue chefs;
- for the systemförvaltare locked accounts and invitations not taken up;
- for those who only read: this year's follow-up reports, and for the revisor the year's
  stickprov to reperform.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy.orm import aliased, contains_eager, joinedload

from ..extensions import db
from ..models import (
    NO_PASSWORD,
    Action,
    ActionStatus,
    Assessment,
    AssessmentPeriod,
    AssessmentStatus,
    Control,
    FollowUpStatus,
    OrgUnit,
    OrgUnitKind,
    Plan,
    PlanStatus,
    ProcessArea,
    Risk,
    Role,
    RoundStatus,
    SamFollowUp,
    Sample,
    SampleItem,
    SamReturn,
    SamRound,
    User,
)
from ..permissions import Permission, has_permission, may_confirm_follow_up, readable_plans
from . import clock, org, sam
from .assessment.assessments import ASSESSING_KINDS
from .controls import periods
from .controls.periods import Period

SOON = timedelta(days=30)


@dataclass(frozen=True)
class DueControl:
    control: Control
    occurrence: str  # the earliest occurrence not yet reported ("T2", "03", "helar" …)
    due_on: date
    overdue: bool
    not_performed: bool  # a kontrollutfall "Ej utfört" is recorded for it, so it still waits

    @property
    def when(self) -> str:
        return periods.occurrence_label(self.occurrence)


@dataclass(frozen=True)
class OpenSample:
    sample: Sample
    unexamined: int
    total: int


@dataclass(frozen=True)
class DueAction:
    action: Action
    plan: Plan
    overdue: bool


@dataclass(frozen=True)
class AssessmentTask:
    unit: OrgUnit
    year: int
    period: AssessmentPeriod
    assessment: Assessment | None  # None: not begun

    @property
    def to_adopt(self) -> bool:
        return self.assessment is not None


@dataclass(frozen=True)
class RoundStanding:
    sam_round: SamRound
    chefs: int
    acknowledged: int
    overdue: int


@dataclass
class Work:
    today: date
    controls: list[DueControl] = field(default_factory=list)
    samples: list[OpenSample] = field(default_factory=list)
    actions: list[DueAction] = field(default_factory=list)
    drafts: Sequence[Plan] = ()
    may_adopt: bool = False
    assessments: list[AssessmentTask] = field(default_factory=list)
    sam_inbox: sam.Inbox | None = None
    returns: Sequence[SamReturn] = ()
    not_answered_below: Sequence[SamFollowUp] = ()
    rounds: list[RoundStanding] = field(default_factory=list)
    locked: Sequence[User] = ()
    invited: Sequence[User] = ()
    reports: list[tuple[Plan, Period]] = field(default_factory=list)
    reperform: Sequence[Sample] = ()
    plans: Sequence[Plan] = ()  # every live plan the user sees, newest year first

    @property
    def count(self) -> int:
        """How many lines of work wait (what is only to read is not counted)."""
        inbox = len(self.sam_inbox.own) + len(self.sam_inbox.to_confirm) if self.sam_inbox else 0
        return (len(self.controls) + len(self.samples) + len(self.actions) + len(self.drafts)
                + len(self.assessments) + inbox + len(self.returns)
                + len(self.not_answered_below) + len(self.rounds) + len(self.locked)
                + len(self.invited))


def current_period(day: date) -> Period:
    return (Period.T1, Period.T2, Period.T3)[(day.month - 1) // 4]


def _scoped(user: User) -> object:
    """Rows whose OrgUnit is in the user's scope (the query joins OrgUnit)."""
    if user.is_region_wide:
        return OrgUnit.id.is_not(None)
    return org.within(user.org_unit) if user.org_unit is not None else false()


def _sees_unassigned(user: User) -> bool:
    return has_permission(user, Permission.RECORD_CONTROLS) and not user.is_region_wide


def _waiting_occurrence(control: Control, horizon: date, today: date) -> DueControl | None:
    """The control's earliest planned occurrence due by the horizon that no kontrollutfall
    reports as performed (as the follow-up report counts them), or None."""
    year = control.plan.year
    performed, not_performed = set(), set()
    for result in control.live_results:
        codes = result.occurrences or ([] if control.occurrences else [periods.ANNUAL])
        (performed if result.performed else not_performed).update(codes)
    for code in periods.sort_occurrences(periods.planned_occurrences(control.occurrences)):
        due = periods.due_date(code, year)
        if code not in performed and due <= horizon:
            return DueControl(control, code, due, due < today, code in not_performed)
    return None


def due_controls(user: User, today: date) -> list[DueControl]:
    mine = Control.responsible_id == user.id
    if _sees_unassigned(user):
        mine = or_(mine, and_(Control.responsible_id.is_(None), _scoped(user)))
    controls = db.session.scalars(
        select(Control).join(Control.plan).join(Plan.org_unit)
        .where(mine, Control.archived_at.is_(None), Plan.archived_at.is_(None),
               Plan.status == PlanStatus.ADOPTED, Plan.year <= today.year)
        .options(contains_eager(Control.plan).contains_eager(Plan.org_unit),
                 joinedload(Control.results))
        .order_by(Plan.year, Control.id)
    ).unique().all()
    horizon = max(current_period(today).date_range(today.year).end, today + SOON)
    due = [item for control in controls
           if (item := _waiting_occurrence(control, horizon, today)) is not None]
    return sorted(due, key=lambda d: (not d.overdue, d.due_on, d.control.id))


def open_samples(user: User) -> list[OpenSample]:
    unexamined = func.count(SampleItem.id).filter(SampleItem.outcome.is_(None))
    rows = db.session.execute(
        select(Sample, unexamined, func.count(SampleItem.id))
        .join(Sample.items).join(Sample.control).join(Control.plan).join(Plan.org_unit)
        .where(or_(Sample.created_by_id == user.id, Control.responsible_id == user.id),
               Sample.archived_at.is_(None), Control.archived_at.is_(None),
               Plan.archived_at.is_(None))
        .group_by(Sample.id, Control.id, Plan.id, OrgUnit.id)
        .having(unexamined > 0)
        .options(contains_eager(Sample.control).contains_eager(Control.plan)
                 .contains_eager(Plan.org_unit))
        .order_by(Sample.created_at)
    ).all()
    return [OpenSample(sample, waiting, total) for sample, waiting, total in rows]


def due_actions(user: User, today: date) -> list[DueAction]:
    # "Ansvarig" is a name typed as text: another person of the same name elsewhere in the
    # region must not put that unit's åtgärder (links the user may not open) on this page.
    own = or_(Risk.owner_id == user.id,
              and_(Action.responsible == user.name, readable_plans(user)))
    if has_permission(user, Permission.EDIT_PLAN) and not user.is_region_wide:
        own = or_(own, _scoped(user))
    rows = db.session.execute(
        select(Action, Plan)
        .join(Action.risk).join(Risk.process_area).join(ProcessArea.plan).join(Plan.org_unit)
        .where(own, Action.archived_at.is_(None), Risk.archived_at.is_(None),
               ProcessArea.archived_at.is_(None), Plan.archived_at.is_(None),
               Plan.status == PlanStatus.ADOPTED,
               Action.status.in_([ActionStatus.PLANNED, ActionStatus.IN_PROGRESS]),
               Action.due_date <= today + SOON)
        .options(contains_eager(Action.risk), contains_eager(Plan.org_unit))
        .order_by(Action.due_date, Action.id)
    ).all()
    return [DueAction(action, plan, action.due_date < today) for action, plan in rows]


def visible_plans(user: User) -> Sequence[Plan]:
    """The live plans in the user's scope, newest year first, each with its unit (one query):
    the start page's list of plans, and where its other lists of plans are taken from."""
    query = (
        select(Plan).join(Plan.org_unit)
        .where(Plan.archived_at.is_(None))
        .options(contains_eager(Plan.org_unit))
        .order_by(Plan.year.desc(), OrgUnit.path)
    )
    scoped = org.user_scope(query, user)
    return [] if scoped is None else db.session.scalars(scoped).all()


def draft_plans(plans: Sequence[Plan]) -> list[Plan]:
    """The drafts among the user's plans, oldest year first."""
    return sorted((plan for plan in plans if plan.status is PlanStatus.DRAFT),
                  key=lambda plan: (plan.year, plan.org_unit.path))


def assessment_tasks(user: User, today: date, plans: Sequence[Plan]) -> list[AssessmentTask]:
    """Drafts to finish or fastställa, and periods that have ended without an assessment.

    One query reads the drafts and the assessments of the two years a period may have
    ended in; the plans are the user's (`visible_plans`).
    """
    assessments = db.session.scalars(
        select(Assessment).join(Assessment.org_unit)
        .where(Assessment.archived_at.is_(None), _scoped(user),
               or_(Assessment.status == AssessmentStatus.DRAFT,
                   Assessment.year >= today.year - 1))
        .options(contains_eager(Assessment.org_unit))
        .order_by(Assessment.year, OrgUnit.path, Assessment.period.desc())
    ).all()
    tasks = [AssessmentTask(a.org_unit, a.year, a.period, a) for a in assessments
             if a.status is AssessmentStatus.DRAFT]
    if not has_permission(user, Permission.EDIT_PLAN):
        return tasks
    # Plans whose delår (after August) or helår (after December) has ended, not yet assessed.
    existing = {(a.org_unit_id, a.year, a.period) for a in assessments}
    ended_plans = sorted(
        (plan for plan in plans
         if plan.status is PlanStatus.ADOPTED and today.year - 1 <= plan.year <= today.year
         and plan.org_unit.kind in ASSESSING_KINDS and plan.org_unit.archived_at is None),
        key=lambda plan: plan.id)
    for plan in ended_plans:
        ended = [AssessmentPeriod.INTERIM] if today > date(plan.year, 8, 31) else []
        if today.year > plan.year:
            ended.append(AssessmentPeriod.ANNUAL)
        for period in ended:
            if (plan.org_unit_id, plan.year, period) not in existing:
                tasks.append(AssessmentTask(plan.org_unit, plan.year, period, None))
    return tasks


@dataclass(frozen=True)
class SamWork:
    inbox: sam.Inbox
    returns: list[SamReturn]
    not_answered_below: list[SamFollowUp]


_DONE = (FollowUpStatus.ACKNOWLEDGED, FollowUpStatus.CONFIRMED)
_NOT_DONE = (FollowUpStatus.NOT_STARTED, FollowUpStatus.ANSWERED, FollowUpStatus.SENT_BACK)


def sam_work(user: User) -> SamWork:
    """In one query, the open rounds' follow-ups that concern the user, with the returned
    tasks still to answer: the user's own follow-ups (as `sam.inbox`), those to stämma av,
    the chefs below who have not kvitterat, and the returns from chefs below."""
    manages = has_permission(user, Permission.MANAGE_SAM)
    round_unit, chef_unit = aliased(OrgUnit), aliased(OrgUnit)
    manager, delegating = aliased(User), aliased(User)
    mine_to_answer = and_(SamFollowUp.delegating_manager_id == user.id,
                          SamFollowUp.status.in_(_DONE))
    rows = db.session.execute(
        select(SamFollowUp, SamReturn)
        .join(SamFollowUp.round).join(round_unit, SamRound.org_unit)
        .join(manager, SamFollowUp.manager).join(chef_unit, SamFollowUp.org_unit)
        .outerjoin(delegating, SamFollowUp.delegating_manager)
        .outerjoin(SamReturn, and_(SamReturn.follow_up_id == SamFollowUp.id, mine_to_answer,
                                   SamReturn.archived_at.is_(None),
                                   SamReturn.response.is_(None)))
        .where(SamRound.status == RoundStatus.OPEN, SamRound.archived_at.is_(None),
               or_(SamFollowUp.manager_id == user.id,
                   SamFollowUp.delegating_manager_id == user.id,
                   and_(SamFollowUp.delegating_manager_id.is_(None),
                        SamFollowUp.status == FollowUpStatus.ACKNOWLEDGED)
                   if manages else false()))
        .options(contains_eager(SamFollowUp.round).contains_eager(SamRound.org_unit.of_type(
                     round_unit)),
                 contains_eager(SamFollowUp.manager.of_type(manager)),
                 contains_eager(SamFollowUp.org_unit.of_type(chef_unit)),
                 contains_eager(SamFollowUp.delegating_manager.of_type(delegating)))
        .order_by(SamFollowUp.due_on, SamFollowUp.id)
    ).all()
    follow_ups = list(dict.fromkeys(follow_up for follow_up, _returned in rows))
    own = [f for f in follow_ups if f.manager_id == user.id and f.status not in _DONE]
    to_confirm = [f for f in follow_ups
                  if f.status is FollowUpStatus.ACKNOWLEDGED and f.manager_id != user.id
                  and (f.delegating_manager_id == user.id
                       or (manages and f.delegating_manager_id is None))
                  and may_confirm_follow_up(user, f)]
    below = [f for f in follow_ups
             if f.delegating_manager_id == user.id and f.status in _NOT_DONE]
    returns = sorted((returned for _follow_up, returned in rows if returned is not None),
                     key=lambda returned: (returned.created_at, returned.id))
    return SamWork(sam.Inbox(own, to_confirm), returns, below)


def rounds_behind(user: User, today: date) -> list[RoundStanding]:
    """Open rounds the user runs, with how many chefs kvitterat and how many are overdue.

    A round over more than the user's scope (a region-wide round seen by the HR of one
    förvaltning) counts the chefs in the user's part only, as its overview shows them.
    """
    chef_unit = aliased(OrgUnit)
    in_part = (true() if user.is_region_wide or user.org_unit is None
               else chef_unit.path.startswith(user.org_unit.path))
    counted = and_(SamFollowUp.id.is_not(None), in_part)
    done = [FollowUpStatus.ACKNOWLEDGED, FollowUpStatus.CONFIRMED]
    chefs = func.count(SamFollowUp.id).filter(counted)
    acknowledged = func.count(SamFollowUp.id).filter(counted, SamFollowUp.status.in_(done))
    overdue = func.count(SamFollowUp.id).filter(counted, SamFollowUp.status.not_in(done),
                                                SamFollowUp.due_on < today)
    overlapping = (OrgUnit.id.is_not(None) if user.is_region_wide
                   else org.around(user.org_unit) if user.org_unit is not None else false())
    rows = db.session.execute(
        select(SamRound, chefs, acknowledged, overdue)
        .join(SamRound.org_unit).outerjoin(SamRound.follow_ups)
        .outerjoin(chef_unit, SamFollowUp.org_unit_id == chef_unit.id)
        .where(SamRound.status == RoundStatus.OPEN, SamRound.archived_at.is_(None),
               overlapping)
        .group_by(SamRound.id, OrgUnit.id)
        .options(contains_eager(SamRound.org_unit))
        .order_by(SamRound.due_on)
    ).all()
    return [RoundStanding(*row) for row in rows if row[1]]


def follow_up_reports(today: date, plans: Sequence[Plan]) -> list[tuple[Plan, Period]]:
    """This year's adopted plans of the user's units (not the region's own), by unit."""
    return [(plan, current_period(today)) for plan in sorted(
        (plan for plan in plans
         if plan.status is PlanStatus.ADOPTED and plan.year == today.year
         and plan.org_unit.kind is not OrgUnitKind.REGION),
        key=lambda plan: plan.org_unit.path)]


def samples_to_reperform(user: User, today: date) -> Sequence[Sample]:
    return db.session.scalars(
        select(Sample).join(Sample.control).join(Control.plan).join(Plan.org_unit)
        .where(Sample.archived_at.is_(None), Control.archived_at.is_(None),
               Plan.archived_at.is_(None), Plan.year == today.year, _scoped(user))
        .options(contains_eager(Sample.control).contains_eager(Control.plan)
                 .contains_eager(Plan.org_unit))
        .order_by(Sample.created_at.desc())
    ).all()


def waiting_work(user: User) -> Work:
    """Everything that waits for the user, by what their role does."""
    today = clock.today()
    work = Work(today)
    work.plans = visible_plans(user)
    work.controls = due_controls(user, today)
    work.samples = open_samples(user) if has_permission(user, Permission.RECORD_CONTROLS) else []
    work.actions = due_actions(user, today)
    if has_permission(user, Permission.EDIT_PLAN) or has_permission(user, Permission.ADOPT_PLAN):
        work.drafts = draft_plans(work.plans)
        work.may_adopt = has_permission(user, Permission.ADOPT_PLAN)
        work.assessments = assessment_tasks(user, today, work.plans)
    if has_permission(user, Permission.RESPOND_SAM):
        found = sam_work(user)
        work.sam_inbox, work.returns = found.inbox, found.returns
        work.not_answered_below = found.not_answered_below
    if has_permission(user, Permission.MANAGE_SAM):
        work.rounds = [r for r in rounds_behind(user, today)
                       if r.overdue or r.acknowledged < r.chefs]
    if has_permission(user, Permission.MANAGE_USERS):
        # Locked accounts and invitations not taken up, in one query.
        now = clock.utcnow()
        users = db.session.scalars(
            select(User).where(User.active.is_(True),
                               or_(User.locked_until > now, User.password_hash == NO_PASSWORD))
            .order_by(User.name)).all()
        work.locked = [u for u in users if u.locked_until is not None and u.locked_until > now]
        work.invited = sorted((u for u in users if u.password_hash == NO_PASSWORD),
                              key=lambda u: (u.created_at, u.id))
    if not has_permission(user, Permission.EDIT_PLAN):
        work.reports = follow_up_reports(today, work.plans)
    if user.role is Role.AUDITOR:
        work.reperform = samples_to_reperform(user, today)
    return work
