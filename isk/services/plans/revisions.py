"""The gate every change to a plan passes, and the versions of an adopted plan.

Every change calls `guard` first (a closed plan is not changed; an adopted plan only with a
stated reason) and `record_change` last, which records a version when the plan is adopted. A
change to the region's plan is a change to every adopted plan of that year in the region,
since their printed plans include it.
"""

from __future__ import annotations

import hashlib
import json

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from ...extensions import db
from ...models import (
    Plan,
    PlanRevision,
    PlanStatus,
    User,
)
from .. import audit_log, org
from ..clock import local
from ..errors import PlanError
from .document import PlanDocument, to_snapshot
from .reading import document_for, with_plan_content
from .versions import ChangedAfterAdoption


def dependent_plans(plan: Plan) -> list[Plan]:
    """Decided plans that print this region plan's content: the year's adopted and closed plans."""
    if not plan.is_region_plan:
        return []
    return list(db.session.scalars(
        select(Plan)
        .join(Plan.org_unit)
        .options(contains_eager(Plan.org_unit))
        .where(
            Plan.year == plan.year,
            Plan.status.in_([PlanStatus.ADOPTED, PlanStatus.CLOSED]),
            Plan.archived_at.is_(None),
            Plan.id != plan.id,
            org.within(plan.org_unit),
        )
    ))


def change_refusal(plan: Plan, dependants: list[Plan] | None = None) -> str | None:
    """Why the plan's content cannot be changed at all, or None if it can."""
    if plan.archived_at is not None:
        return _("Planen är arkiverad och kan inte ändras.")
    if plan.status is PlanStatus.CLOSED:
        return _("Planen är avslutad och kan inte längre ändras.")
    closed = [p for p in (dependent_plans(plan) if dependants is None else dependants)
              if p.status is PlanStatus.CLOSED]
    if closed:
        return _("Regionens innehåll för %(year)d ingår i en avslutad plan (%(unit)s) och kan "
                 "inte längre ändras.", year=plan.year, unit=closed[0].org_unit.name)
    return None


def accepts_changes(plan: Plan) -> bool:
    """May the plan's verksamheter, risks and åtgärder still be changed (with a reason or not)?"""
    return change_refusal(plan) is None


def needs_reason(plan: Plan, dependants: list[Plan] | None = None) -> bool:
    """Does a change ask why? Yes when the plan is adopted, or when adopted plans print it.

    The region's plan counts as adopted as soon as any nämnd plan of the year that prints
    its content is: changing it changes what that nämnd decided.
    """
    if plan.status is PlanStatus.ADOPTED:
        return True
    return bool(dependent_plans(plan) if dependants is None else dependants)


def guard(plan: Plan, reason: str | None) -> str | None:
    """Refuse changes to a closed plan, and to one that needs a reason without one."""
    dependants = dependent_plans(plan)
    refusal = change_refusal(plan, dependants)
    if refusal is not None:
        raise PlanError(refusal)
    reason = (reason or "").strip() or None
    if reason is None and needs_reason(plan, dependants):
        if plan.status is PlanStatus.ADOPTED:
            raise PlanError(_("Planen är fastställd. Ange varför den ändras; ändringen sparas "
                              "som en ny version."), "reason")
        raise PlanError(
            _("Regionens innehåll ingår i fastställda planer för %(year)d. Ange varför det "
              "ändras; ändringen sparas som en ny version av dem.", year=plan.year),
            "reason",
        )
    return reason


def latest_revision_number(plan: Plan) -> int | None:
    """The number of the plan's newest version (None for a plan never adopted)."""
    return db.session.scalar(
        select(func.max(PlanRevision.number)).where(PlanRevision.plan_id == plan.id))


def current_document(plan: Plan) -> PlanDocument:
    """The plan as it prints after this session's changes, loaded in a fixed number of queries."""
    db.session.flush()
    fresh = db.session.scalar(
        with_plan_content(select(Plan).where(Plan.id == plan.id))
        .execution_options(populate_existing=True)
    )
    assert fresh is not None
    return document_for(fresh)


def record_revision(plan: Plan, reason: str, user: User | None = None) -> PlanRevision:
    """Store the plan as it prints now, with who, when and why."""
    snapshot = to_snapshot(current_document(plan))
    number = (latest_revision_number(plan) or 0) + 1
    revision = PlanRevision(
        plan=plan, number=number, reason=reason, created_by=user or audit_log.current_actor(),
        snapshot=snapshot,
    )
    db.session.add(revision)
    audit_log.record("plan_revision", plan, number=number, reason=reason)
    return revision


def record_change(plan: Plan, reason: str | None) -> None:
    """After a change: adopted plans that print this content get a new revision."""
    if reason is None:
        return
    affected = [plan] if plan.status is PlanStatus.ADOPTED else []
    affected += dependent_plans(plan)
    for target in affected:
        label = reason if target is plan else _("Regionövergripande ändring: %(reason)s",
                                                 reason=reason)
        record_revision(target, label)


def content_fingerprint(plan: Plan) -> str:
    """A digest of the plan as it prints now (its region content included)."""
    snapshot = to_snapshot(current_document(plan))
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()


def changed_after_adoption(plan: Plan) -> ChangedAfterAdoption | None:
    """The newest version of an adopted plan if it came after the decision (version 1)."""
    if plan.status is PlanStatus.DRAFT:
        return None
    latest = db.session.scalar(select(PlanRevision).where(PlanRevision.plan_id == plan.id)
                               .order_by(PlanRevision.number.desc()).limit(1))
    if latest is None or latest.number < 2:
        return None
    return ChangedAfterAdoption(latest.number, local(latest.created_at).strftime("%Y-%m-%d"),
                                latest.reason)
