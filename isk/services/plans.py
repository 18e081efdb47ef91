"""IK-plans: reading them, editing verksamheter, risks and åtgärder, and the lifecycle.

Every change goes through `_guard` first (a closed plan is not changed; an adopted plan
only with a stated reason) and ends with `_changed`, which records a revision when the
plan is adopted. A change to the region's plan is a change to every adopted plan of that
year in the region, since their printed plans include it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Action,
    ActionStatus,
    Criterion,
    OrgUnit,
    OrgUnitKind,
    Plan,
    PlanRevision,
    PlanStatus,
    ProcessArea,
    Risk,
    RiskTreatment,
    SecurityAspect,
    User,
)
from ..models.types import utcnow
from . import audit_log
from .plan_document import PlanDocument, build_document, to_snapshot


class PlanError(ValueError):
    """A rule on plans was broken; the message is for the user, `field` names the input."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class ConflictError(PlanError):
    """Someone else changed the item since the form was opened."""


# --- reading -------------------------------------------------------------------------------


def plans_visible_to(user: User) -> Sequence[Plan]:
    """The live plans in the user's scope, newest year first."""
    query = (
        select(Plan)
        .join(Plan.org_unit)
        .where(Plan.archived_at.is_(None))
        .options(selectinload(Plan.org_unit))
        .order_by(Plan.year.desc(), OrgUnit.path)
    )
    if not user.is_region_wide:
        if user.org_unit is None:
            return []
        query = query.where(OrgUnit.path.startswith(user.org_unit.path))
    return db.session.scalars(query).all()


def _with_content(query):  # type: ignore[no-untyped-def]
    risks = selectinload(Plan.process_areas).selectinload(ProcessArea.risks)
    return query.options(
        selectinload(Plan.org_unit),
        risks.selectinload(Risk.actions),
        risks.selectinload(Risk.owner),
    )


def load_plan_for_display(plan_id: int) -> Plan | None:
    """Load a plan with its verksamheter, risks and åtgärder in a fixed number of queries."""
    return db.session.scalar(
        _with_content(select(Plan).where(Plan.id == plan_id, Plan.archived_at.is_(None)))
    )


def region_root_id(unit: OrgUnit) -> int:
    return int(unit.path.strip("/").split("/")[0])


def region_plan_for(plan: Plan, *, with_content: bool = True) -> Plan | None:
    """The region's plan of the same year, whose regionövergripande content every plan shares."""
    if plan.is_region_plan:
        return None
    query = select(Plan).where(
        Plan.org_unit_id == region_root_id(plan.org_unit),
        Plan.year == plan.year,
        Plan.archived_at.is_(None),
    )
    return db.session.scalar(_with_content(query) if with_content else query)


def document_for(plan: Plan) -> PlanDocument:
    return build_document(plan, region_plan_for(plan))


@dataclass(frozen=True)
class RiskYear:
    year: int
    unit_name: str
    plan_id: int
    risk_score: int | None
    is_current: bool


def risk_history(risk: Risk) -> list[RiskYear]:
    """The same risk year by year (copies keep the lineage), to follow its riskvärde."""
    rows = db.session.execute(
        select(Risk, Plan, OrgUnit)
        .join(Risk.process_area)
        .join(ProcessArea.plan)
        .join(Plan.org_unit)
        .where(Risk.lineage_key == risk.lineage_key, Plan.archived_at.is_(None))
        .order_by(Plan.year)
    ).all()
    return [
        RiskYear(plan.year, unit.name, plan.id, other.risk_score, other.id == risk.id)
        for other, plan, unit in rows
    ]


def plan_of(item: ProcessArea | Risk | Action) -> Plan:
    if isinstance(item, Action):
        return item.risk.process_area.plan
    if isinstance(item, Risk):
        return item.process_area.plan
    return item.plan


LiveT = TypeVar("LiveT", ProcessArea, Risk, Action)


def live(items: Iterable[LiveT]) -> list[LiveT]:
    """The items that are not archived (nothing is hard-deleted)."""
    return [item for item in items if item.archived_at is None]


# --- guards and revisions ------------------------------------------------------------------


def dependent_plans(plan: Plan) -> list[Plan]:
    """Decided plans that print this region plan's content: the year's adopted and closed plans."""
    if not plan.is_region_plan:
        return []
    return list(db.session.scalars(
        select(Plan)
        .join(Plan.org_unit)
        .where(
            Plan.year == plan.year,
            Plan.status.in_([PlanStatus.ADOPTED, PlanStatus.CLOSED]),
            Plan.archived_at.is_(None),
            Plan.id != plan.id,
            OrgUnit.path.startswith(plan.org_unit.path),
        )
        .options(selectinload(Plan.org_unit))
    ))


