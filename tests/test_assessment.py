"""The ISK-bedömning: evidence from the records, drafting, fastställa, versions with their
diff, förbättringsområden carried into next year's plan, closing the plan, the PDF and CLI."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from isk.extensions import db
from isk.models import (
    ActionStatus,
    Assessment,
    AssessmentPeriod,
    AssessmentRevision,
    AssessmentStatus,
    Criterion,
    Judgement,
    OrgUnit,
    PlanStatus,
    RemediationStatus,
    ResultCategory,
    Risk,
    Role,
)
from isk.services import assessment, clock, controls, plans
from isk.services.assessment import AssessmentContent

from . import control_helpers
from .plan_helpers import csrf_from, page_text, pdf_text, post_form, squeeze

files_dir, world = control_helpers.files_dir, control_helpers.world  # fixtures

COMPLETE = dict(
    judgement=Judgement.PARTLY,
    motivation="Två kontroller visade brister; åtgärder är vidtagna.",
    statement_a="Uppdragen är fullgjorda.", statement_b="Inom ram.",
    statement_c="Attesten brast i en kontroll.", statement_d="Rättvisande.",
    statement_e="Tillgodosedd.",
)


def adopted_plan(world) -> None:
    plans.adopt_plan(world["plan"], date(2025, 11, 20), "SN § 45", None)
    db.session.commit()


def record(world, category: ResultCategory, when: date, comment: str, description: str):
    control = control_helpers.make_control(world, description=description, occurrences=[])
    result = controls.record_result(control, controls.ResultData(
        when.isoformat(), comment, category, "Åtgärdsplan upprättad." if category.is_deviation
        else None, RemediationStatus.PLAN_MADE if category.is_deviation else None))
    db.session.commit()
    return control, result


@pytest.fixture
def draft(world):
    item = assessment.create_assessment(world["plan"].org_unit, 2026, AssessmentPeriod.ANNUAL)
    db.session.commit()
    return item


# --- the evidence ---------------------------------------------------------------------------


def test_the_evidence_is_computed_from_what_is_recorded(world, make_user):
    adopted_plan(world)
    world["action"].status = ActionStatus.DONE
    risk = plans.add_risk(world["area"], plans.RiskContent(
        "Risken att inköp sker utanför avtal.", {Criterion.C}, likelihood=3, consequence=4))
    plans.add_action(risk, plans.ActionContent("Följ upp avtalstrohet.",
                                               due_date=date(2026, 3, 1)))
    db.session.commit()
    findings, _ = record(world, ResultCategory.FINDINGS, date(2026, 4, 20),
                         "Brister i attestordningen identifierade", "Attest av fakturor")
    record(world, ResultCategory.NO_FINDINGS, date(2026, 5, 5), "Inga brister",
           "Avstämning mot avtal")
    control_helpers.make_control(world, description="Aldrig utförd", occurrences=["T2"])

    evidence = assessment.gather(world["plan"].org_unit, 2026, AssessmentPeriod.ANNUAL,
                                 date(2026, 12, 31))
    figures = evidence.figures

    assert (figures.risks, figures.risks_high) == (2, 1)
    assert (figures.actions, figures.actions_done, figures.actions_overdue) == (2, 1, 1)
    assert (figures.controls_planned, figures.controls_performed,
            figures.controls_not_performed) == (3, 2, 1)
    assert figures.results_with_findings == 1
    plan_evidence = evidence.plans[0]
    invoice = next(r for r in plan_evidence.risks if r.risk.text == control_helpers.INVOICE_RISK)
    assert {row.description for row in invoice.rows} == {
        "Attest av fakturor", "Avstämning mot avtal", "Aldrig utförd"}
    assert [row.control.id for row in plan_evidence.findings] == [findings.id]
    assert {item.kind for item in evidence.open_items} == {"action", "control", "finding"}


def test_the_delar_evidence_counts_only_january_to_august(world):
    record(world, ResultCategory.NO_FINDINGS, date(2026, 4, 20), "Inga brister", "Våren")
    record(world, ResultCategory.FINDINGS, date(2026, 10, 5), "Brist", "Hösten")

    interim = assessment.gather(world["plan"].org_unit, 2026, AssessmentPeriod.INTERIM,
                                date(2026, 12, 31))
    annual = assessment.gather(world["plan"].org_unit, 2026, AssessmentPeriod.ANNUAL,
                               date(2026, 12, 31))

    assert interim.figures.results_with_findings == 0
    assert annual.figures.results_with_findings == 1


# --- drafting and fastställa ------------------------------------------------------------------


def test_a_controller_drafts_through_the_pages_and_a_reader_cannot(world, client, auth):
    auth.login_via_session(world["controller"])
    page = client.get("/bedomningar/")
    created = client.post("/bedomningar/ny", data={
        "csrf_token": csrf_from(page), "org_unit": world["plan"].org_unit_id, "year": 2026,
        "period": "helar"})
    item = db.session.scalars(select(Assessment)).one()
    form = client.get(f"/bedomningar/{item.id}")
    saved = client.post(f"/bedomningar/{item.id}/spara", data={
        "csrf_token": csrf_from(form), "version": item.version_id, "judgement": "partly",
        "motivation": "Preliminär motivering.", "statement_c": "Brister i attesten."})

    assert created.status_code == 302 and saved.status_code == 302
    db.session.expire_all()
    assert AssessmentContent.of(db.session.get(Assessment, item.id)) == AssessmentContent(
        Judgement.PARTLY, "Preliminär motivering.", statement_c="Brister i attesten.")
    auth.login_via_session(world["reader"])
    assert client.get(f"/bedomningar/{item.id}").status_code == 200
    assert client.post(f"/bedomningar/{item.id}/spara", data={}).status_code == 403
    auth.login_via_session(world["other"])  # another nämnd's controller
    assert client.get(f"/bedomningar/{item.id}").status_code == 403


def test_adoption_needs_every_part_a_past_date_and_a_paragraph(world, draft, on_day):
    with pytest.raises(assessment.AssessmentError, match="motivering") as incomplete:
        assessment.adopt_assessment(draft, date(2026, 12, 1), "SN § 1", None)
    assert "kommentar till krav a" in str(incomplete.value)
    assessment.update_assessment(draft, AssessmentContent(**COMPLETE), None)

    with on_day(date(2027, 2, 1)):
        with pytest.raises(assessment.AssessmentError, match="framtiden") as future:
            assessment.adopt_assessment(draft, date(2027, 2, 2), "SN § 1", None)
        with pytest.raises(assessment.AssessmentError, match="paragraf"):
            assessment.adopt_assessment(draft, date(2027, 2, 1), " ", None)
        revision = assessment.adopt_assessment(draft, date(2027, 1, 30), "SN § 12",
                                               "SN 2027/9")

    assert future.value.field == "adopted_on"
    assert draft.status is AssessmentStatus.ADOPTED
    assert (revision.number, draft.adoption_reference) == (1, "SN § 12, 2027-01-30")
    assert revision.snapshot["judgement"] == "partly"
    assert revision.snapshot["figures"]["risks"] == 1


def test_only_whoever_may_adopt_the_plan_fastställer(world, draft, make_user, client, auth):
    assessment.update_assessment(draft, AssessmentContent(**COMPLETE), None)
    db.session.commit()
    chef = make_user("chef@example.org", Role.MANAGER, world["plan"].org_unit)

    auth.login_via_session(world["controller"])
    assert client.get(f"/bedomningar/{draft.id}/faststall").status_code == 403
    auth.login_via_session(chef)
    page = client.get(f"/bedomningar/{draft.id}/faststall")
    future = client.post(f"/bedomningar/{draft.id}/faststall", data={
        "csrf_token": csrf_from(page), "version": draft.version_id, "paragraph": "SN § 3",
        "adopted_on": (clock.today() + timedelta(days=1)).isoformat()})
    adopted = client.post(f"/bedomningar/{draft.id}/faststall", data={
        "csrf_token": csrf_from(page), "version": draft.version_id, "paragraph": "SN § 3",
        "adopted_on": clock.today().isoformat()})

    assert future.status_code == 400
    assert "Beslutsdatumet kan inte ligga i framtiden" in page_text(future)
    assert adopted.status_code == 302
    db.session.expire_all()
    assert db.session.get(Assessment, draft.id).status is AssessmentStatus.ADOPTED


def test_a_later_change_asks_for_a_reason_and_becomes_a_version_with_its_diff(
        world, draft, client, auth):
    assessment.update_assessment(draft, AssessmentContent(**COMPLETE), None)
    assessment.adopt_assessment(draft, clock.today(), "SN § 3", None)
    db.session.commit()
    auth.login_via_session(world["controller"])
    page = client.get(f"/bedomningar/{draft.id}")
    changed = {**{k: (v.value if isinstance(v, Judgement) else v) for k, v in COMPLETE.items()},
               "judgement": "insufficient", "csrf_token": csrf_from(page),
               "version": db.session.get(Assessment, draft.id).version_id}

    refused = client.post(f"/bedomningar/{draft.id}/spara", data=changed)
    saved = client.post(f"/bedomningar/{draft.id}/spara", data={**changed,
                                                          "reason": "Ny revisionsrapport"})
    version = client.get(f"/bedomningar/{draft.id}/versioner/2")

    assert refused.status_code == 400
    assert "Ange varför den ändras" in page_text(refused)
    assert saved.status_code == 302
    revisions = db.session.scalars(select(AssessmentRevision).order_by(
        AssessmentRevision.number)).all()
    assert [(r.number, r.reason) for r in revisions][-1] == (2, "Ny revisionsrapport")
    text = page_text(version)
    assert "Delvis tillräcklig" in text and "Inte tillräcklig" in text
    assert "Ny revisionsrapport" in text


# --- förbättringsområden ----------------------------------------------------------------------


def test_an_improvement_is_carried_into_next_years_draft_as_a_risk_with_a_link_back(world,
                                                                                    draft):
    item = assessment.add_improvement(draft, "Risken att avtal inte följs upp.")
    db.session.commit()

    with pytest.raises(assessment.AssessmentError, match="ingen internkontrollplan för 2027"):
        assessment.carry_as_risk(item, "Ekonomi", [Criterion.C])
    adopted_plan(world)
    copy = plans.copy_to_next_year(world["plan"])
    db.session.commit()
    risk = assessment.carry_as_risk(item, "Inköp", [Criterion.C, Criterion.D])
    db.session.commit()

    assert risk.process_area.plan_id == copy.id and risk.process_area.name == "Inköp"
    assert risk.source == "ISK-bedömning helår 2026: förbättringsområde"
    assert item.carried_risk_id == risk.id
    with pytest.raises(plans.ConflictError, match="redan infört"):
        assessment.carry_as_action(item, risk.id)


def test_an_improvement_is_carried_as_an_action_on_a_risk_of_the_draft(world, draft, client,
                                                                       auth):
    item = assessment.add_improvement(draft, "Stickprov varje tertial.")
    adopted_plan(world)
    copy = plans.copy_to_next_year(world["plan"])
    db.session.commit()
    target = copy.process_areas[0].risks[0]
    auth.login_via_session(world["controller"])
    path = f"/bedomningar/{draft.id}/forbattringsomraden/{item.id}/infor"
    page = client.get(path)

    missing = client.post(path, data={"csrf_token": csrf_from(page), "kind": "action",
                                      "risk_id": 0})
    done = client.post(path, data={"csrf_token": csrf_from(page), "kind": "action",
                                   "risk_id": target.id})

    assert missing.status_code == 400 and "Välj en risk" in page_text(missing)
    assert done.status_code == 302
    db.session.expire_all()
    assert [a.text for a in db.session.get(Risk, target.id).actions][-1] == \
        "Stickprov varje tertial."


# --- closing the plan, the PDF, the CLI ---------------------------------------------------------


def test_a_plan_closes_only_after_its_helar_assessment(world, draft, client, make_user, auth):
    adopted_plan(world)
    chef = make_user("chef@example.org", Role.MANAGER, world["plan"].org_unit)
    auth.login_via_session(chef)
    page = client.get(f"/planer/{world['plan'].id}")
    assert f"/planer/{world['plan'].id}/avsluta" not in page.get_data(as_text=True)
    with pytest.raises(plans.PlanError, match="helårets ISK-bedömning"):
        plans.close_plan(world["plan"])
    db.session.rollback()

    assessment.update_assessment(draft, AssessmentContent(**COMPLETE), None)
    assessment.adopt_assessment(draft, clock.today(), "SN § 3", None)
    db.session.commit()
    closed = post_form(client, f"/planer/{world['plan'].id}/avsluta", {})

    assert closed.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(world["plan"]), world["plan"].id).status is PlanStatus.CLOSED


def test_the_pdf_puts_the_judgement_first_then_the_risks_results_and_sam(world, draft, client,
                                                                       auth, runner, tmp_path):
    record(world, ResultCategory.FINDINGS, date(2026, 4, 20), "Brister i attestordningen",
           "Attest av fakturor")
    assessment.update_assessment(draft, AssessmentContent(**COMPLETE), None)
    db.session.commit()
    auth.login_via_session(world["reader"])

    response = client.get(f"/bedomningar/{draft.id}.pdf")
    text = squeeze(pdf_text(response.data))
    out = tmp_path / "bedomning.pdf"
    cli = runner.invoke(args=["isk", "export-assessment", "--unit", "SN", "--year", "2026",
                              "-o", str(out)])
    missing = runner.invoke(args=["isk", "export-assessment", "--unit", "SN", "--year", "2025",
                                  "-o", str(out)])

    assert response.status_code == 200
    order = [squeeze(s) for s in (
        "Uppföljning av intern styrning och kontroll 2026 – Servicenämnden",
        "Delvis tillräcklig", COMPLETE["motivation"], control_helpers.INVOICE_RISK,
        "Brister i attestordningen", "Systematiskt arbetsmiljöarbete (SAM)")]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    assert cli.exit_code == 0 and squeeze(pdf_text(out.read_bytes())).startswith(order[0])
    assert missing.exit_code != 0 and "ingen ISK-bedömning för helår 2025" in missing.output


def test_the_demo_servicenamnden_2026_pdf_lists_every_risk_its_results_and_judgement(
        runner, client, auth):
    from isk.services import demo

    runner.invoke(args=["isk", "demo"])
    item = db.session.scalars(select(Assessment).join(Assessment.org_unit).where(
        Assessment.year == 2026, Assessment.period == AssessmentPeriod.ANNUAL)).one()
    plan = plans.load_plan_for_display(
        assessment.plans_for(item.org_unit, 2026)[0].id)
    risks = [risk.text for risk in plans.document_for(plan).risks()]
    results = [result for control in controls.controls_of(plan)
               for result in control.live_results]
    auth.login("revisor@example.org", demo.DEMO_PASSWORD)

    text = squeeze(pdf_text(client.get(f"/bedomningar/{item.id}.pdf").data))

    assert len(risks) == 9 and len(results) == 5
    for risk in risks:
        assert squeeze(risk) in text, risk
    for result in results:
        assert squeeze(result.result_text) in text, result.result_text
    assert squeeze(item.judgement.label) in text


def test_the_demo_has_the_whole_cycle(runner):
    runner.invoke(args=["isk", "demo"])
    rows = db.session.execute(
        select(Assessment.year, Assessment.period, Assessment.status, Assessment.judgement)
        .join(Assessment.org_unit).where(OrgUnit.code == "SN")
        .order_by(Assessment.year, Assessment.period)).all()

    assert (2025, AssessmentPeriod.ANNUAL, AssessmentStatus.ADOPTED, Judgement.PARTLY) in rows
    assert (2026, AssessmentPeriod.ANNUAL, AssessmentStatus.DRAFT, Judgement.PARTLY) in rows
    assert (2026, AssessmentPeriod.INTERIM, AssessmentStatus.DRAFT, Judgement.SUFFICIENT) in rows
