"""Editing a plan's verksamheter, risks and åtgärder."""

from __future__ import annotations

from flask_babel import gettext as _

from ...extensions import db
from ...models import (
    Action,
    Criterion,
    Plan,
    ProcessArea,
    Risk,
    RiskTreatment,
    User,
)
from ...models.types import utcnow
from .. import audit_log
from ..errors import PlanError, check_version
from ..text import check_length, clean, shorten
from .fields import ActionContent, RiskContent
from .reading import live
from .revisions import guard, record_change


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
    reason = guard(plan, reason)
    if any(a.name == " ".join(name.split()) for a in live(plan.process_areas)):
        raise PlanError(_("Planen har redan verksamheten ”%(name)s”.", name=name.strip()), "name")
    area = add_process_area(plan, name)
    db.session.flush()
    audit_log.record("process_area_created", area, name=area.name)
    record_change(plan, reason)
    return area


def rename_area(area: ProcessArea, name: str, expected_version: int | None,
                reason: str | None = None) -> None:
    reason = guard(area.plan, reason)
    check_version(area, expected_version)
    name = " ".join(name.split())
    if not name:
        raise PlanError(_("Verksamheten måste ha ett namn."), "name")
    if any(a.name == name and a.id != area.id for a in area.plan.process_areas):
        raise PlanError(_("Planen har redan verksamheten ”%(name)s”.", name=name), "name")
    old = area.name
    area.name = name
    audit_log.record("process_area_renamed", area, old=old, new=name)
    record_change(area.plan, reason)


def archive_area(area: ProcessArea, reason: str | None = None,
                 expected_version: int | None = None) -> None:
    reason = guard(area.plan, reason)
    check_version(area, expected_version)
    if live(area.risks):
        raise PlanError(_("Verksamheten har risker. Arkivera eller flytta dem först."))
    area.archived_at = utcnow()
    audit_log.record("process_area_archived", area, name=area.name)
    record_change(area.plan, reason)


def check_risk_data(data: RiskContent, *, complete: bool = True) -> RiskContent:
    """Refuse what a risk may not say; tidy what it may (blank → None, aspects only for e).

    A risk entered in ISK names its criteria (and, under e, what is threatened); an imported
    one may lack them (`complete=False`): nothing is assumed, and adoption waits for them.
    """
    data.tidy()
    data.text = (data.text or "").strip()
    data.source = clean(data.source)
    if not data.text:
        raise PlanError(_("Risken måste ha en beskrivning."), "text")
    check_length(data.source, 300, _("Källan"), "source")
    check_length(data.accepted_by, 200, _("Beslutad av"), "accepted_by")
    if complete and not data.criteria:
        raise PlanError(_("En risk måste höra till minst ett av kriterierna c, d och e."),
                        "criteria")
    if complete and Criterion.E in data.criteria and not data.aspects:
        raise PlanError(
            _("En informationssäkerhetsrisk (kriterium e) ska ange vad den hotar: "
              "konfidentialitet, riktighet, tillgänglighet eller spårbarhet."),
            "aspects",
        )
    if Criterion.E not in data.criteria:
        data.aspects = []
    if (data.likelihood is None) != (data.consequence is None):
        raise PlanError(_("Ange både sannolikhet och konsekvens, eller ingen av dem."),
                        "likelihood")
    for value in (data.likelihood, data.consequence):
        if value is not None and not 1 <= value <= 4:
            raise PlanError(_("Sannolikhet och konsekvens bedöms på skalan 1-4."), "likelihood")
    if data.treatment is RiskTreatment.ACCEPT:
        data.accepted_by = clean(data.accepted_by)
        data.acceptance_reason = clean(data.acceptance_reason)
        if not (data.accepted_by and data.accepted_on and data.acceptance_reason):
            raise PlanError(
                _("En accepterad risk ska ange vem som beslutade, när och varför."),
                "accepted_by",
            )
    else:
        data.accepted_by = data.accepted_on = data.acceptance_reason = None
    return data


