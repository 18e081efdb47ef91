"""From a granskningslogg entry to the page of its record, where that page still exists.

One query per object type on the page (never one per entry). A type without a resolver here,
or a record that is archived or gone, simply gets no link; the entry still links to the
record's own history in the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import url_for
from flask_login import current_user
from sqlalchemy import select

from ...extensions import db
from ...models import (
    Action,
    Assessment,
    Control,
    ControlResult,
    EvidenceFile,
    ImprovementArea,
    Plan,
    PlanRevision,
    ProcessArea,
    Risk,
    SamFollowUp,
    Sample,
    SamRound,
    User,
)
from ...permissions import Permission, has_permission

Links = dict[int, str]


def _plans(ids: set[int]) -> Links:
    rows = db.session.execute(select(Plan.id).where(Plan.id.in_(ids), Plan.archived_at.is_(None)))
    return {plan_id: url_for("plans.show", plan_id=plan_id) for (plan_id,) in rows}


def _revisions(ids: set[int]) -> Links:
    rows = db.session.execute(
        select(PlanRevision.id, PlanRevision.plan_id, PlanRevision.number)
        .join(Plan).where(PlanRevision.id.in_(ids), Plan.archived_at.is_(None)))
    return {key: url_for("plans.revision", plan_id=plan_id, number=number)
            for key, plan_id, number in rows}


def _areas(ids: set[int]) -> Links:
    rows = db.session.execute(
        select(ProcessArea.id, ProcessArea.plan_id).join(Plan)
        .where(ProcessArea.id.in_(ids), Plan.archived_at.is_(None)))
    return {key: url_for("plans.show", plan_id=plan_id) for key, plan_id in rows}


def _risks(ids: set[int]) -> Links:
    rows = db.session.execute(
        select(Risk.id, ProcessArea.plan_id).join(ProcessArea).join(Plan)
        .where(Risk.id.in_(ids), Plan.archived_at.is_(None)))
    return {key: url_for("plans.show", plan_id=plan_id, _anchor=f"risk-{key}")
            for key, plan_id in rows}


def _actions(ids: set[int]) -> Links:
    rows = db.session.execute(
        select(Action.id, Action.risk_id, ProcessArea.plan_id)
        .join(Risk, Action.risk_id == Risk.id).join(ProcessArea).join(Plan)
        .where(Action.id.in_(ids), Plan.archived_at.is_(None)))
    return {key: url_for("plans.show", plan_id=plan_id, _anchor=f"risk-{risk_id}")
            for key, risk_id, plan_id in rows}


def _controls(ids: set[int]) -> Links:
    rows = db.session.execute(
        select(Control.id, Control.plan_id).join(Plan)
        .where(Control.id.in_(ids), Control.archived_at.is_(None), Plan.archived_at.is_(None)))
    return {key: url_for("controls.show", plan_id=plan_id, control_id=key)
            for key, plan_id in rows}


def _results(ids: set[int]) -> Links:
    rows = db.session.execute(
        select(ControlResult.id, Control.id, Control.plan_id).join(Control)
        .where(ControlResult.id.in_(ids), Control.archived_at.is_(None)))
    return {key: url_for("controls.show", plan_id=plan_id, control_id=control_id)
            for key, control_id, plan_id in rows}


def _evidence(ids: set[int]) -> Links:
    rows = db.session.execute(
        select(EvidenceFile.id, Control.id, Control.plan_id)
        .join(ControlResult, EvidenceFile.control_result_id == ControlResult.id)
        .join(Control, ControlResult.control_id == Control.id)
        .where(EvidenceFile.id.in_(ids), Control.archived_at.is_(None)))
    return {key: url_for("controls.show", plan_id=plan_id, control_id=control_id)
            for key, control_id, plan_id in rows}


def _samples(ids: set[int]) -> Links:
    rows = db.session.execute(
        select(Sample.id, Control.id, Control.plan_id).join(Control)
        .where(Sample.id.in_(ids), Sample.archived_at.is_(None),
               Control.archived_at.is_(None)))
    return {key: url_for("controls.sample", plan_id=plan_id, control_id=control_id,
                         sample_id=key) for key, control_id, plan_id in rows}


def _rounds(ids: set[int]) -> Links:
    rows = db.session.execute(select(SamRound.id).where(SamRound.id.in_(ids)))
    return {key: url_for("sam.round_overview", round_id=key) for (key,) in rows}


def _follow_ups(ids: set[int]) -> Links:
    rows = db.session.execute(select(SamFollowUp.id).where(SamFollowUp.id.in_(ids)))
    return {key: url_for("sam.follow_up", follow_up_id=key) for (key,) in rows}


def _users(ids: set[int]) -> Links:
    if not has_permission(current_user, Permission.MANAGE_USERS):
        return {}
    rows = db.session.execute(select(User.id).where(User.id.in_(ids)))
    return {key: url_for("admin.users", _anchor=f"user-{key}") for (key,) in rows}


def _assessments(ids: set[int]) -> Links:
    rows = db.session.execute(select(Assessment.id).where(
        Assessment.id.in_(ids), Assessment.archived_at.is_(None)))
    return {key: url_for("assessment.show", assessment_id=key) for (key,) in rows}


def _improvements(ids: set[int]) -> Links:
    rows = db.session.execute(
        select(ImprovementArea.id, ImprovementArea.assessment_id).join(Assessment)
        .where(ImprovementArea.id.in_(ids), Assessment.archived_at.is_(None)))
    return {key: url_for("assessment.show", assessment_id=assessment_id,
                         _anchor="forbattringsomraden") for key, assessment_id in rows}


RESOLVERS: dict[str, Callable[[set[int]], Links]] = {
    "Assessment": _assessments,
    "ImprovementArea": _improvements,
    "Plan": _plans,
    "PlanRevision": _revisions,
    "ProcessArea": _areas,
    "Risk": _risks,
    "Action": _actions,
    "Control": _controls,
    "ControlResult": _results,
    "EvidenceFile": _evidence,
    "Sample": _samples,
    "SamRound": _rounds,
    "SamFollowUp": _follow_ups,
    "User": _users,
}


def record_links(objects: Iterable[tuple[str | None, Any]]) -> dict[tuple[str, int], str]:
    """(object type, id) → the record's page, for every pair that has one."""
    wanted: dict[str, set[int]] = {}
    for object_type, object_id in objects:
        if object_type in RESOLVERS and isinstance(object_id, int):
            wanted.setdefault(object_type, set()).add(object_id)
    links: dict[tuple[str, int], str] = {}
    for object_type, ids in wanted.items():
        for object_id, url in RESOLVERS[object_type](ids).items():
            links[(object_type, object_id)] = url
    return links
