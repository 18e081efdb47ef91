"""Carrying a förbättringsområde into next year's draft plan, as a risk or an åtgärd.

The new risk or åtgärd says where it came from (its källa, and the förbättringsområde links to
it), so next year's plan can be read back to the judgement that asked for it.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import (
    Action,
    Criterion,
    ImprovementArea,
    Plan,
    PlanStatus,
    Risk,
    SecurityAspect,
    User,
)
from ...models.types import utcnow
from .. import audit_log
from ..errors import ConflictError
from ..plans import create_action, create_risk, live, load_plan_for_display
from ..plans.content import add_process_area
from ..plans.fields import ActionContent, RiskContent
from .assessments import AssessmentError


def next_year_plan(item: ImprovementArea) -> Plan | None:
    """The unit's live plan of the year after the assessment's, with its content."""
    assessment = item.assessment
    plan_id = db.session.scalar(select(Plan.id).where(
        Plan.org_unit_id == assessment.org_unit_id, Plan.year == assessment.year + 1,
        Plan.archived_at.is_(None)))
    return load_plan_for_display(plan_id) if plan_id else None


def carry_refusal(item: ImprovementArea, plan: Plan | None) -> str | None:
    """Why the förbättringsområde cannot be carried into next year's plan now, or None."""
    year = item.assessment.year + 1
    if item.archived_at is not None:
        return _("Förbättringsområdet är borttaget.")
    if item.is_carried:
        return _("Förbättringsområdet är redan infört i planen för %(year)d.", year=year)
    if plan is None:
        return _("Det finns ännu ingen internkontrollplan för %(year)d. Skapa utkastet först, "
                 "till exempel genom att kopiera årets plan.", year=year)
    if plan.status is not PlanStatus.DRAFT:
        return _("Planen för %(year)d är redan fastställd; förbättringsområden förs in i ett "
                 "utkast.", year=year)
    return None


def _source(item: ImprovementArea) -> str:
    assessment = item.assessment
    return _("ISK-bedömning %(period)s %(year)d: förbättringsområde",
             period=assessment.period.label.lower(), year=assessment.year)


def _check(item: ImprovementArea) -> Plan:
    plan = next_year_plan(item)
    refusal = carry_refusal(item, plan)
    if refusal is not None:
        if item.is_carried:
            raise ConflictError(refusal)
        raise AssessmentError(refusal)
    assert plan is not None
    return plan


def carry_as_risk(item: ImprovementArea, area_name: str, criteria: Iterable[Criterion],
                  aspects: Iterable[SecurityAspect] = (), user: User | None = None) -> Risk:
    """A new risk in next year's draft, under the named verksamhet (made if it is new)."""
    plan = _check(item)
    area = add_process_area(plan, area_name)
    db.session.flush()
    risk = create_risk(area, RiskContent(item.text, list(criteria), aspects=list(aspects),
                                         source=_source(item)))
    item.carried_risk = risk
    item.carried_at = utcnow()
    audit_log.record("improvement_carried", item, plan=plan.id, risk=risk.id)
    return risk


def carry_as_action(item: ImprovementArea, risk_id: int, user: User | None = None) -> Action:
    """A new åtgärd on one of the draft's own risks."""
    plan = _check(item)
    risk = next((r for area in live(plan.process_areas) for r in live(area.risks)
                 if r.id == risk_id), None)
    if risk is None:
        raise AssessmentError(_("Välj en risk i planen för %(year)d.", year=plan.year),
                              "risk_id")
    action = create_action(risk, ActionContent(item.text))
    item.carried_action = action
    item.carried_at = utcnow()
    audit_log.record("improvement_carried", item, plan=plan.id, action=action.id)
    return action
