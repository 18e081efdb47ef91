"""A chef's SAM follow-up: answering, returnering, kvittering, avstämning, and who may do what."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from isk.extensions import db
from isk.models import AnswerValue, AuditEntry, FollowUpStatus, SamAnswer, SamFollowUp, SamReturn
from isk.services import sam
from isk.services.errors import ConflictError

from .sam_factories import answer_all, answer_data, csrf, follow_up_of


@pytest.fixture
def sam_round(sam_org):
    return sam_org.start()


def url(follow_up, action: str = "") -> str:
    return f"/sam/uppfoljningar/{follow_up.id}" + (f"/{action}" if action else "")


def reload(follow_up) -> SamFollowUp:
    db.session.expire_all()
    return db.session.get(SamFollowUp, follow_up.id)


def test_a_chef_answers_returns_a_task_and_acknowledges(sam_org, sam_round, client, auth):
    elin = sam_org.users["elin"]
    follow_up = follow_up_of(sam_round, elin)
    auth.login_via_session(elin)
    page = url(follow_up)

    saved = client.post(
        url(follow_up, "svar"),
        data=answer_data(
            follow_up, csrf(client, page), q2="partly", c2="Saknar tid för skyddsronder."
        ),
    )
    assert saved.status_code == 302
    follow_up = reload(follow_up)
    assert follow_up.status is FollowUpStatus.ANSWERED
    returned = client.post(
        url(follow_up, "returneringar"),
        data={
            "csrf_token": csrf(client, page),
            "version": follow_up.version_id,
            "task": "Brandskydd i verkstaden",
            "reason": "Jag har ingen budget för lokalerna.",
        },
    )
    assert returned.status_code == 302
    follow_up = reload(follow_up)
    acknowledged = client.post(
        url(follow_up, "kvittera"),
        data={"csrf_token": csrf(client, page), "version": follow_up.version_id, "confirm": "y"},
    )

    assert acknowledged.status_code == 302
    follow_up = reload(follow_up)
    assert follow_up.status is FollowUpStatus.ACKNOWLEDGED
    assert follow_up.acknowledged_by_id == elin.id and follow_up.acknowledged_at is not None
    assert [r.task for r in follow_up.live_returns] == ["Brandskydd i verkstaden"]
    partly = [a for a in follow_up.answers if a.value is AnswerValue.PARTLY]
    assert [a.comment for a in partly] == ["Saknar tid för skyddsronder."]
    events = db.session.scalars(
        select(AuditEntry.event).where(AuditEntry.object_type == "SamFollowUp")
    ).all()
    assert events == ["sam_answers_saved", "sam_task_returned", "sam_follow_up_acknowledged"]
    text = client.get(page).get_data(as_text=True)
    assert "Kvitterad av Elin Enhetschef" in text
    assert f'action="/sam/uppfoljningar/{follow_up.id}/svar"' not in text


def test_delvis_or_nej_needs_a_comment_and_every_point_an_answer(sam_org, sam_round, client, auth):
    elin = sam_org.users["elin"]
    follow_up = follow_up_of(sam_round, elin)
    auth.login_via_session(elin)
    token = csrf(client, url(follow_up))

    no_comment = client.post(url(follow_up, "svar"), data=answer_data(follow_up, token, q3="no"))
    missing = answer_data(follow_up, token)
    del missing[f"q{follow_up.round.live_questions[0].id}"]
    unanswered = client.post(url(follow_up, "svar"), data=missing)

    assert no_comment.status_code == 400
    assert "Kommentar till fråga 3: Beskriv vad som saknas när svaret är nej." in (
        no_comment.get_data(as_text=True)
    )
    assert unanswered.status_code == 400
    assert "Fråga 1: Svara ja, delvis eller nej." in unanswered.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SamAnswer.id))) == 0
    assert reload(follow_up).status is FollowUpStatus.NOT_STARTED


def test_every_missing_answer_and_comment_is_shown_at_once_by_its_number(
    sam_org, sam_round, client, auth
):
    elin = sam_org.users["elin"]
    follow_up = follow_up_of(sam_round, elin)
    questions = follow_up.round.live_questions
    auth.login_via_session(elin)
    data = answer_data(follow_up, csrf(client, url(follow_up)), q2="partly", q5="no")
    del data[f"q{questions[0].id}"]
    data[f"q{questions[3].id}"] = "kanske"  # not one of ja, delvis, nej

    response = client.post(url(follow_up, "svar"), data=data)

    text = response.get_data(as_text=True)
    assert response.status_code == 400
    for problem in ("Fråga 1: Svara ja, delvis eller nej.",
                    "Kommentar till fråga 2: Beskriv vad som saknas när svaret är delvis.",
                    "Fråga 4: Svara ja, delvis eller nej.",
                    "Kommentar till fråga 5: Beskriv vad som saknas när svaret är nej."):
        assert problem in text
    assert questions[0].text not in text.split('class="error-summary"')[1].split("</div>")[0]
    assert f'href="#q{questions[1].id}_comment"' in text
    assert db.session.scalar(select(func.count(SamAnswer.id))) == 0


def test_acknowledging_before_answering_is_refused(sam_org, sam_round, client, auth):
    elin = sam_org.users["elin"]
    follow_up = follow_up_of(sam_round, elin)
    auth.login_via_session(elin)

    response = client.post(
        url(follow_up, "kvittera"),
        data={"csrf_token": csrf(client, url(follow_up)), "version": 1, "confirm": "y"},
    )

    assert response.status_code == 400
    assert "Svara på alla frågor och spara innan du kvitterar" in response.get_data(as_text=True)
    assert reload(follow_up).status is FollowUpStatus.NOT_STARTED


def test_answers_are_frozen_after_kvittering_even_by_url(sam_org, sam_round, client, auth):
    elin = sam_org.users["elin"]
    follow_up = follow_up_of(sam_round, elin)
    answer_all(follow_up)
    sam.acknowledge(follow_up, by=elin)
    db.session.commit()
    auth.login_via_session(elin)
    token = csrf(client, url(follow_up))
    follow_up = reload(follow_up)

    changed = client.post(
        url(follow_up, "svar"), data=answer_data(follow_up, token, q1="no", c1="Ändrat i efterhand")
    )
    returned = client.post(
        url(follow_up, "returneringar"),
        data={"csrf_token": token, "version": follow_up.version_id, "task": "X", "reason": "Y"},
    )
    again = client.post(
        url(follow_up, "kvittera"),
        data={"csrf_token": token, "version": follow_up.version_id, "confirm": "y"},
    )

    for response in (changed, returned, again):
        assert response.status_code == 409
        assert "Uppföljningen är kvitterad och svaren är låsta" in response.get_data(as_text=True)
    follow_up = reload(follow_up)
    assert {a.value for a in follow_up.answers} == {AnswerValue.YES}
    assert follow_up.returns == []


def test_a_chef_cannot_see_or_answer_another_chefs_follow_up(sam_org, sam_round, client, auth):
    fredrik, elin = sam_org.users["fredrik"], sam_org.users["elin"]
    elins = follow_up_of(sam_round, elin)
    auth.login_via_session(fredrik)
    token = csrf(client, "/sam/")

    seen = client.get(url(elins))
    posts = {
        "svar": answer_data(elins, token),
        "returneringar": {"csrf_token": token, "version": 1, "task": "X", "reason": "Y"},
        "kvittera": {"csrf_token": token, "version": 1, "confirm": "y"},
        "avstam": {"csrf_token": token, "version": 1},
        "skicka-tillbaka": {"csrf_token": token, "version": 1, "comment": "Nej"},
    }

    assert seen.status_code == 403
    assert "Elin Enhetschef" not in seen.get_data(as_text=True)
    for action, data in posts.items():
        assert client.post(url(elins, action), data=data).status_code == 403, action
    assert db.session.scalar(select(func.count(SamAnswer.id))) == 0
    assert db.session.scalar(select(func.count(SamReturn.id))) == 0
    assert reload(elins).status is FollowUpStatus.NOT_STARTED


def test_the_chef_cannot_confirm_their_own_follow_up(sam_org, sam_round, client, auth):
    elin = sam_org.users["elin"]
    follow_up = follow_up_of(sam_round, elin)
    answer_all(follow_up)
    sam.acknowledge(follow_up, by=elin)
    db.session.commit()
    auth.login_via_session(elin)

    response = client.post(
        url(follow_up, "avstam"),
        data={"csrf_token": csrf(client, url(follow_up)), "version": reload(follow_up).version_id},
    )

    assert response.status_code == 403
    assert reload(follow_up).status is FollowUpStatus.ACKNOWLEDGED


def test_the_delegating_manager_confirms(sam_org, sam_round, client, auth):
    elin, maria = sam_org.users["elin"], sam_org.users["maria"]
    follow_up = follow_up_of(sam_round, elin)
    answer_all(follow_up)
    sam.acknowledge(follow_up, by=elin)
    db.session.commit()
    auth.login_via_session(maria)

    start = client.get("/").get_data(as_text=True)
    response = client.post(
        url(follow_up, "avstam"),
        data={"csrf_token": csrf(client, url(follow_up)), "version": reload(follow_up).version_id},
    )

    assert "Stäm av uppföljningen av SAM 2026 för Elin Enhetschef" in start
    assert "Din årliga uppföljning av SAM 2026 – Medicinsk teknik" in start  # her own too
    assert response.status_code == 302
    follow_up = reload(follow_up)
    assert follow_up.status is FollowUpStatus.CONFIRMED
    assert follow_up.confirmed_by_id == maria.id


def test_sending_back_needs_a_comment_and_reopens_the_answers(sam_org, sam_round, client, auth):
    elin, maria = sam_org.users["elin"], sam_org.users["maria"]
    follow_up = follow_up_of(sam_round, elin)
    answer_all(follow_up)
    sam.acknowledge(follow_up, by=elin)
    db.session.commit()
    auth.login_via_session(maria)
    token = csrf(client, url(follow_up))
    version = reload(follow_up).version_id

    empty = client.post(
        url(follow_up, "skicka-tillbaka"), data={"csrf_token": token, "version": version}
    )
    sent = client.post(
        url(follow_up, "skicka-tillbaka"),
        data={"csrf_token": token, "version": version, "comment": "Beskriv riskerna."},
    )

    assert empty.status_code == 400
    assert "Skriv vad chefen behöver komplettera eller ändra." in empty.get_data(as_text=True)
    assert sent.status_code == 302
    follow_up = reload(follow_up)
    assert follow_up.status is FollowUpStatus.SENT_BACK
    assert follow_up.sent_back_comment == "Beskriv riskerna."
    assert follow_up.acknowledged_at is None and follow_up.acknowledged_by is None
    assert sam.is_editable(follow_up)
    sam.save_answers(
        follow_up,
        {
            q.id: sam.AnswerInput(AnswerValue.PARTLY, "Två risker kvar.")
            for q in follow_up.round.live_questions
        },
    )
    sam.acknowledge(follow_up, by=elin)
    assert follow_up.status is FollowUpStatus.ACKNOWLEDGED


def test_a_stale_page_cannot_overwrite_a_newer_change(sam_org, sam_round, client, auth):
    elin = sam_org.users["elin"]
    follow_up = follow_up_of(sam_round, elin)
    auth.login_via_session(elin)
    token = csrf(client, url(follow_up))
    stale = answer_data(follow_up, token, q1="no", c1="Från den gamla fliken")
    first = client.post(url(follow_up, "svar"), data=answer_data(follow_up, token))

    second = client.post(url(follow_up, "svar"), data=stale)

    assert first.status_code == 302
    assert second.status_code == 409
    assert "Någon annan har ändrat uppgiften" in second.get_data(as_text=True)
    assert {a.value for a in reload(follow_up).answers} == {AnswerValue.YES}


def test_concurrent_changes_at_the_database_are_refused(sam_org, sam_round):
    """Two sessions both pass the version check; the database's version column stops the second."""
    elin = sam_org.users["elin"]
    follow_up = follow_up_of(sam_round, elin)
    answer_all(follow_up)
    db.session.commit()
    db.session.execute(
        SamFollowUp.__table__.update()
        .where(SamFollowUp.id == follow_up.id)
        .values(version_id=SamFollowUp.version_id + 1)
    )  # another request changed the row after this one loaded it

    with pytest.raises(ConflictError):
        sam.acknowledge(follow_up, by=elin, expected_version=follow_up.version_id)
    db.session.rollback()


