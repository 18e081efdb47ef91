"""One description of a risk and an åtgärd: the model, the form and the printed plan agree."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect

from isk.blueprints.plans.forms import ActionForm, RiskForm
from isk.extensions import db
from isk.models import Action, ActionStatus, Criterion, Risk, RiskTreatment, Role, SecurityAspect
from isk.services import plans
from isk.services.plans.document import build_document, from_snapshot, to_snapshot
from isk.services.plans.fields import ActionContent, RiskContent


@pytest.mark.parametrize(("content", "model", "form"), [
    (RiskContent, Risk, RiskForm), (ActionContent, Action, ActionForm)])
def test_every_content_field_is_a_model_attribute_and_a_form_field(app, content, model, form):
    attributes = set(inspect(model).all_orm_descriptors.keys()) | {
        name for name in dir(model) if isinstance(getattr(model, name, None), property)}
    with app.test_request_context():
        fields = set(form(meta={"csrf": False})._fields)

    assert set(content.field_names()) <= attributes
    assert set(content.field_names()) <= fields


def test_a_risk_reads_back_as_it_was_written_through_every_path(make_unit, make_user):
    """Model → content → model, and model → printed plan → stored version → printed plan."""
    unit = make_unit("Servicenämnden", code="SN")
    owner = make_user("agare@example.org", Role.MANAGER, unit)
    plan = plans.create_plan(unit, 2026)
    area = plans.add_process_area(plan, "Informationssäkerhet")
    written = RiskContent(
        "Risken att personuppgifter lämnas ut.", {Criterion.E, Criterion.C},
        aspects={SecurityAspect.TRACEABILITY, SecurityAspect.CONFIDENTIALITY}, likelihood=2,
        consequence=4, treatment=RiskTreatment.ACCEPT, accepted_by="Nämnden",
        accepted_on=date(2025, 11, 20), acceptance_reason="Låg kostnad att bära.",
        source="Revisionsrapport 19RS3049", owner_id=owner.id,
    )
    risk = plans.add_risk(area, written)
    plans.add_action(risk, ActionContent("Logga uttag.", "IT-chef", date(2026, 6, 30),
                                         ActionStatus.IN_PROGRESS))
    db.session.commit()
    db.session.expire_all()

    stored = db.session.get(Risk, risk.id)
    assert RiskContent.of(stored) == written
    assert written.criteria == [Criterion.C, Criterion.E]  # one order, whatever came in

    printed = build_document(plans.load_plan_for_display(plan.id)).risks()[0]
    again = from_snapshot(to_snapshot(build_document(plans.load_plan_for_display(plan.id))))
    reread = again.risks()[0]
    assert RiskContent.of(printed) == written
    assert RiskContent.of(reread) == written
    assert [ActionContent.of(a) for a in reread.actions] == [
        ActionContent("Logga uttag.", "IT-chef", date(2026, 6, 30), ActionStatus.IN_PROGRESS)]
    assert (reread.owner, reread.owner_email) == (owner.name, owner.email)


def test_a_risk_owner_must_belong_to_the_plans_unit(make_unit, make_user):
    sn = make_unit("Servicenämnden", code="SN")
    hsn = make_unit("Hälso- och sjukvårdsnämnden", code="HSN")
    outsider = make_user("hsn@example.org", Role.MANAGER, hsn)
    area = plans.add_process_area(plans.create_plan(sn, 2026), "Ekonomi")

    with pytest.raises(plans.PlanError, match="Riskägaren") as refused:
        plans.add_risk(area, RiskContent("Risk", {Criterion.C}, owner_id=outsider.id))
    assert refused.value.field == "owner_id"


def test_copy_to_next_year_carries_the_content_and_restarts_the_actions(make_unit, make_user):
    unit = make_unit("Servicenämnden", code="SN")
    owner = make_user("agare@example.org", Role.MANAGER, unit)
    plan = plans.create_plan(unit, 2026)
    area = plans.add_process_area(plan, "Ekonomi")
    content = RiskContent("Risken att fakturor betalas för sent.", {Criterion.D},
                          likelihood=3, consequence=2, source="Analys", owner_id=owner.id)
    risk = plans.add_risk(area, content)
    plans.add_action(risk, ActionContent("Bevaka förfallodagar.", "Ekonomichef",
                                         date(2026, 3, 1), ActionStatus.DONE))
    db.session.commit()

    copy = plans.copy_to_next_year(plan)
    db.session.commit()
    copied = copy.process_areas[0].risks[0]

    assert RiskContent.of(copied) == content
    assert copied.lineage_key == risk.lineage_key
    assert ActionContent.of(copied.actions[0]) == ActionContent(
        "Bevaka förfallodagar.", "Ekonomichef", None, ActionStatus.PLANNED)