def _guard(plan: Plan, reason: str | None) -> str | None:
    """Refuse changes to a closed plan, and to an adopted one without a reason.

    The region's plan counts as adopted as soon as any nämnd plan of the year that prints
    its content is: changing it changes what that nämnd decided.
    """
    if plan.archived_at is not None:
        raise PlanError(_("Planen är arkiverad och kan inte ändras."))
    if plan.status is PlanStatus.CLOSED:
        raise PlanError(_("Planen är avslutad och kan inte längre ändras."))
    dependants = dependent_plans(plan)
    closed = [p for p in dependants if p.status is PlanStatus.CLOSED]
    if closed:
        raise PlanError(
            _("Regionens innehåll för %(year)d ingår i en avslutad plan (%(unit)s) och kan "
              "inte längre ändras.", year=plan.year, unit=closed[0].org_unit.name)
        )
    reason = (reason or "").strip() or None
    if plan.status is PlanStatus.ADOPTED and reason is None:
        raise PlanError(
            _("Planen är fastställd. Ange varför den ändras; ändringen sparas som en ny version."),
            "reason",
        )
    if dependants and reason is None:
        raise PlanError(
            _("Regionens innehåll ingår i fastställda planer för %(year)d. Ange varför det "
              "ändras; ändringen sparas som en ny version av dem.", year=plan.year),
            "reason",
        )
    return reason


def _check_version(item: ProcessArea | Risk | Action, expected: int | None) -> None:
    if expected is not None and item.version_id != expected:
        raise ConflictError(
            _("Någon annan har ändrat uppgiften sedan du öppnade formuläret. Dina ändringar "
              "har inte sparats. Ladda om sidan och gör om ändringen.")
        )


def latest_revision_number(plan: Plan) -> int | None:
    """The number of the plan's newest version (None for a plan never adopted)."""
    return db.session.scalar(
        select(func.max(PlanRevision.number)).where(PlanRevision.plan_id == plan.id))


def current_document(plan: Plan) -> PlanDocument:
    """The plan as it prints after this session's changes, loaded in a fixed number of queries."""
    db.session.flush()
    fresh = db.session.scalar(
        _with_content(select(Plan).where(Plan.id == plan.id))
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


def _changed(plan: Plan, reason: str | None) -> None:
    """After a change: adopted plans that print this content get a new revision."""
    if reason is None:
        return
    affected = [plan] if plan.status is PlanStatus.ADOPTED else []
    affected += dependent_plans(plan)
    for target in affected:
        label = reason if target is plan else _("Regionövergripande ändring: %(reason)s",
                                                 reason=reason)
        record_revision(target, label)


# --- plans ---------------------------------------------------------------------------------


def create_plan(org_unit: OrgUnit, year: int) -> Plan:
    """Start a draft plan for a unit and year; there is at most one per unit and year."""
    if not 2000 <= year <= 2100:
        raise PlanError(_("Ange ett år mellan 2000 och 2100."), "year")
    existing = db.session.scalar(
        select(Plan).where(Plan.org_unit_id == org_unit.id, Plan.year == year)
    )
    if existing is not None and existing.archived_at is not None:
        # One plan per unit and year: an archived draft comes back rather than blocking the year.
        existing.archived_at = None
        audit_log.record("plan_restored", existing, org_unit=org_unit.code, year=year)
        return existing
    if existing is not None:
        raise PlanError(
            _("%(unit)s har redan en internkontrollplan för %(year)d.",
              unit=org_unit.name, year=year),
            "year",
        )
    plan = Plan(org_unit=org_unit, year=year, status=PlanStatus.DRAFT)
    db.session.add(plan)
    db.session.flush()
    audit_log.record("plan_created", plan, org_unit=org_unit.code, year=year)
    return plan


def unhandled_risks(plan: Plan) -> list[Risk]:
    """Risks that are to be acted on but have no åtgärd: adoption waits for them."""
    return [
        risk
        for area in live(plan.process_areas)
        for risk in live(area.risks)
        if risk.treatment is RiskTreatment.MITIGATE and not live(risk.actions)
    ]


def content_fingerprint(plan: Plan) -> str:
    """A digest of the plan as it prints now (its region content included)."""
    snapshot = to_snapshot(current_document(plan))
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True).encode()).hexdigest()