def test_a_withdrawn_return_is_kept_but_no_longer_counts(sam_org, sam_round, client, auth):
    elin = sam_org.users["elin"]
    follow_up = follow_up_of(sam_round, elin)
    returned = sam.add_return(follow_up, "Rehabilitering", "Saknar HR-stöd.", by=elin)
    db.session.commit()
    auth.login_via_session(elin)

    response = client.post(
        url(follow_up, f"returneringar/{returned.id}/aterta"),
        data={"csrf_token": csrf(client, url(follow_up)), "version": reload(follow_up).version_id},
    )

    assert response.status_code == 302
    follow_up = reload(follow_up)
    assert follow_up.live_returns == []
    assert len(follow_up.returns) == 1 and follow_up.returns[0].archived_at is not None


@pytest.mark.parametrize("who", ["hr", "controller", "auditor", "admin"])
def test_overview_readers_see_but_cannot_answer(who, sam_org, sam_round, client, auth):
    follow_up = follow_up_of(sam_round, sam_org.users["elin"])
    auth.login_via_session(sam_org.users[who])

    seen = client.get(url(follow_up))
    answered = client.post(
        url(follow_up, "svar"), data=answer_data(follow_up, csrf(client, url(follow_up)))
    )

    assert seen.status_code == 200
    assert "SAM-uppföljning 2026 – Elin Enhetschef" in seen.get_data(as_text=True)
    assert answered.status_code == 403


