"""The printed plan read as rows: what the plan page and the exports show, in three statements.

`build_document` walks ORM objects, which is right where a plan is being edited (the session
holds the changes). Showing and exporting only read, and a plan of 5,000 risks and 10,000
åtgärder as ORM objects costs far more than its rows: here the verksamheter, risks (with
their owner) and åtgärder of the plan and of the region's plan of the year are read as named
columns, one statement each whatever the plan's size, and built into the same
`PlanDocument` (tests/test_plan_scale.py checks that the two agree).
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from ...extensions import db
from ...models import Action, Criterion, Plan, ProcessArea, Risk, SecurityAspect, User
from .document import DocAction, DocArea, DocRisk, PlanDocument

_RISK_COLUMNS = (
    Risk.id, Risk.process_area_id, Risk.text, Risk.criterion_c, Risk.criterion_d,
    Risk.criterion_e, Risk.threatens_confidentiality, Risk.threatens_integrity,
    Risk.threatens_availability, Risk.threatens_traceability, Risk.likelihood,
    Risk.consequence, Risk.treatment, Risk.accepted_by, Risk.accepted_on,
    Risk.acceptance_reason, Risk.source, Risk.owner_id, Risk.sam_indicator, Risk.region_wide,
    User.name, User.email,
)
_ACTION_COLUMNS = (Action.id, Action.risk_id, Action.text, Action.responsible, Action.due_date,
                   Action.status, Action.region_wide)
_CRITERIA = (Criterion.C, Criterion.D, Criterion.E)
_ASPECTS = (SecurityAspect.CONFIDENTIALITY, SecurityAspect.INTEGRITY,
            SecurityAspect.AVAILABILITY, SecurityAspect.TRACEABILITY)


def _live_content(plan_ids: list[int]):  # type: ignore[no-untyped-def]
    """The conditions for the live verksamheter and risks of these plans."""
    return (ProcessArea.plan_id.in_(plan_ids), ProcessArea.archived_at.is_(None),
            Risk.archived_at.is_(None))


@contextmanager
def without_collection() -> Iterator[None]:
    """No cyclic garbage collection while tens of thousands of acyclic objects are built and
    used: the collector would walk them again and again (it doubled the time of a 5,000-risk
    read). A caller that lets go of them inside the block spares the collector them entirely.

    Only the block that turned collection off turns it on again, so overlapping requests in
    threads never leave it off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_document(plan: Plan, region_plan: Plan | None = None, *,
                  own_order: list[int] | None = None) -> PlanDocument:
    """What `build_document(plan, region_plan)` gives, read as rows: the region's shared
    content first, then the plan's own; a verksamhet of the same name is continued.

    `own_order`, if given, gets the ids of the plan's own live verksamheter in its order.
    """
    with without_collection():
        return _read_document(plan, region_plan, own_order if own_order is not None else [])


def _read_document(plan: Plan, region_plan: Plan | None, own_order: list[int]
                   ) -> PlanDocument:
    document = PlanDocument(
        unit_name=plan.org_unit.name, year=plan.year, status=plan.status,
        adopted_on=plan.adopted_on, adoption_paragraph=plan.adoption_paragraph,
        diary_number=plan.diary_number,
    )
    plan_ids = ([region_plan.id] if region_plan is not None and region_plan.id != plan.id
                else []) + [plan.id]
    areas = db.session.execute(
        select(ProcessArea.id, ProcessArea.plan_id, ProcessArea.name)
        .where(ProcessArea.plan_id.in_(plan_ids), ProcessArea.archived_at.is_(None))
        .order_by(ProcessArea.position, ProcessArea.id)
    ).all()
    risks = db.session.execute(
        select(*_RISK_COLUMNS).join(ProcessArea, Risk.process_area_id == ProcessArea.id)
        .outerjoin(User, Risk.owner_id == User.id)
        .where(*_live_content(plan_ids))
        .order_by(Risk.position, Risk.id)
    ).all()
    actions = db.session.execute(
        select(*_ACTION_COLUMNS).join(Risk, Action.risk_id == Risk.id)
        .join(ProcessArea, Risk.process_area_id == ProcessArea.id)
        .where(*_live_content(plan_ids), Action.archived_at.is_(None))
        .order_by(Action.position, Action.id)
    ).all()

    actions_of: dict[int, list[DocAction]] = defaultdict(list)
    for action_id, risk_id, text, responsible, due_date, status, region_wide in actions:
        actions_of[risk_id].append(DocAction(text, responsible, due_date, status,
                                             region_wide=region_wide, id=action_id))
    risks_of: dict[int, list[DocRisk]] = defaultdict(list)
    plan_of_area = {area_id: plan_id for area_id, plan_id, _name in areas}
    for row in risks:
        risk_id, area_id = row[0], row[1]
        risks_of[area_id].append(DocRisk(
            text=row[2],
            criteria=[c for c, flag in zip(_CRITERIA, row[3:6], strict=True) if flag],
            aspects=[a for a, flag in zip(_ASPECTS, row[6:10], strict=True) if flag],
            likelihood=row[10], consequence=row[11], treatment=row[12], accepted_by=row[13],
            accepted_on=row[14], acceptance_reason=row[15], source=row[16], owner_id=row[17],
            sam_indicator=row[18], region_wide=row[19], owner=row[20], owner_email=row[21],
            actions=actions_of.get(risk_id, []), id=risk_id,
            plan_id=plan_of_area.get(area_id),
        ))

    by_name: dict[str, DocArea] = {}
    for plan_id in plan_ids:
        for area_id, area_plan_id, name in areas:
            if area_plan_id != plan_id:
                continue
            target = by_name.get(name)
            if target is None:
                target = by_name[name] = DocArea(name=name)
                document.areas.append(target)
            if plan_id == plan.id:
                target.id = area_id
                own_order.append(area_id)
            target.risks.extend(risks_of.get(area_id, ()))
    return document