def adopt_plan(
    plan: Plan, adopted_on: date, paragraph: str, diary_number: str | None,
    user: User | None = None, expected_fingerprint: str | None = None,
) -> PlanRevision:
    """Fastställ: record the nämnd's decision; revision 1 keeps the plan as adopted.

    With `expected_fingerprint`, the plan is adopted only if it still reads as it did when
    the decision-maker opened it.
    """
    if plan.status is not PlanStatus.DRAFT:
        raise PlanError(_("Bara ett utkast kan fastställas."))
    if expected_fingerprint is not None and expected_fingerprint != content_fingerprint(plan):
        raise ConflictError(_("Planen har ändrats sedan du öppnade sidan. Granska den igen "
                              "innan du fastställer den."))
    if not paragraph.strip():
        raise PlanError(_("Ange beslutsparagrafen, till exempel ”SN § 45”."), "paragraph")
    region_plan = region_plan_for(plan)
    pending = unhandled_risks(plan) + (unhandled_risks(region_plan) if region_plan else [])
    if pending:
        raise PlanError(
            ngettext("Planen kan inte fastställas: %(num)d risk ska åtgärdas men saknar åtgärd "
                     "(”%(risk)s”). Lägg till en åtgärd eller acceptera risken.",
                     "Planen kan inte fastställas: %(num)d risker ska åtgärdas men saknar åtgärd "
                     "(till exempel ”%(risk)s”). Lägg till en åtgärd eller acceptera risken.",
                     len(pending), risk=_shorten(pending[0].text))
        )
    plan.status = PlanStatus.ADOPTED
    plan.adopted_on = adopted_on
    plan.adoption_paragraph = paragraph.strip()
    plan.diary_number = (diary_number or "").strip() or None
    audit_log.record("plan_adopted", plan, reference=plan.adoption_reference,
                     diary_number=plan.diary_number)
    return record_revision(
        plan, _("Fastställd (%(reference)s)", reference=plan.adoption_reference), user
    )


def close_plan(plan: Plan) -> None:
    """Avsluta: after the year-end assessment; only an adopted plan can be closed."""
    if plan.status is not PlanStatus.ADOPTED:
        raise PlanError(_("Bara en fastställd plan kan avslutas."))
    plan.status = PlanStatus.CLOSED
    plan.closed_at = utcnow()
    audit_log.record("plan_closed", plan)


def archive_plan(plan: Plan) -> None:
    """Only a draft is archived; an adopted plan is a decision and stays."""
    if plan.status is not PlanStatus.DRAFT:
        raise PlanError(_("Bara ett utkast kan arkiveras. En fastställd plan är ett beslut."))
    if dependent_plans(plan):
        raise PlanError(_("Regionens innehåll ingår i fastställda planer för %(year)d; utkastet "
                          "kan inte arkiveras.", year=plan.year))
    plan.archived_at = utcnow()
    audit_log.record("plan_archived", plan)


def copy_to_next_year(plan: Plan) -> Plan:
    """Start next year's draft from this plan, keeping each risk's identity (lineage)."""
    copy = create_plan(plan.org_unit, plan.year + 1)
    for area in live(plan.process_areas):
        new_area = add_process_area(copy, area.name)
        for risk in live(area.risks):
            new_risk = Risk(
                process_area=new_area, position=risk.position, text=risk.text,
                likelihood=risk.likelihood, consequence=risk.consequence,
                treatment=risk.treatment, accepted_by=risk.accepted_by,
                accepted_on=risk.accepted_on, acceptance_reason=risk.acceptance_reason,
                region_wide=risk.region_wide, source=risk.source, owner=risk.owner,
                lineage_key=risk.lineage_key,
            )
            new_risk.criteria = risk.criteria
            new_risk.aspects = risk.aspects
            db.session.add(new_risk)
            for action in live(risk.actions):
                db.session.add(Action(
                    risk=new_risk, position=action.position, text=action.text,
                    responsible=action.responsible, region_wide=action.region_wide,
                    status=ActionStatus.PLANNED,
                ))
    db.session.flush()
    audit_log.record("plan_copied", copy, source_plan=plan.id, year=copy.year)
    return copy


# --- verksamheter --------------------------------------------------------------------------


def add_process_area(plan: Plan, name: str) -> ProcessArea:
    """The plan's verksamhet of this name, created at the end if it is new."""
    name = " ".join(name.split())
    if not name:
        raise PlanError(_("Verksamheten måste ha ett namn."), "name")
    if len(name) > 200:
        raise PlanError(_("Verksamhetens namn får vara högst 200 tecken."), "name")
    for area in plan.process_areas:
        if area.name == name:
            if area.archived_at is not None:
                area.archived_at = None
            return area
    area = ProcessArea(plan=plan, name=name, position=len(plan.process_areas))
    db.session.add(area)
    return area


