"""Rules the database itself enforces, whatever the forms say."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from isk.extensions import db
from isk.models import (
    Action,
    Criterion,
    OrgUnit,
    OrgUnitKind,
    Plan,
    ProcessArea,
    Risk,
    Role,
    SecurityAspect,
    User,
)
from isk.services import org, plans


@pytest.fixture
def area(make_unit):
    plan = plans.create_plan(make_unit("Servicenämnden"), 2026)
    area = plans.add_process_area(plan, "Ekonomi")
    db.session.commit()
    return area


def insert_fails(obj) -> None:
    db.session.add(obj)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_risk_entered_in_isk_names_its_criteria_but_an_imported_one_may_lack_them(area):
    with pytest.raises(plans.PlanError, match="minst ett av kriterierna"):
        plans.add_risk(area, plans.RiskContent("Risken att ..."))
    with pytest.raises(plans.PlanError, match="vad den hotar"):
        plans.add_risk(area, plans.RiskContent("Risken att ...", [Criterion.E]))
    imported = plans.add_risk(area, plans.RiskContent("Risken att fakturor betalas sent."),
                              complete=False)
    db.session.commit()
    assert imported.criteria == [] and plans.incomplete_risks(area.plan) == [imported]


def test_likelihood_and_consequence_are_1_to_4_in_the_database(area):
    insert_fails(
        Risk(process_area_id=area.id, text="R", criterion_c=True, likelihood=5, consequence=2)
    )
    insert_fails(
        Risk(process_area_id=area.id, text="R", criterion_c=True, likelihood=0, consequence=2)
    )


def test_a_risk_is_assessed_on_both_axes_or_neither(area):
    insert_fails(Risk(process_area_id=area.id, text="R", criterion_d=True, likelihood=2))


def test_a_blank_risk_or_action_text_is_refused(area):
    insert_fails(Risk(process_area_id=area.id, text="   ", criterion_c=True))
    risk = plans.add_risk(area, plans.RiskContent("Risken att fakturor inte betalas i tid.",
                                               {Criterion.D}))
    db.session.commit()
    insert_fails(Action(risk_id=risk.id, text=""))


def test_risk_score_is_likelihood_times_consequence_in_python_and_sql(area):
    plans.add_risk(area, plans.RiskContent("Låg", {Criterion.C}, likelihood=1, consequence=2))
    high = plans.add_risk(area, plans.RiskContent(
        "Hög", {Criterion.C, Criterion.E}, aspects={SecurityAspect.AVAILABILITY},
        likelihood=4, consequence=3))
    plans.add_risk(area, plans.RiskContent("Ej bedömd", {Criterion.C}))
    db.session.commit()

    assert high.risk_score == 12
    found = db.session.scalars(select(Risk).where(Risk.risk_score >= 10)).all()
    assert [risk.text for risk in found] == ["Hög"]
    assert high.criteria == [Criterion.C, Criterion.E]


def test_there_is_one_plan_per_unit_and_year(make_unit):
    unit = make_unit("Servicenämnden")
    plans.create_plan(unit, 2026)
    db.session.commit()

    insert_fails(Plan(org_unit_id=unit.id, year=2026))
    with pytest.raises(plans.PlanError, match="har redan en internkontrollplan för 2026"):
        plans.create_plan(unit, 2026)


def test_an_adopted_plan_needs_a_decision_date(make_unit):
    unit = make_unit("Servicenämnden")
    insert_fails(Plan(org_unit_id=unit.id, year=2026, status="adopted"))


def test_a_status_outside_the_lifecycle_is_refused(make_unit):
    unit = make_unit("Servicenämnden")
    db.session.add(Plan(org_unit_id=unit.id, year=2026, status="godkänd"))
    with pytest.raises((StatementError, LookupError)):
        db.session.flush()
    db.session.rollback()


def test_a_scoped_role_needs_an_org_unit_in_the_database(app):
    insert_fails(User(email="x@example.org", name="X", password_hash="x", role=Role.READER))


def test_foreign_keys_are_enforced(app):
    insert_fails(ProcessArea(plan_id=424242, name="HR"))


def test_only_a_region_is_a_root_unit(app):
    insert_fails(OrgUnit(name="Lös nämnd", code="LN", kind=OrgUnitKind.NAMND, path="/"))


def test_the_org_tree_keeps_kinds_in_order(make_unit):
    enhet = make_unit("Enhet A", OrgUnitKind.ENHET, parent=make_unit("Servicenämnden"))

    with pytest.raises(org.OrgError, match="kan inte ligga under"):
        org.create_org_unit("Förvaltningen", OrgUnitKind.FORVALTNING, "F1", enhet)
    sub = org.create_org_unit("Sektion", OrgUnitKind.ENHET, "S1", enhet)
    assert sub.path.startswith(enhet.path)


def test_a_unit_code_is_unique_regardless_of_case(make_unit):
    make_unit("Servicenämnden", code="SN")

    with pytest.raises(org.OrgError, match="används redan"):
        org.create_org_unit(
            "Annan",
            OrgUnitKind.NAMND,
            "sn",
            db.session.scalar(select(OrgUnit).where(OrgUnit.kind == OrgUnitKind.REGION)),
        )


def test_concurrent_edits_of_a_risk_do_not_silently_overwrite(area, app):
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    risk = plans.add_risk(area, plans.RiskContent("Ursprunglig", {Criterion.C}))
    db.session.commit()
    assert risk.version_id == 1  # loaded, as when a form was opened
    with Session(db.engine) as other:
        theirs = other.get(Risk, risk.id)
        theirs.text = "Deras ändring"
        other.commit()

    risk.text = "Min ändring"  # based on the version loaded before theirs
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()


def test_an_accepted_risk_records_who_when_and_why_in_the_database(area):
    insert_fails(Risk(process_area_id=area.id, text="R", criterion_c=True, treatment="accept",
                      accepted_by="Förvaltningschef"))
