"""Editing an IK-plan: verksamheter, risks, åtgärder, permissions, lifecycle and revisions."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from isk.extensions import db
from isk.models import (
    Action,
    Criterion,
    OrgUnitKind,
    Plan,
    PlanRevision,
    PlanStatus,
    Risk,
    RiskTreatment,
    Role,
)
from isk.services import plans

from .plan_helpers import assess_year, csrf_from, page_text, pdf_text, post_form, squeeze


@pytest.fixture
def setup(make_unit, make_user, auth):
    """A region with a nämnd plan (draft) and the region plan, and a controller logged in."""
    sn = make_unit("Servicenämnden", code="SN")
    hsn = make_unit("Hälso- och sjukvårdsnämnden", code="HSN")
    region = sn.parent
    plan = plans.create_plan(sn, 2026)
    area = plans.add_process_area(plan, "Ekonomi")
    region_plan = plans.create_plan(region, 2026)
    region_area = plans.add_process_area(region_plan, "HR")
    region_risk = plans.add_risk(region_area, plans.RiskContent(
        "Risk att systematiskt arbetsmiljöarbete (SAM) inte är välfungerande.", {Criterion.C}))
    plans.add_action(region_risk, plans.ActionContent("Varje chef följer upp SAM årligen."))
    db.session.commit()
    make_user("kim@example.org", Role.CONTROLLER, sn)
    make_user("chef@example.org", Role.MANAGER, sn)
    make_user("lasare@example.org", Role.READER, sn)
    make_user("hsn@example.org", Role.CONTROLLER, hsn)
    auth.login("kim@example.org")
    return {"plan": plan, "area": area, "region_plan": region_plan, "region_risk": region_risk}


RISK_FORM = {
    "text": "Risken att leverantörsfakturor inte betalas i tid.",
    "criteria": ["c", "d"],
    "likelihood": "3",
    "consequence": "2",
    "treatment": "mitigate",
    "owner_id": "0",
    "source": "Revisionsrapport 19RS3049",
}


def new_risk(client, plan, area, **changes):
    data = {**RISK_FORM, "area": str(area.id), **changes}
    return post_form(client, f"/planer/{plan.id}/risker/ny", data)


def test_a_controller_adds_a_risk_and_an_action_through_the_forms(setup, client):
    plan, area = setup["plan"], setup["area"]

    response = new_risk(client, plan, area)
    assert response.status_code == 302
    risk = db.session.scalars(select(Risk).where(Risk.text.startswith("Risken att lev"))).one()
    assert risk.criteria == [Criterion.C, Criterion.D]
    assert risk.risk_score == 6
    assert risk.region_wide is False

    response = post_form(client, f"/planer/{plan.id}/risker/{risk.id}/atgarder/ny", {
        "text": "Månadsvisa kontroller av ej attesterade fakturor.", "responsible": "Ekonomichef",
        "due_date": "2026-06-30", "status": "in_progress",
    })
    assert response.status_code == 302
    page = page_text(client.get(f"/planer/{plan.id}"))
    assert "Månadsvisa kontroller av ej attesterade fakturor." in page
    assert "Ansvarig: Ekonomichef" in page
    assert "Riskvärde: 6 (3 × 2)" in page
    assert "Källa: Revisionsrapport 19RS3049" in page


def test_a_risk_needs_a_criterion(setup, client):
    response = new_risk(client, setup["plan"], setup["area"], criteria=[])

    assert response.status_code == 400
    assert "minst ett av kriterierna c, d och e" in response.get_data(as_text=True)
    assert db.session.scalar(select(Risk.id).where(Risk.text.startswith("Risken att lev"))) is None


def test_an_information_security_risk_names_what_it_threatens(setup, client):
    plan, area = setup["plan"], setup["area"]
    refused = new_risk(client, plan, area, criteria=["e"])
    accepted = new_risk(client, plan, area, criteria=["e"], aspects=["confidentiality",
                                                                     "traceability"])

    assert refused.status_code == 400
    assert "konfidentialitet, riktighet, tillgänglighet eller spårbarhet" in refused.get_data(
        as_text=True)
    assert accepted.status_code == 302
    risk = db.session.scalars(select(Risk).where(Risk.criterion_e)).one()
    assert [a.value for a in risk.aspects] == ["confidentiality", "traceability"]


def test_an_accepted_risk_records_who_when_and_why(setup, client):
    plan, area = setup["plan"], setup["area"]
    incomplete = new_risk(client, plan, area, treatment="accept", accepted_by="Förvaltningschef")
    complete = new_risk(client, plan, area, treatment="accept", accepted_by="Förvaltningschef",
                        accepted_on="2026-01-15", acceptance_reason="Låg sannolikhet, låg kostnad.")

    assert incomplete.status_code == 400
    assert "vem som beslutade, när och varför" in incomplete.get_data(as_text=True)
    assert complete.status_code == 302
    risk = db.session.scalars(select(Risk).where(Risk.treatment == RiskTreatment.ACCEPT)).one()
    assert (risk.accepted_by, risk.accepted_on) == ("Förvaltningschef", date(2026, 1, 15))


def test_the_plan_page_warns_about_a_risk_without_action_and_adoption_is_refused(
    setup, client, auth
):
    plan, area = setup["plan"], setup["area"]
    new_risk(client, plan, area)
    assert "1 risk saknar åtgärd" in page_text(client.get(f"/planer/{plan.id}"))
    auth.logout()
    auth.login("chef@example.org")

    response = post_form(client, f"/planer/{plan.id}/faststall", {
        "adopted_on": "2025-11-20", "paragraph": "SN § 45", "diary_number": "SN 2025/1871"})

    assert response.status_code == 400
    assert "saknar åtgärd" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).status is PlanStatus.DRAFT


def test_adopting_records_the_decision_and_version_1(setup, client, auth):
    plan = setup["plan"]
    auth.logout()
    auth.login("chef@example.org")

    response = post_form(client, f"/planer/{plan.id}/faststall", {
        "adopted_on": "2025-11-20", "paragraph": "SN § 45", "diary_number": "SN 2025/1871"})

    assert response.status_code == 302
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert plan.status is PlanStatus.ADOPTED
    assert plan.adoption_reference == "SN § 45, 2025-11-20"
    assert [(r.number, r.reason) for r in plan.revisions] == [
        (1, "Fastställd (SN § 45, 2025-11-20)")]


def adopt(plan) -> None:
    plans.adopt_plan(plan, date(2025, 11, 20), "SN § 45", None)
    db.session.commit()


def test_a_change_to_an_adopted_plan_needs_a_reason_and_becomes_a_revision(setup, client):
    plan, area = setup["plan"], setup["area"]
    adopt(plan)

    without = new_risk(client, plan, area)
    with_reason = new_risk(client, plan, area, reason="Ny risk efter revisionsrapport.")

    assert without.status_code == 400
    assert "Ange varför den ändras" in without.get_data(as_text=True)
    assert with_reason.status_code == 302
    revisions = db.session.scalars(
        select(PlanRevision).where(PlanRevision.plan_id == plan.id).order_by(PlanRevision.number)
    ).all()
    assert [r.reason for r in revisions] == ["Fastställd (SN § 45, 2025-11-20)",
                                             "Ny risk efter revisionsrapport."]
    assert revisions[1].created_by.email == "kim@example.org"
    first = page_text(client.get(f"/planer/{plan.id}/versioner/1"))
    second = page_text(client.get(f"/planer/{plan.id}/versioner/2"))
    assert "Risken att leverantörsfakturor" not in first
    assert "Risken att leverantörsfakturor" in second
    old_pdf = pdf_text(client.get(f"/planer/{plan.id}/versioner/1.pdf").data)
    assert "Version 1" in old_pdf
    assert squeeze("Risken att leverantörsfakturor") not in squeeze(old_pdf)


def test_a_closed_plan_cannot_be_changed(setup, client):
    plan, area = setup["plan"], setup["area"]
    adopt(plan)
    assess_year(plan.org_unit, plan.year)
    plans.close_plan(plan)
    db.session.commit()

    response = new_risk(client, plan, area, reason="Sent tillägg")

    assert response.status_code == 400
    assert "avslutad" in response.get_data(as_text=True)


def test_editing_with_a_stale_form_is_refused_with_409(setup, client):
    plan, area = setup["plan"], setup["area"]
    new_risk(client, plan, area)
    risk = db.session.scalars(select(Risk).where(Risk.text.startswith("Risken att lev"))).one()
    path = f"/planer/{plan.id}/risker/{risk.id}"
    form_page = client.get(path)
    token = csrf_from(form_page)
    version = re.search(r'name="version" type="hidden" value="(\d+)"',
                        form_page.get_data(as_text=True)).group(1)
    plans.update_risk(risk, plans.RiskContent("Någon annans text", {Criterion.C}), area, None)
    db.session.commit()

    response = client.post(path, data={**RISK_FORM, "area": str(area.id), "csrf_token": token,
                                       "version": version, "text": "Min text"})

    assert response.status_code == 409
    assert "Någon annan har ändrat uppgiften" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Risk, risk.id).text == "Någon annans text"


def test_archiving_keeps_the_risk_and_it_can_be_restored(setup, client):
    plan, area = setup["plan"], setup["area"]
    new_risk(client, plan, area)
    risk = db.session.scalars(select(Risk).where(Risk.text.startswith("Risken att lev"))).one()

    assert post_form(client, f"/planer/{plan.id}/risker/{risk.id}/arkivera", {}).status_code == 302
    page = client.get(f"/planer/{plan.id}").get_data(as_text=True)
    assert f'id="risk-{risk.id}"' not in page
    assert "Arkiverade risker" in page
    db.session.expire_all()
    assert db.session.get(Risk, risk.id).archived_at is not None

    assert post_form(client, f"/planer/{plan.id}/risker/{risk.id}/aterstall", {}).status_code == 302
    assert f'id="risk-{risk.id}"' in client.get(f"/planer/{plan.id}").get_data(as_text=True)


def test_region_wide_content_appears_in_every_namnd_plan_and_is_marked(setup, client,
                                                                        make_unit):
    plan = setup["plan"]
    other = plans.create_plan(make_unit("Kulturnämnden", code="KN"), 2026)
    db.session.commit()

    text = page_text(client.get(f"/planer/{plan.id}"))
    assert "Risk att systematiskt arbetsmiljöarbete (SAM)" in text
    assert "Regionövergripande" in text
    for shown in (plan, other):
        first_area = plans.document_for(shown).areas[0]
        assert first_area.name == "HR"
        assert first_area.risks[0].region_wide


def test_a_namnd_controller_cannot_edit_the_regions_content(setup, client):
    region_plan, region_risk = setup["region_plan"], setup["region_risk"]

    page = client.get(f"/planer/{setup['plan'].id}").get_data(as_text=True)
    response = client.get(f"/planer/{region_plan.id}/risker/{region_risk.id}")

    assert f"/planer/{region_plan.id}/risker/{region_risk.id}\"" not in page
    assert response.status_code == 403


def test_a_reader_cannot_change_a_plan_by_url(setup, client, auth):
    plan, area = setup["plan"], setup["area"]
    auth.logout()
    auth.login("lasare@example.org")

    assert client.get(f"/planer/{plan.id}/risker/ny").status_code == 403
    token = csrf_from(client.get("/"))
    response = client.post(f"/planer/{plan.id}/risker/ny",
                           data={**RISK_FORM, "area": str(area.id), "csrf_token": token})
    assert response.status_code == 403
    assert db.session.scalar(select(Risk.id).where(Risk.text.startswith("Risken att lev"))) is None


def test_a_controller_of_another_namnd_cannot_edit(setup, client, auth):
    plan = setup["plan"]
    auth.logout()
    auth.login("hsn@example.org")

    assert client.get(f"/planer/{plan.id}/risker/ny").status_code == 403
    assert client.get(f"/planer/{plan.id}").status_code == 403


def test_copy_to_next_year_keeps_each_risks_identity(setup, client):
    plan, area = setup["plan"], setup["area"]
    new_risk(client, plan, area)
    risk = db.session.scalars(select(Risk).where(Risk.text.startswith("Risken att lev"))).one()
    post_form(client, f"/planer/{plan.id}/risker/{risk.id}/atgarder/ny",
              {"text": "Kontroll", "status": "done"})

    token = csrf_from(client.get(f"/planer/{plan.id}"))
    response = client.post(f"/planer/{plan.id}/kopiera", data={"csrf_token": token})

    assert response.status_code == 302
    copy = db.session.scalars(select(Plan).where(Plan.year == 2027)).one()
    copied = db.session.scalars(
        select(Risk).where(Risk.lineage_key == risk.lineage_key, Risk.id != risk.id)).one()
    assert copied.process_area.plan_id == copy.id
    assert copied.risk_score == 6
    assert [a.status.value for a in copied.actions] == ["planned"]
    history = page_text(client.get(f"/planer/{copy.id}/risker/{copied.id}"))
    assert "Riskvärde år för år" in history
    assert "2026" in history and "2027" in history


def test_an_area_can_be_added_renamed_and_archived_when_empty(setup, client):
    plan = setup["plan"]
    assert post_form(client, f"/planer/{plan.id}/verksamheter/ny",
                     {"name": "Kontinuitetshantering"}).status_code == 302
    duplicate = post_form(client, f"/planer/{plan.id}/verksamheter/ny",
                          {"name": "Kontinuitetshantering"})
    area = next(a for a in db.session.get(Plan, plan.id).process_areas
                if a.name == "Kontinuitetshantering")

    renamed = post_form(client, f"/planer/{plan.id}/verksamheter/{area.id}",
                        {"name": "Krisberedskap", "version": str(area.version_id)})
    archived = post_form(client, f"/planer/{plan.id}/verksamheter/{area.id}/arkivera", {})

    assert duplicate.status_code == 400
    assert "har redan verksamheten" in duplicate.get_data(as_text=True)
    assert renamed.status_code == 302 and archived.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(area), area.id).name == "Krisberedskap"
    assert db.session.get(type(area), area.id).archived_at is not None


def test_a_region_change_records_a_revision_in_adopted_namnd_plans(setup, make_user):
    plan, region_risk = setup["plan"], setup["region_risk"]
    adopt(plan)

    plans.create_action(region_risk, plans.ActionContent("Fördelande chef stämmer av årligen."),
                        reason="Ny regionövergripande åtgärd")
    db.session.commit()

    reasons = [r.reason for r in db.session.get(Plan, plan.id).revisions]
    assert reasons[-1] == "Regionövergripande ändring: Ny regionövergripande åtgärd"
    snapshot_actions = [a["text"] for area in db.session.get(Plan, plan.id).revisions[-1]
                        .snapshot["areas"] for r in area["risks"] for a in r["actions"]]
    assert "Fördelande chef stämmer av årligen." in snapshot_actions


def test_a_new_plan_is_made_for_a_unit_in_scope_only(setup, client, make_unit):
    sn = setup["plan"].org_unit
    rs = make_unit("Regionservice", OrgUnitKind.FORVALTNING, parent=sn, code="RS")
    hsn = db.session.scalars(select(type(sn)).where(type(sn).code == "HSN")).one()

    made = post_form(client, "/planer/ny", {"org_unit": str(rs.id), "year": "2026"})
    refused = post_form(client, "/planer/ny", {"org_unit": str(hsn.id), "year": "2026"})
    duplicate = post_form(client, "/planer/ny", {"org_unit": str(sn.id), "year": "2026"})

    assert made.status_code == 302
    assert refused.status_code == 400  # not among the choices
    assert duplicate.status_code == 400
    assert "har redan en internkontrollplan för 2026" in duplicate.get_data(as_text=True)


def test_nothing_is_hard_deleted_an_archived_action_stays_in_the_database(setup, client):
    region_risk = setup["region_risk"]
    plan, area = setup["plan"], setup["area"]
    new_risk(client, plan, area)
    risk = db.session.scalars(select(Risk).where(Risk.text.startswith("Risken att lev"))).one()
    post_form(client, f"/planer/{plan.id}/risker/{risk.id}/atgarder/ny", {"text": "X",
                                                                          "status": "planned"})
    action = db.session.scalars(select(Action).where(Action.risk_id == risk.id)).one()

    post_form(client, f"/planer/{plan.id}/atgarder/{action.id}/arkivera", {})

    db.session.expire_all()
    assert db.session.get(Action, action.id).archived_at is not None
    assert region_risk.id is not None


def test_a_draft_region_plan_printed_by_adopted_plans_changes_only_with_a_reason(setup):
    plan, region_plan, region_risk = setup["plan"], setup["region_plan"], setup["region_risk"]
    adopt(plan)
    assert region_plan.status is PlanStatus.DRAFT

    with pytest.raises(plans.PlanError, match="ingår i fastställda planer"):
        plans.create_action(region_risk, plans.ActionContent("Tyst ändring"))
    db.session.rollback()
    plans.create_action(region_risk, plans.ActionContent("Ny åtgärd"), reason="Beslut i RS")
    db.session.commit()

    assert [r.reason for r in db.session.get(Plan, plan.id).revisions][-1] == \
        "Regionövergripande ändring: Beslut i RS"
    with pytest.raises(plans.PlanError, match="kan inte arkiveras"):
        plans.archive_plan(region_plan)


def test_a_closed_plan_freezes_the_region_content_it_printed(setup):
    plan, region_risk = setup["plan"], setup["region_risk"]
    adopt(plan)
    assess_year(plan.org_unit, plan.year)
    plans.close_plan(plan)
    db.session.commit()

    with pytest.raises(plans.PlanError, match="ingår i en avslutad plan"):
        plans.create_action(region_risk, plans.ActionContent("Sent"), reason="För sent")


def test_adoption_is_refused_if_the_plan_changed_after_the_page_was_opened(setup, client, auth):
    plan, area = setup["plan"], setup["area"]
    auth.logout()
    auth.login("chef@example.org")
    page = client.get(f"/planer/{plan.id}/faststall")
    plans.add_risk(area, plans.RiskContent("Inlagd under tiden", {Criterion.C},
                                        treatment=RiskTreatment.ACCEPT, accepted_by="X",
                                        accepted_on=date(2025, 1, 1), acceptance_reason="Y"))
    db.session.commit()

    from .plan_helpers import hidden_fields
    response = client.post(f"/planer/{plan.id}/faststall", data={
        **hidden_fields(page), "adopted_on": "2025-11-20", "paragraph": "SN § 45"})

    assert response.status_code == 409
    assert "Planen har ändrats sedan du öppnade sidan" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).status is PlanStatus.DRAFT


def test_an_archive_form_without_its_version_changes_nothing(setup, client):
    plan, area = setup["plan"], setup["area"]
    new_risk(client, plan, area)
    risk = db.session.scalars(select(Risk).where(Risk.text.startswith("Risken att lev"))).one()

    response = client.post(f"/planer/{plan.id}/risker/{risk.id}/arkivera",
                           data={"csrf_token": csrf_from(client.get(f"/planer/{plan.id}"))})

    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Risk, risk.id).archived_at is None


def test_a_new_plan_for_the_year_of_an_archived_draft_brings_the_draft_back(setup):
    plan = setup["plan"]
    plans.archive_plan(plan)
    db.session.commit()

    again = plans.create_plan(plan.org_unit, 2026)

    assert again.id == plan.id
    assert again.archived_at is None


def test_recording_a_version_does_not_query_per_risk(make_unit, query_counter):
    counts = []
    for size, code in ((3, "AN"), (60, "BN")):
        plan = plans.create_plan(make_unit(f"Nämnd {code}", code=code), 2026)
        area = plans.add_process_area(plan, "Ekonomi")
        for n in range(size):
            risk = plans.add_risk(area, plans.RiskContent(f"Risk {n}", {Criterion.C}))
            plans.add_action(risk, plans.ActionContent(f"Åtgärd {n}"))
        adopt(plan)
        db.session.expire_all()
        plan = db.session.get(Plan, plan.id)
        with query_counter() as statements:
            plans.record_revision(plan, "Kontroll av antalet frågor")
            db.session.flush()
        counts.append(len(statements))
        db.session.commit()

    assert counts[0] == counts[1], counts
    assert len(db.session.get(Plan, plan.id).revisions[-1].snapshot["areas"][0]["risks"]) == 60


def _plan_of_size(make_unit, code: str, size: int, *, with_actions: bool = True) -> Plan:
    plan = plans.create_plan(make_unit(f"Nämnd {code}", code=code), 2026)
    area = plans.add_process_area(plan, "Ekonomi")
    for n in range(size):
        risk = plans.add_risk(area, plans.RiskContent(f"Risk {n}", {Criterion.C}))
        if with_actions:
            plans.add_action(risk, plans.ActionContent(f"Åtgärd {n}"))
    db.session.commit()
    return plan


def test_a_refused_adoption_runs_as_many_queries_at_6_as_at_24_risks(
        make_unit, make_user, client, auth, query_counter):
    """The adopt page and its refusal load the plan in a fixed number of queries."""
    counts = []
    for size, code in ((6, "AN"), (24, "BN")):
        plan = _plan_of_size(make_unit, code, size, with_actions=False)  # every risk unhandled
        make_user(f"chef{code}@example.org", Role.MANAGER, plan.org_unit)
        auth.login(f"chef{code}@example.org")
        page = client.get(f"/planer/{plan.id}/faststall")
        with query_counter() as statements:
            refused = client.post(f"/planer/{plan.id}/faststall", data={
                "csrf_token": csrf_from(page), "adopted_on": "2025-11-20",
                "paragraph": "SN § 45", "fingerprint": ""})
        assert refused.status_code in (400, 409)
        counts.append(len(statements))
        auth.logout()

    assert counts[0] == counts[1], counts


def test_copying_to_next_year_runs_as_many_queries_for_a_small_plan_as_a_big_one(
        make_unit, query_counter, backend):
    """Reads are fixed on both databases; on PostgreSQL the inserts are batched too (SQLite
    cannot return the ids of a many-row INSERT in order, so SQLAlchemy inserts row by row)."""
    counts, reads = [], []
    for size, code in ((3, "AN"), (40, "BN")):
        plan = _plan_of_size(make_unit, code, size)
        db.session.expire_all()
        plan = db.session.get(Plan, plan.id)
        with query_counter() as statements:
            copy = plans.copy_to_next_year(plan)
            db.session.flush()
        counts.append(len(statements))
        reads.append(sum(s.lstrip().upper().startswith("SELECT") for s in statements))
        assert len(copy.process_areas[0].risks) == size
        db.session.commit()

    assert reads[0] == reads[1], reads
    if backend == "postgresql":
        assert counts[0] == counts[1], counts


def test_the_reason_field_shows_wherever_the_service_asks_for_a_reason(
        setup, client, auth, make_user):
    """A draft region plan printed by an adopted nämnd plan asks why it changes; its forms
    carry the reason field (before, only adopted plans' forms did, so the change was stuck)."""
    region_plan, region_risk = setup["region_plan"], setup["region_risk"]
    adopt(setup["plan"])
    auth.login_via_session(make_user("admin@example.org", Role.ADMIN))
    form_path = f"/planer/{region_plan.id}/risker/{region_risk.id}/atgarder/ny"

    form = client.get(form_path)
    refused = post_form(client, form_path, {"text": "Ny regionövergripande åtgärd",
                                            "status": "planned"})
    accepted = post_form(client, form_path, {"text": "Ny regionövergripande åtgärd",
                                             "status": "planned", "reason": "Beslut RS § 12"})

    assert region_plan.status is PlanStatus.DRAFT
    assert 'name="reason"' in form.get_data(as_text=True)
    assert refused.status_code == 400
    assert "ingår i fastställda planer" in page_text(refused)
    assert accepted.status_code == 302


def test_a_closed_plan_offers_no_changes_on_its_pages(setup, client, auth, make_user):
    plan = setup["plan"]
    adopt(plan)
    assess_year(plan.org_unit, plan.year)
    plans.close_plan(plan)
    db.session.commit()
    auth.login_via_session(make_user("admin@example.org", Role.ADMIN))

    page = client.get(f"/planer/{plan.id}").get_data(as_text=True)
    controls = client.get(f"/planer/{plan.id}/kontroller").get_data(as_text=True)

    for offer in ("/risker/ny", "/avsluta", "/arkivera", "/importera", "/faststall",
                  "/verksamheter/ny"):
        assert f"/planer/{plan.id}{offer}" not in page, offer
    assert f"/planer/{plan.id}/kopiera" in page  # next year's draft can still start from it
    assert f"/planer/{plan.id}/kontroller/ny" not in controls


def test_copy_is_offered_only_while_next_years_plan_does_not_exist(setup, client):
    plan = setup["plan"]
    assert f"/planer/{plan.id}/kopiera" in client.get(f"/planer/{plan.id}").get_data(as_text=True)

    plans.copy_to_next_year(plan)
    db.session.commit()

    page = client.get(f"/planer/{plan.id}").get_data(as_text=True)
    assert f"/planer/{plan.id}/kopiera" not in page
    with pytest.raises(plans.PlanError, match="redan en internkontrollplan för 2027"):
        plans.copy_to_next_year(plan)


def test_a_version_shows_and_prints_what_it_changed_and_the_plan_says_it_was_changed(
        setup, client):
    plan, area = setup["plan"], setup["area"]
    risk = plans.add_risk(area, plans.RiskContent("Risken att fakturor betalas sent.",
                                                  {Criterion.D}, likelihood=2, consequence=2))
    kept = plans.add_action(risk, plans.ActionContent("Bevaka förfallodagar."))
    dropped = plans.add_action(risk, plans.ActionContent("Gammal åtgärd."))
    db.session.commit()
    adopt(plan)
    plans.update_risk(risk, plans.RiskContent("Risken att fakturor betalas sent.",
                                              {Criterion.D}, likelihood=3, consequence=4),
                      area, risk.version_id, "Ny bedömning efter revisionen")
    plans.archive_action(dropped, "Ersatt")
    plans.create_action(risk, plans.ActionContent("Ny kontroll av förfallodagar."), "Tillägg")
    db.session.commit()
    numbers = [r.number for r in db.session.get(Plan, plan.id).revisions]

    page = page_text(client.get(f"/planer/{plan.id}/versioner/2"))
    page = page[page.index("Ändringar mot version 1"):page.index("Så läser du planen")]
    printed = squeeze(pdf_text(client.get(f"/planer/{plan.id}/versioner/3.pdf").data))
    current = squeeze(pdf_text(client.get(f"/planer/{plan.id}/export.pdf").data))

    assert numbers == [1, 2, 3, 4]
    assert "Ändrad risk" in page and "Sannolikhet: 2 → 3" in page and "Konsekvens: 2 → 4" in page
    assert squeeze("Borttagen åtgärd: Gammal åtgärd.") in printed
    assert kept.text not in page  # an unchanged åtgärd is not a change
    assert squeeze("Ändrad efter fastställande: version 4") in current
    assert squeeze("Tillägg") in current