def test_readers_and_other_namnder_see_nothing(sam_org, sam_round, client, auth):
    follow_up = follow_up_of(sam_round, sam_org.users["elin"])
    for who in ("reader", "hugo"):
        auth.login_via_session(sam_org.users[who])
        assert client.get(url(follow_up)).status_code == 403, who


def test_the_top_of_the_chain_is_confirmed_by_hr(sam_org, sam_round, client, auth):
    rebecka, hr = sam_org.users["rebecka"], sam_org.users["hr"]
    follow_up = follow_up_of(sam_round, rebecka)
    assert follow_up.delegating_manager_id is None
    answer_all(follow_up)
    sam.acknowledge(follow_up, by=rebecka)
    db.session.commit()
    auth.login_via_session(hr)

    assert "Rebecka Förvaltningschef" in client.get("/sam/").get_data(as_text=True)
    response = client.post(
        url(follow_up, "avstam"),
        data={"csrf_token": csrf(client, url(follow_up)), "version": reload(follow_up).version_id},
    )

    assert response.status_code == 302
    assert reload(follow_up).confirmed_by_id == hr.id


def test_the_follow_up_page_loads_in_a_fixed_number_of_queries(
    sam_org, sam_round, client, auth, query_counter
):
    elin = sam_org.users["elin"]
    follow_up = follow_up_of(sam_round, elin)
    answer_all(follow_up, AnswerValue.NO, "Saknas")
    auth.login_via_session(elin)
    counts = []
    for returns in (1, 4):
        for number in range(returns - len(follow_up.returns)):
            sam.add_return(follow_up, f"Uppgift {number}", "Skäl", by=elin)
        db.session.commit()
        with query_counter() as statements:
            assert client.get(url(follow_up)).status_code == 200
        counts.append(len(statements))

    assert counts[0] == counts[1], counts
    assert counts[0] <= 20


