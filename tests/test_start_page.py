"""The start page: what waits for each role, each line linked to where the work is done, in a
fixed number of queries however much waits."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from isk.extensions import db
from isk.models import (
    ActionStatus,
    AssessmentPeriod,
    ControlMethod,
    Criterion,
    ItemOutcome,
    ResultCategory,
    Role,
    User,
)
from isk.models.types import utcnow
from isk.services import assessment, controls, plans, sam
from isk.services.accounts import invitations
from isk.services.demo import DEMO_PASSWORD, DEMO_USERS

from .plan_helpers import page_text
from .sam_factories import answer_all, follow_up_of

TODAY = date(2026, 6, 15)  # in T2 (May–August)


@pytest.fixture
def office(app, sam_org):
    """Servicenämnden's adopted 2026 plan: Maria (chef of MT, below) owns a risk and a control
    in it; Kim has controls overdue, due this tertial, done and later; a SAM round runs."""
    app.config["TODAY"] = TODAY.isoformat()
    units, users = sam_org.units, sam_org.users
    plan = plans.create_plan(units["SN"], 2026)
    area = plans.add_process_area(plan, "Ekonomi")
    owned = plans.add_risk(area, plans.RiskContent("Risken att fakturor inte attesteras.",
                                                   {Criterion.C}))
    owned.owner = users["maria"]
    overdue_action = plans.add_action(owned, plans.ActionContent("Rutin för attest tas fram."))
    overdue_action.due_date, overdue_action.status = date(2026, 5, 31), ActionStatus.IN_PROGRESS
    done_action = plans.add_action(owned, plans.ActionContent("Utbildning av attestanter."))
    done_action.due_date, done_action.status = date(2026, 5, 1), ActionStatus.DONE
    other = plans.add_risk(area, plans.RiskContent("Risken att inköp görs utanför avtal.",
                                                   {Criterion.C}))
    plans.add_action(other, plans.ActionContent("Informationsinsatser om marknadsplatsen."))
    plans.adopt_plan(plan, date(2025, 11, 20), "SN § 45", None)

    def control(description, responsible, occurrences):
        return controls.create_control(plan, f"action-{overdue_action.id}", controls.ControlData(
            description=description, method=ControlMethod.DOCUMENT_REVIEW,
            occurrences=occurrences, responsible=responsible))

    kim = users["controller"]
    control("Attester i mars granskas", kim, ["03"])
    control("Attester i juli granskas", kim, ["07"])
    control("Leverantörsregistret gås igenom", None, ["T1"])
    done = control("Attester i februari granskas", kim, ["02"])
    controls.record_result(done, controls.ResultData("februari", "Inga brister.",
                                                     ResultCategory.NO_FINDINGS))
    not_done = control("Attester i april granskas", kim, ["04"])
    controls.record_result(not_done, controls.ResultData(
        "Ej utfört", "Underlaget saknades.", performed=False))
    control("Attester i november granskas", kim, ["11"])
    recurring = control("Attester varje tertial", kim, ["T1", "T2", "T3"])
    controls.record_result(recurring, controls.ResultData("vecka 15", "Inga brister.",
                                                          ResultCategory.NO_FINDINGS))
    control("Marias genomgång av behörigheter", users["maria"], ["04"])
    draft = plans.copy_to_next_year(plan)
    db.session.commit()
    return {"plan": plan, "draft": draft, "owned": owned, "action": overdue_action, **users}


def sam_org_unit(office, code: str):
    from isk.models import OrgUnit

    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def work_text(client) -> str:
    """The text of the work part of the start page (above the list of plans)."""
    body = client.get("/").get_data(as_text=True)
    return page_text_of(body.split('id="plans-title"')[0])


def page_text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#34;", '"')


def test_a_controller_sees_controls_overdue_and_due_this_tertial(office, client, auth):
    auth.login_via_session(office["controller"])

    text = work_text(client)

    assert "Kontroller att utföra" in text
    assert "Attester i mars granskas" in text and "Försenad" in text
    assert "Leverantörsregistret gås igenom" in text and "ingen ansvarig" in text
    assert "Attester i juli granskas" in text  # T2, not yet overdue
    assert "Attester i februari granskas" not in text  # done
    assert "Attester i april granskas" in text and "registrerad som ej utförd" in text
    assert "Attester i november granskas" not in text  # later
    # Recurring: T1 is reported, T2 (due 31 August) waits within this tertial.
    assert re.search(r"Attester varje tertial .{0,80}planerad T2", text)
    assert "Marias genomgång" not in text  # someone else's
    assert "Rutin för attest tas fram." in text  # an åtgärd of the plan, past its date
    assert "Utbildning av attestanter." not in text  # genomförd
    assert "Internkontrollplan 2027 – Servicenämnden" in text  # the draft waits


def test_a_chef_sees_what_they_own_in_a_plan_above_their_unit_and_may_open_it(
    office, client, auth
):
    maria = office["maria"]
    auth.login_via_session(maria)

    body = client.get("/").get_data(as_text=True)
    text = page_text_of(body.split('id="plans-title"')[0])

    assert "Marias genomgång av behörigheter" in text
    assert "Rutin för attest tas fram." in text and "Försenad" in text
    assert "Attester i mars granskas" not in text
    plan_id = office["plan"].id
    assert client.get(f"/planer/{plan_id}").status_code == 200  # her own risk is in it
    assert client.get(f"/planer/{plan_id}/kontroller").status_code == 200
    other = plans.create_plan(sam_org_unit(office, "HSN"), 2026)
    db.session.commit()
    assert client.get(f"/planer/{other.id}").status_code == 403  # she owns nothing there


def test_an_atgard_named_for_someone_of_the_same_name_elsewhere_stays_off_the_page(
    office, client, auth
):
    maria = office["maria"]
    elsewhere = plans.create_plan(sam_org_unit(office, "HSN"), 2026)
    risk = plans.add_risk(plans.add_process_area(elsewhere, "Vård"), plans.RiskContent(
        "Risken att journaler inte signeras.", {Criterion.C}))
    theirs = plans.add_action(risk, plans.ActionContent("Signeringsrutin ses över.",
                                                        responsible=maria.name))
    theirs.due_date = date(2026, 5, 1)
    plans.adopt_plan(elsewhere, date(2025, 11, 20), "HSN § 12", None)
    readable = office["owned"].actions[1]  # genomförd: reopen it, named for Maria
    readable.status, readable.responsible = ActionStatus.PLANNED, maria.name
    db.session.commit()
    auth.login_via_session(maria)

    text = work_text(client)

    assert "Utbildning av attestanter." in text  # her name, in a plan she may read
    assert "Signeringsrutin ses över." not in text  # the same name, in HSN's plan
    assert client.get(f"/planer/{elsewhere.id}").status_code == 403


def test_sam_waits_for_the_chef_and_the_forde_lande_chef(office, sam_org, client, auth):
    sam_round = sam_org.start()
    users = sam_org.users
    elins = follow_up_of(sam_round, users["elin"])
    answer_all(elins)
    sam.add_return(elins, "Brandskydd i verkstaden", "Ingen budget.", by=users["elin"])
    sam.acknowledge(elins, by=users["elin"])
    db.session.commit()
    auth.login_via_session(users["maria"])

    text = work_text(client)

    assert "Din årliga uppföljning av SAM 2026 – Medicinsk teknik" in text
    assert "Stäm av uppföljningen av SAM 2026 för Elin Enhetschef" in text
    assert "Svara på returnerad uppgift från Elin Enhetschef: Brandskydd i verkstaden" in text

    auth.login_via_session(users["rebecka"])
    rebecka = work_text(client)
    assert "Maria Områdeschef har inte kvitterat sin uppföljning av SAM 2026" in rebecka
    assert "Fredrik Områdeschef har inte kvitterat" in rebecka

    auth.login_via_session(users["hr"])  # HR of Regionservice: its four chefs of the round
    assert "1 av 4 chefer har kvitterat" in work_text(client)


def test_the_admin_sees_locked_accounts_and_invitations_not_taken_up(office, client, auth):
    kim = office["controller"]
    kim.locked_until = utcnow() + timedelta(minutes=15)
    invitations.invite_user("nina@example.org", Role.READER, kim.org_unit, "Nina Ny",
                            by=office["admin"])
    db.session.commit()
    auth.login_via_session(office["admin"])

    text = work_text(client)

    assert "Kim Kontrollant är spärrad efter misslyckade inloggningar" in text
    assert "Nina Ny har inte valt lösenord ännu" in text
    assert "Fastställ Internkontrollplan 2027 – Servicenämnden" in text


def test_a_reader_is_pointed_to_this_tertials_follow_up(office, client, auth):
    auth.login_via_session(office["reader"])

    body = client.get("/").get_data(as_text=True)

    assert f"/planer/{office['plan'].id}/uppfoljning?period=T2" in body
    assert "Uppföljning T2 – Internkontrollplan 2026 – Servicenämnden" in page_text_of(body)


def test_assessments_to_draft_and_to_fastställa(office, app, client, auth):
    app.config["TODAY"] = "2026-09-15"  # delår has ended
    auth.login_via_session(office["controller"])
    assert "Påbörja ISK-bedömning delår 2026 – Servicenämnden" in work_text(client)

    assessment.create_assessment(office["plan"].org_unit, 2026, AssessmentPeriod.INTERIM)
    db.session.commit()
    text = work_text(client)
    assert "ISK-bedömning delår 2026 – Servicenämnden" in text
    assert "Påbörja" not in text


def test_a_stickprov_with_items_not_examined_waits(office, client, auth, app, tmp_path):
    import io

    from isk.services.sampling import samples
    from isk.services.sampling.stats import judgement_size

    app.config["FILES_DIR"] = str(tmp_path / "files")
    control = controls.create_control(office["plan"], f"action-{office['action'].id}",
                                      controls.ControlData(
                                          description="Stickprov på fakturor",
                                          method=ControlMethod.SAMPLE, occurrences=["T3"],
                                          responsible=office["controller"]))
    data = "nr;belopp\n" + "\n".join(f"F{n};{n}00" for n in range(1, 51)) + "\n"
    population = samples.keep_population(io.BytesIO(data.encode()), "f.csv", None)
    sample = samples.draw_for_control(control, population, judgement_size(10, "Liten."),
                                      samples.DrawChoices(id_column="nr", seed="s"), None, None)
    sample.created_by = office["controller"]
    samples.record_outcomes(sample, {sample.items[0].item_id: samples.ItemEntry(
        ItemOutcome.OK, "")}, None)
    db.session.commit()
    auth.login_via_session(office["controller"])

    assert "9 av 10 poster är inte granskade" in work_text(client)


def test_the_start_page_runs_a_fixed_number_of_queries(office, sam_org, client, auth,
                                                      query_counter):
    sam_org.start()
    counts = {}
    for role in ("controller", "maria", "hr", "admin", "reader"):
        auth.login_via_session(sam_org.users[role])
        client.get("/")
        with query_counter() as statements:
            client.get("/")
        counts[role] = len(statements)
    plan = office["plan"]
    area = plan.process_areas[0]
    for number in range(12):
        risk = plans.add_risk(area, plans.RiskContent(f"Risk {number} att något händer.",
                                                      {Criterion.C}))
        risk.owner = sam_org.users["maria"]
    db.session.flush()
    new_actions = []
    for number, risk in enumerate(area.risks[-12:]):
        action = plans.add_action(risk, plans.ActionContent(f"Åtgärd {number}."))
        action.due_date = date(2026, 5, 1)
        new_actions.append(action)
    db.session.commit()
    db.session.expire_all()
    for number, action in enumerate(new_actions):
        controls.create_control(plan, f"action-{action.id}", controls.ControlData(
            description=f"Kontroll {number}", method=ControlMethod.DOCUMENT_REVIEW,
            occurrences=["03"], responsible=sam_org.users["maria"]))
    db.session.commit()

    for role, few in counts.items():
        auth.login_via_session(sam_org.users[role])
        with query_counter() as statements:
            text = page_text(client.get("/"))
        assert len(statements) == few, (role, few, len(statements))
        if role == "maria":
            assert "Kontroll 11" in text and "Åtgärd 11." in text


def test_every_demo_role_has_due_work_with_links_that_open(runner, client, auth):
    """Done when: the start page of each demo role lists at least one due item with a working
    link (the demo's "today" is the real one: its round and plans follow the calendar)."""
    runner.invoke(args=["isk", "demo"])
    roles_seen = set()
    for demo_user in DEMO_USERS:
        if demo_user.role in roles_seen:
            continue
        user = db.session.scalar(select(User).where(User.email == demo_user.email))
        auth.login_via_session(user)
        body = client.get("/").get_data(as_text=True)
        work = body.split('id="plans-title"')[0].split('class="work"')[1]
        links = re.findall(r'href="(/[^"#]*)', work)
        assert links, demo_user.email
        for link in links:
            assert client.get(link.replace("&amp;", "&")).status_code == 200, (
                demo_user.email, link)
        roles_seen.add(demo_user.role)
    assert roles_seen == set(Role)
    assert DEMO_PASSWORD