def _check_owner(plan: Plan, owner_id: int | None) -> None:
    """A riskägare is a live user of the plan's unit or a unit below it."""
    if owner_id is None:
        return
    owner = db.session.get(User, owner_id)  # usually already loaded: no query
    if (owner is None or owner.archived_at is not None or owner.org_unit is None
            or not plan.org_unit.contains(owner.org_unit)):
        raise PlanError(_("Riskägaren ska vara en användare i %(unit)s eller en enhet under den.",
                          unit=plan.org_unit.name), "owner_id")


def add_risk(area: ProcessArea, data: RiskContent, *, complete: bool = True) -> Risk:
    """Add a risk at the end of its verksamhet (no guard: callers check the plan)."""
    check_risk_data(data, complete=complete)
    _check_owner(area.plan, data.owner_id)
    risk = Risk(process_area=area, position=len(area.risks),
                region_wide=area.plan.is_region_plan)
    data.apply_to(risk)
    db.session.add(risk)
    return risk


def create_risk(area: ProcessArea, data: RiskContent, reason: str | None = None) -> Risk:
    reason = guard(area.plan, reason)
    risk = add_risk(area, data)
    db.session.flush()
    audit_log.record("risk_created", risk, area=area.name, text=shorten(risk.text))
    record_change(area.plan, reason)
    return risk


def update_risk(risk: Risk, data: RiskContent, area: ProcessArea, expected_version: int | None,
                reason: str | None = None) -> None:
    plan = risk.process_area.plan
    reason = guard(plan, reason)
    check_version(risk, expected_version)
    if area.plan_id != plan.id:
        raise PlanError(_("Verksamheten hör inte till planen."), "area")
    check_risk_data(data)
    _check_owner(plan, data.owner_id)
    if area.id != risk.process_area_id:
        risk.process_area = area
        risk.position = len(area.risks)
    data.apply_to(risk)
    audit_log.record("risk_updated", risk, text=shorten(risk.text))
    record_change(plan, reason)


def archive_risk(risk: Risk, reason: str | None = None,
                 expected_version: int | None = None) -> None:
    plan = risk.process_area.plan
    reason = guard(plan, reason)
    check_version(risk, expected_version)
    risk.archived_at = utcnow()
    audit_log.record("risk_archived", risk, text=shorten(risk.text))
    record_change(plan, reason)


def restore_risk(risk: Risk, reason: str | None = None,
                 expected_version: int | None = None) -> None:
    plan = risk.process_area.plan
    reason = guard(plan, reason)
    check_version(risk, expected_version)
    risk.archived_at = None
    risk.process_area.archived_at = None
    audit_log.record("risk_restored", risk, text=shorten(risk.text))
    record_change(plan, reason)


def check_action_data(data: ActionContent) -> ActionContent:
    data.text = (data.text or "").strip()
    data.responsible = clean(data.responsible)
    if not data.text:
        raise PlanError(_("Åtgärden måste ha en beskrivning."), "text")
    check_length(data.responsible, 200, _("Ansvarig"), "responsible")
    return data


def add_action(risk: Risk, data: ActionContent) -> Action:
    """Add an åtgärd at the end of the risk's list (no guard: callers check the plan)."""
    check_action_data(data)
    action = Action(risk=risk, region_wide=risk.process_area.plan.is_region_plan,
                    position=len(risk.actions))
    data.apply_to(action)
    db.session.add(action)
    return action


def create_action(risk: Risk, data: ActionContent, reason: str | None = None) -> Action:
    plan = risk.process_area.plan
    reason = guard(plan, reason)
    action = add_action(risk, data)
    db.session.flush()
    audit_log.record("action_created", action, risk=risk.id, text=shorten(action.text))
    record_change(plan, reason)
    return action


def update_action(action: Action, data: ActionContent, expected_version: int | None,
                  reason: str | None = None) -> None:
    plan = action.risk.process_area.plan
    reason = guard(plan, reason)
    check_version(action, expected_version)
    check_action_data(data)
    data.apply_to(action)
    audit_log.record("action_updated", action, text=shorten(action.text),
                     status=action.status.value)
    record_change(plan, reason)


def archive_action(action: Action, reason: str | None = None,
                   expected_version: int | None = None) -> None:
    plan = action.risk.process_area.plan
    reason = guard(plan, reason)
    check_version(action, expected_version)
    action.archived_at = utcnow()
    audit_log.record("action_archived", action, text=shorten(action.text))
    record_change(plan, reason)


