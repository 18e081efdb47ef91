"""A plan's lifecycle: utkast → fastställd → avslutad, archiving a draft, copying to next year."""

from __future__ import annotations

import enum
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ...extensions import db
from ...models import (
    Action,
    ActionStatus,
    OrgUnit,
    Plan,
    PlanRevision,
    PlanStatus,
    Risk,
    RiskTreatment,
    User,
)
from ...models.types import utcnow
from .. import audit_log, clock
from ..errors import ConflictError, PlanError
from ..text import shorten
from .content import add_process_area
from .fields import ActionContent, RiskContent
from .reading import live, load_plan_for_display, region_plan_for
from .revisions import content_fingerprint, dependent_plans, record_revision


class Transition(enum.StrEnum):
    """What can happen to a plan as a whole; which may happen now depends on its status."""

    ADOPT = "adopt"
    CLOSE = "close"
    ARCHIVE = "archive"
    COPY = "copy"
    IMPORT = "import"


def transition_refusal(plan: Plan, transition: Transition) -> str | None:
    """Why the plan cannot take this step now, or None if it can."""
    if plan.archived_at is not None:
        return _("Planen är arkiverad.")
    if transition is Transition.ADOPT and plan.status is not PlanStatus.DRAFT:
        return _("Bara ett utkast kan fastställas.")
    if transition is Transition.IMPORT and plan.status is not PlanStatus.DRAFT:
        return _("Import går bara till ett utkast. Planen är %(status)s.",
                 status=plan.status.label.lower())
    if transition is Transition.CLOSE:
        if plan.status is not PlanStatus.ADOPTED:
            return _("Bara en fastställd plan kan avslutas.")
        if not plan.annual_assessed:
            return _("Planen avslutas efter helårets ISK-bedömning: fastställ %(unit)s bedömning "
                     "för helår %(year)d först.", unit=plan.org_unit.name, year=plan.year)
    if transition is Transition.ARCHIVE:
        if plan.status is not PlanStatus.DRAFT:
            return _("Bara ett utkast kan arkiveras. En fastställd plan är ett beslut.")
        if dependent_plans(plan):
            return _("Regionens innehåll ingår i fastställda planer för %(year)d; utkastet "
                     "kan inte arkiveras.", year=plan.year)
    if transition is Transition.COPY and plan.has_next_year:
        return _("%(unit)s har redan en internkontrollplan för %(year)d.",
                 unit=plan.org_unit.name, year=plan.year + 1)
    return None


def allowed_transitions(plan: Plan) -> frozenset[Transition]:
    """The steps the plan can take now (whoever may take them: see permissions)."""
    return frozenset(t for t in Transition if transition_refusal(plan, t) is None)


def check_transition(plan: Plan, transition: Transition) -> None:
    refusal = transition_refusal(plan, transition)
    if refusal is not None:
        raise PlanError(refusal)


def next_plan_year() -> int:
    """The year a new plan is usually made for: next year (plans are adopted in the autumn)."""
    return clock.today().year + 1


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


def adopt_plan(
    plan: Plan, adopted_on: date, paragraph: str, diary_number: str | None,
    user: User | None = None, expected_fingerprint: str | None = None,
) -> PlanRevision:
    """Fastställ: record the nämnd's decision; revision 1 keeps the plan as adopted.

    With `expected_fingerprint`, the plan is adopted only if it still reads as it did when
    the decision-maker opened it.
    """
    check_transition(plan, Transition.ADOPT)
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
                     len(pending), risk=shorten(pending[0].text))
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
    db.session.refresh(plan, attribute_names=["annual_assessed"])  # may have changed since read
    check_transition(plan, Transition.CLOSE)
    plan.status = PlanStatus.CLOSED
    plan.closed_at = utcnow()
    audit_log.record("plan_closed", plan)


def archive_plan(plan: Plan) -> None:
    """Only a draft is archived; an adopted plan is a decision and stays."""
    check_transition(plan, Transition.ARCHIVE)
    plan.archived_at = utcnow()
    audit_log.record("plan_archived", plan)


def copy_to_next_year(plan: Plan) -> Plan:
    """Start next year's draft from this plan, keeping each risk's identity (lineage).

    Every risk keeps what it says; its åtgärder start over as planned, with no date, since
    the dates and the progress belong to the year that ends. Loads the plan in a fixed
    number of queries, whatever its size.
    """
    check_transition(plan, Transition.COPY)
    source = load_plan_for_display(plan.id) or plan
    copy = create_plan(plan.org_unit, plan.year + 1)
    for area in live(source.process_areas):
        new_area = add_process_area(copy, area.name)
        for risk in live(area.risks):
            new_risk = Risk(process_area=new_area, position=risk.position,
                            region_wide=risk.region_wide, lineage_key=risk.lineage_key)
            RiskContent.of(risk).apply_to(new_risk)
            db.session.add(new_risk)
            for action in live(risk.actions):
                content = ActionContent.of(action)
                content.due_date, content.status = None, ActionStatus.PLANNED
                new_action = Action(risk=new_risk, position=action.position,
                                    region_wide=action.region_wide)
                content.apply_to(new_action)
                db.session.add(new_action)
    db.session.flush()
    audit_log.record("plan_copied", copy, source_plan=plan.id, year=copy.year)
    return copy
