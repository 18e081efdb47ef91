"""SAM rounds: starting one for a year and a part of the organisation, its checklist, closing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from isk.extensions import db
from isk.models import FollowUpStatus, SamFollowUp, SamQuestion, SamRound
from isk.services import clock, sam

from .sam_factories import answer_all, csrf, follow_up_of


def start_form(org, unit="SN", **overrides):
    data = {
        "org_unit": org.units[unit].id,
        "year": 2026,
        "due_on": (clock.today() + timedelta(days=30)).isoformat(),
        "questions": "\n".join(str(q) for q in sam.DEFAULT_QUESTIONS),
    }
    data.update(overrides)
    return data


def test_starting_a_round_gives_each_chef_one_follow_up(sam_org, client, auth):
    auth.login_via_session(sam_org.users["admin"])
    token = csrf(client, "/sam/rundor/ny")

    response = client.post(
        "/sam/rundor/ny", data={"csrf_token": token, **start_form(sam_org, "RS")}
    )

    assert response.status_code == 302
    sam_round = db.session.scalars(select(SamRound)).one()
    assert response.headers["Location"].endswith(f"/sam/rundor/{sam_round.id}")
    follow_ups = {f.manager.email: f for f in sam_round.follow_ups}
    assert set(follow_ups) == {
        "rebecka@example.org",
        "maria@example.org",
        "fredrik@example.org",
        "elin@example.org",
    }  # not Hugo, who leads HSN
    assert all(f.status is FollowUpStatus.NOT_STARTED for f in follow_ups.values())
    assert follow_ups["elin@example.org"].delegating_manager.email == "maria@example.org"
    assert follow_ups["elin@example.org"].org_unit.code == "MTS"
    assert follow_ups["rebecka@example.org"].delegating_manager is None
    assert [q.text for q in sam_round.live_questions] == [str(q) for q in sam.DEFAULT_QUESTIONS]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "SAM-rundan 2026 för Regionservice är startad med 4 uppföljningar." in page


def test_the_default_checklist_covers_the_annual_follow_up(sam_org, client, auth):
    auth.login_via_session(sam_org.users["hr"])

    page = client.get("/sam/rundor/ny").get_data(as_text=True)

    for words in (
        "fördelade till mig skriftligen",
        "kunskaper och resurser",
        "Riskerna i arbetsmiljön har undersökts och bedömts",
        "följts upp i en handlingsplan",
        "Tillbud och arbetsskador",
        "samverkan med skyddsombud",
        "förbättras i arbetsmiljöarbetet nästa år",
    ):
        assert words in page, words


def test_questions_are_chosen_per_round(sam_org, client, auth):
    auth.login_via_session(sam_org.users["admin"])
    token = csrf(client, "/sam/rundor/ny")

    client.post(
        "/sam/rundor/ny",
        data={
            "csrf_token": token,
            **start_form(sam_org, questions="Första frågan\n\n  Andra   frågan \n"),
        },
    )

    assert [q.text for q in db.session.scalars(select(SamQuestion))] == [
        "Första frågan",
        "Andra frågan",
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"questions": "  \n "}, "Ange minst en fråga i checklistan."),
        ({"questions": "Samma\nSamma"}, "Fråga 2 finns redan tidigare i checklistan."),
        ({"due_on": "2020-01-01"}, "Sista dag för svar har redan passerat."),
        ({"due_on": "31/3"}, "Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-15."),
        ({"year": "1999"}, "Ange ett år mellan 2000 och 2100."),
    ],
)
def test_bad_round_input_is_refused_with_a_message(overrides, message, sam_org, client, auth):
    auth.login_via_session(sam_org.users["admin"])
    token = csrf(client, "/sam/rundor/ny")

    response = client.post(
        "/sam/rundor/ny", data={"csrf_token": token, **start_form(sam_org, **overrides)}
    )

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SamRound.id))) == 0


def test_overlapping_rounds_in_one_year_are_refused(sam_org, client, auth):
    sam_org.start("RS")
    auth.login_via_session(sam_org.users["admin"])
    token = csrf(client, "/sam/rundor/ny")

    above = client.post("/sam/rundor/ny", data={"csrf_token": token, **start_form(sam_org)})
    below = client.post("/sam/rundor/ny", data={"csrf_token": token, **start_form(sam_org, "MT")})
    next_year = client.post(
        "/sam/rundor/ny", data={"csrf_token": token, **start_form(sam_org, year=2027)}
    )
    other = client.post("/sam/rundor/ny", data={"csrf_token": token, **start_form(sam_org, "HSN")})

    for response in (above, below):
        assert response.status_code == 400
        assert "Det finns redan en SAM-runda 2026 för Regionservice" in response.get_data(
            as_text=True
        )
    assert next_year.status_code == 302
    assert other.status_code == 302


def test_a_part_without_chefs_cannot_start_a_round(sam_org, make_unit, client, auth):
    empty = make_unit("Tomma nämnden", code="TN")
    auth.login_via_session(sam_org.users["admin"])
    token = csrf(client, "/sam/rundor/ny")

    response = client.post(
        "/sam/rundor/ny",
        data={"csrf_token": token, **start_form(sam_org), "org_unit": empty.id},
    )

    assert response.status_code == 400
    assert "Det finns inga chefer i chefskedjan för Tomma nämnden" in response.get_data(
        as_text=True
    )


def test_hr_starts_rounds_only_within_their_scope(sam_org, client, auth):
    auth.login_via_session(sam_org.users["hr"])  # HR at Regionservice
    token = csrf(client, "/sam/rundor/ny")

    page = client.get("/sam/rundor/ny").get_data(as_text=True)
    outside = client.post("/sam/rundor/ny", data={"csrf_token": token, **start_form(sam_org)})
    inside = client.post("/sam/rundor/ny", data={"csrf_token": token, **start_form(sam_org, "MT")})

    assert "Hälso- och sjukvårdsnämnden" not in page
    assert outside.status_code == 400  # SN is not among the choices
    assert inside.status_code == 302


@pytest.mark.parametrize("who", ["maria", "controller", "reader", "auditor"])
def test_only_admin_and_hr_start_rounds(who, sam_org, client, auth):
    auth.login_via_session(sam_org.users[who])

    assert client.get("/sam/rundor/ny").status_code == 403
    assert client.post("/sam/rundor/ny", data=start_form(sam_org)).status_code == 403


def test_questions_can_be_changed_until_a_chef_answers(sam_org, client, auth):
    sam_round = sam_org.start()
    auth.login_via_session(sam_org.users["admin"])
    path = f"/sam/rundor/{sam_round.id}/fragor"
    token = csrf(client, path)

    changed = client.post(
        path, data={"csrf_token": token, "version": sam_round.version_id, "questions": "En\nTvå"}
    )
    db.session.expire_all()
    assert changed.status_code == 302
    assert [q.text for q in sam_round.live_questions] == ["En", "Två"]
    answer_all(follow_up_of(sam_round, sam_org.users["elin"]))
    db.session.commit()
    refused = client.post(
        path, data={"csrf_token": token, "version": sam_round.version_id, "questions": "Tre"}
    )

    assert refused.status_code == 409
    assert "Frågorna kan inte ändras längre" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert [q.text for q in sam_round.live_questions] == ["En", "Två"]
    assert db.session.scalar(select(func.count(SamQuestion.id))) == 9  # none deleted


def test_a_closed_round_freezes_its_follow_ups(sam_org, client, auth):
    sam_round = sam_org.start()
    follow_up = follow_up_of(sam_round, sam_org.users["elin"])
    auth.login_via_session(sam_org.users["admin"])
    token = csrf(client, f"/sam/rundor/{sam_round.id}")

    closed = client.post(
        f"/sam/rundor/{sam_round.id}/avsluta",
        data={"csrf_token": token, "version": sam_round.version_id},
    )
    again = client.post(
        f"/sam/rundor/{sam_round.id}/avsluta",
        data={"csrf_token": token, "version": sam_round.version_id + 1},
    )

    assert closed.status_code == 302
    assert again.status_code == 409
    assert "Rundan är redan avslutad." in again.get_data(as_text=True)
    db.session.expire_all()
    with pytest.raises(sam.SamConflict, match="Rundan är avslutad"):
        answer_all(db.session.get(SamFollowUp, follow_up.id))
    db.session.rollback()
    assert sam.inbox(sam_org.users["elin"]).own == []


def test_a_chef_is_followed_up_once_a_year_across_rounds(sam_org):
    from isk.models import Role

    sam_org.start("MT")
    maria = sam_org.users["maria"]
    sam.save_assignment(maria, [sam_org.units["MT"], sam_org.units["FA"]], None)
    db.session.commit()

    second = sam_org.start("FA")

    assert maria.id not in {f.manager_id for f in second.follow_ups}
    assert Role.MANAGER is maria.role


def test_only_people_who_may_answer_get_a_follow_up(sam_org):
    from isk.models import Role

    elin = sam_org.users["elin"]
    elin.role = Role.READER
    db.session.commit()

    sam_round = sam_org.start()

    assert elin.id not in {f.manager_id for f in sam_round.follow_ups}
