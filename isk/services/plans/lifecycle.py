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
    Criterion,
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


def incomplete_risks(plan: Plan) -> list[Risk]:
    """Risks that do not say which krav they threaten (no criterion), or, under e, what in
    the information is threatened: nothing is assumed for them, and adoption waits."""
    return [
        risk
        for area in live(plan.process_areas)
        for risk in live(area.risks)
        if not risk.criteria or (Criterion.E in risk.criteria and not risk.aspects)
    ]


def _named(risks: list[Risk], limit: int = 3) -> str:
    names = ", ".join(f"”{shorten(risk.text, 60)}”" for risk in risks[:limit])
    if len(risks) > limit:
        names += " " + ngettext("och %(num)d till", "och %(num)d till", len(risks) - limit)
    return names


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
    if adopted_on > clock.today():
        raise PlanError(_("Beslutsdatumet %(date)s har inte kommit än. Ange dagen då nämnden "
                          "fattade beslutet.", date=adopted_on.isoformat()), "adopted_on")
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
    incomplete = incomplete_risks(plan) + (incomplete_risks(region_plan) if region_plan else [])
    without_criteria = [risk for risk in incomplete if not risk.criteria]
    if without_criteria:
        raise PlanError(ngettext(
            "Planen kan inte fastställas: %(num)d risk saknar kriterium (c, d eller e): "
            "%(risks)s. Ange vilka krav risken hotar.",
            "Planen kan inte fastställas: %(num)d risker saknar kriterium (c, d eller e): "
            "%(risks)s. Ange vilka krav varje risk hotar.",
            len(without_criteria), risks=_named(without_criteria)))
    if incomplete:
        raise PlanError(ngettext(
            "Planen kan inte fastställas: %(num)d risk mot informationssäkerheten (e) anger "
            "inte vad som hotas: %(risks)s. Ange konfidentialitet, riktighet, tillgänglighet "
            "eller spårbarhet.",
            "Planen kan inte fastställas: %(num)d risker mot informationssäkerheten (e) anger "
            "inte vad som hotas: %(risks)s. Ange konfidentialitet, riktighet, tillgänglighet "
            "eller spårbarhet.",
            len(incomplete), risks=_named(incomplete)))
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


def region_rows_missing(plan: Plan) -> str | None:
    """Why a plan lacks the region's shared rows that its previous year had, or None.

    The regionövergripande risks and åtgärder are the region's, in the region's plan of each
    year; a nämnd's copy does not take them along. Until the region has put them in its
    plan for the year, the nämnd's plan prints without them.
    """
    if plan.is_region_plan:
        return None
    previous = db.session.scalar(select(Plan).where(
        Plan.org_unit_id == plan.org_unit_id, Plan.year == plan.year - 1,
        Plan.archived_at.is_(None)))
    before = region_plan_for(previous) if previous is not None else None
    if before is None or not any(live(area.risks) for area in live(before.process_areas)):
        return None
    now = region_plan_for(plan)
    if now is None:
        return _("Regionen har ännu ingen plan för %(year)d: de regionövergripande riskerna "
                 "och åtgärderna kommer med i planen när regionen lagt in dem.", year=plan.year)
    if not any(live(area.risks) for area in live(now.process_areas)):
        return _("Regionens plan för %(year)d har ännu inga regionövergripande risker: de "
                 "kommer med i planen när regionen lagt in dem.", year=plan.year)
    return None


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