def test_hr_confirms_when_the_delegating_manager_has_left(sam_org, sam_round):
    elin, maria, hr = sam_org.users["elin"], sam_org.users["maria"], sam_org.users["hr"]
    follow_up = follow_up_of(sam_round, elin)
    from isk.permissions import may_confirm_follow_up

    assert may_confirm_follow_up(maria, follow_up) and not may_confirm_follow_up(hr, follow_up)
    maria.active = False
    db.session.commit()

    assert may_confirm_follow_up(hr, reload(follow_up))


def _returned_and_acknowledged(sam_org, sam_round):
    elin = sam_org.users["elin"]
    follow_up = follow_up_of(sam_round, elin)
    answer_all(follow_up)
    returned = sam.add_return(follow_up, "Brandskydd i verkstaden", "Ingen budget.", by=elin)
    sam.acknowledge(follow_up, by=elin)
    db.session.commit()
    return follow_up, returned


def test_the_delegating_manager_answers_a_returned_task_before_the_avstamning(
    sam_org, sam_round, client, auth
):
    follow_up, returned = _returned_and_acknowledged(sam_org, sam_round)
    auth.login_via_session(sam_org.users["maria"])
    page = client.get(url(follow_up))
    assert "Svara först på den returnerade uppgiften" in page.get_data(as_text=True)

    too_early = client.post(url(follow_up, "avstam"), data={
        "csrf_token": csrf(client, url(follow_up)), "version": reload(follow_up).version_id})
    assert too_early.status_code == 400
    assert "Svara först på den returnerade uppgiften (”Brandskydd i verkstaden”)" in (
        too_early.get_data(as_text=True))

    empty = client.post(url(follow_up, f"returneringar/{returned.id}/svar"), data={
        f"r{returned.id}-csrf_token": csrf(client, url(follow_up)),
        f"r{returned.id}-version": reload(follow_up).version_id, f"r{returned.id}-response": " "})
    assert empty.status_code == 400
    assert "Skriv hur uppgiften hanteras nu." in empty.get_data(as_text=True)

    answered = client.post(url(follow_up, f"returneringar/{returned.id}/svar"), data={
        f"r{returned.id}-csrf_token": csrf(client, url(follow_up)),
        f"r{returned.id}-version": reload(follow_up).version_id,
        f"r{returned.id}-response": "Fastighetsenheten tar över brandskyddet från maj."})
    assert answered.status_code == 302
    confirmed = client.post(url(follow_up, "avstam"), data={
        "csrf_token": csrf(client, url(follow_up)), "version": reload(follow_up).version_id})
    assert confirmed.status_code == 302

    follow_up = reload(follow_up)
    assert follow_up.status is FollowUpStatus.CONFIRMED
    [answer] = follow_up.live_returns
    assert answer.response == "Fastighetsenheten tar över brandskyddet från maj."
    assert answer.responded_by_id == sam_org.users["maria"].id
    text = client.get(url(follow_up)).get_data(as_text=True)
    assert "Svar från Maria Områdeschef" in text
    events = db.session.scalars(select(AuditEntry.event).where(
        AuditEntry.object_type == "SamFollowUp")).all()
    assert events[-2:] == ["sam_return_answered", "sam_follow_up_confirmed"]


def test_only_the_delegating_manager_answers_a_returned_task(sam_org, sam_round, client, auth):
    follow_up, returned = _returned_and_acknowledged(sam_org, sam_round)
    path = url(follow_up, f"returneringar/{returned.id}/svar")
    for who in ("elin", "fredrik"):
        auth.login_via_session(sam_org.users[who])
        response = client.post(path, data={
            f"r{returned.id}-csrf_token": csrf(client, "/sam/"),
            f"r{returned.id}-version": reload(follow_up).version_id,
            f"r{returned.id}-response": "Jag tar den själv."})
        assert response.status_code == 403, who
    assert reload(follow_up).live_returns[0].response is None


def test_a_returned_task_is_answered_only_once_the_chef_has_kvitterat(sam_org, sam_round):
    elin = sam_org.users["elin"]
    follow_up = follow_up_of(sam_round, elin)
    returned = sam.add_return(follow_up, "Rehabilitering", "Saknar HR-stöd.", by=elin)

    with pytest.raises(ConflictError, match="när chefen har kvitterat"):
        sam.answer_return(follow_up, returned, "HR stödjer.", by=sam_org.users["maria"])