def create_area(plan: Plan, name: str, reason: str | None = None) -> ProcessArea:
    reason = _guard(plan, reason)
    if any(a.name == " ".join(name.split()) for a in live(plan.process_areas)):
        raise PlanError(_("Planen har redan verksamheten ”%(name)s”.", name=name.strip()), "name")
    area = add_process_area(plan, name)
    db.session.flush()
    audit_log.record("process_area_created", area, name=area.name)
    _changed(plan, reason)
    return area


def rename_area(area: ProcessArea, name: str, expected_version: int | None,
                reason: str | None = None) -> None:
    reason = _guard(area.plan, reason)
    _check_version(area, expected_version)
    name = " ".join(name.split())
    if not name:
        raise PlanError(_("Verksamheten måste ha ett namn."), "name")
    if any(a.name == name and a.id != area.id for a in area.plan.process_areas):
        raise PlanError(_("Planen har redan verksamheten ”%(name)s”.", name=name), "name")
    old = area.name
    area.name = name
    audit_log.record("process_area_renamed", area, old=old, new=name)
    _changed(area.plan, reason)


def archive_area(area: ProcessArea, reason: str | None = None,
                 expected_version: int | None = None) -> None:
    reason = _guard(area.plan, reason)
    _check_version(area, expected_version)
    if live(area.risks):
        raise PlanError(_("Verksamheten har risker. Arkivera eller flytta dem först."))
    area.archived_at = utcnow()
    audit_log.record("process_area_archived", area, name=area.name)
    _changed(area.plan, reason)


# --- risks ---------------------------------------------------------------------------------


@dataclass
class RiskData:
    """What a user enters for a risk; validated by `check_risk_data`."""

    text: str
    criteria: set[Criterion]
    aspects: set[SecurityAspect] = field(default_factory=set)
    likelihood: int | None = None
    consequence: int | None = None
    treatment: RiskTreatment = RiskTreatment.MITIGATE
    accepted_by: str | None = None
    accepted_on: date | None = None
    acceptance_reason: str | None = None
    source: str | None = None
    owner: User | None = None


def _check_length(value: str | None, limit: int, label: str, field: str) -> None:
    if value and len(value) > limit:
        raise PlanError(_("%(label)s får vara högst %(n)d tecken.", label=label, n=limit), field)


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def check_risk_data(data: RiskData) -> RiskData:
    data.text = (data.text or "").strip()
    data.source = _clean(data.source)
    if not data.text:
        raise PlanError(_("Risken måste ha en beskrivning."), "text")
    _check_length(data.source, 300, _("Källan"), "source")
    _check_length(data.accepted_by, 200, _("Beslutad av"), "accepted_by")
    if not data.criteria:
        raise PlanError(_("En risk måste höra till minst ett av kriterierna c, d och e."),
                        "criteria")
    if Criterion.E in data.criteria and not data.aspects:
        raise PlanError(
            _("En informationssäkerhetsrisk (kriterium e) ska ange vad den hotar: "
              "konfidentialitet, riktighet, tillgänglighet eller spårbarhet."),
            "aspects",
        )
    if Criterion.E not in data.criteria:
        data.aspects = set()
    if (data.likelihood is None) != (data.consequence is None):
        raise PlanError(_("Ange både sannolikhet och konsekvens, eller ingen av dem."),
                        "likelihood")
    for value in (data.likelihood, data.consequence):
        if value is not None and not 1 <= value <= 4:
            raise PlanError(_("Sannolikhet och konsekvens bedöms på skalan 1-4."), "likelihood")
    if data.treatment is RiskTreatment.ACCEPT:
        data.accepted_by = _clean(data.accepted_by)
        data.acceptance_reason = _clean(data.acceptance_reason)
        if not (data.accepted_by and data.accepted_on and data.acceptance_reason):
            raise PlanError(
                _("En accepterad risk ska ange vem som beslutade, när och varför."),
                "accepted_by",
            )
    else:
        data.accepted_by = data.accepted_on = data.acceptance_reason = None
    return data


def _apply_risk_data(risk: Risk, data: RiskData) -> None:
    risk.text = data.text
    risk.criteria = data.criteria
    risk.aspects = data.aspects
    risk.likelihood, risk.consequence = data.likelihood, data.consequence
    risk.treatment = data.treatment
    risk.accepted_by, risk.accepted_on = data.accepted_by, data.accepted_on
    risk.acceptance_reason = data.acceptance_reason
    risk.source = data.source
    risk.owner = data.owner


def add_risk(area: ProcessArea, data: RiskData) -> Risk:
    """Add a risk at the end of its verksamhet (no guard: callers check the plan)."""
    check_risk_data(data)
    risk = Risk(process_area=area, position=len(area.risks),
                region_wide=area.plan.is_region_plan)
    _apply_risk_data(risk, data)
    db.session.add(risk)
    return risk


def create_risk(area: ProcessArea, data: RiskData, reason: str | None = None) -> Risk:
    reason = _guard(area.plan, reason)
    risk = add_risk(area, data)
    db.session.flush()
    audit_log.record("risk_created", risk, area=area.name, text=_shorten(risk.text))
    _changed(area.plan, reason)
    return risk


def update_risk(risk: Risk, data: RiskData, area: ProcessArea, expected_version: int | None,
                reason: str | None = None) -> None:
    plan = risk.process_area.plan
    reason = _guard(plan, reason)
    _check_version(risk, expected_version)
    if area.plan_id != plan.id:
        raise PlanError(_("Verksamheten hör inte till planen."), "area")
    check_risk_data(data)
    if area.id != risk.process_area_id:
        risk.process_area = area
        risk.position = len(area.risks)
    _apply_risk_data(risk, data)
    audit_log.record("risk_updated", risk, text=_shorten(risk.text))
    _changed(plan, reason)


def archive_risk(risk: Risk, reason: str | None = None,
                 expected_version: int | None = None) -> None:
    plan = risk.process_area.plan
    reason = _guard(plan, reason)
    _check_version(risk, expected_version)
    risk.archived_at = utcnow()
    audit_log.record("risk_archived", risk, text=_shorten(risk.text))
    _changed(plan, reason)


def restore_risk(risk: Risk, reason: str | None = None,
                 expected_version: int | None = None) -> None:
    plan = risk.process_area.plan
    reason = _guard(plan, reason)
    _check_version(risk, expected_version)
    risk.archived_at = None
    risk.process_area.archived_at = None
    audit_log.record("risk_restored", risk, text=_shorten(risk.text))
    _changed(plan, reason)


# --- åtgärder ------------------------------------------------------------------------------


@dataclass
class ActionData:
    text: str
    responsible: str | None = None
    due_date: date | None = None
    status: ActionStatus = ActionStatus.PLANNED


def check_action_data(data: ActionData) -> ActionData:
    data.text = (data.text or "").strip()
    data.responsible = _clean(data.responsible)
    if not data.text:
        raise PlanError(_("Åtgärden måste ha en beskrivning."), "text")
    _check_length(data.responsible, 200, _("Ansvarig"), "responsible")
    return data


def add_action(risk: Risk, data: ActionData) -> Action:
    """Add an åtgärd at the end of the risk's list (no guard: callers check the plan)."""
    check_action_data(data)
    action = Action(
        risk=risk, text=data.text, responsible=data.responsible, due_date=data.due_date,
        status=data.status, region_wide=risk.process_area.plan.is_region_plan,
        position=len(risk.actions),
    )
    db.session.add(action)
    return action


def create_action(risk: Risk, data: ActionData, reason: str | None = None) -> Action:
    plan = risk.process_area.plan
    reason = _guard(plan, reason)
    action = add_action(risk, data)
    db.session.flush()
    audit_log.record("action_created", action, risk=risk.id, text=_shorten(action.text))
    _changed(plan, reason)
    return action


def update_action(action: Action, data: ActionData, expected_version: int | None,
                  reason: str | None = None) -> None:
    plan = action.risk.process_area.plan
    reason = _guard(plan, reason)
    _check_version(action, expected_version)
    check_action_data(data)
    action.text, action.responsible = data.text, data.responsible
    action.due_date, action.status = data.due_date, data.status
    audit_log.record("action_updated", action, text=_shorten(action.text),
                     status=action.status.value)
    _changed(plan, reason)


def archive_action(action: Action, reason: str | None = None,
                   expected_version: int | None = None) -> None:
    plan = action.risk.process_area.plan
    reason = _guard(plan, reason)
    _check_version(action, expected_version)
    action.archived_at = utcnow()
    audit_log.record("action_archived", action, text=_shorten(action.text))
    _changed(plan, reason)


def _shorten(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def units_for_new_plan(user: User) -> list[OrgUnit]:
    """Units where the user may start a plan: those in scope (the whole tree if region-wide)."""
    query = select(OrgUnit).where(OrgUnit.archived_at.is_(None)).order_by(OrgUnit.path)
    if not user.is_region_wide:
        if user.org_unit is None:
            return []
        query = query.where(OrgUnit.path.startswith(user.org_unit.path))
    return [u for u in db.session.scalars(query) if u.kind is not OrgUnitKind.ENHET]
