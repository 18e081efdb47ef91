"""Search (/sok): Swedish words, grouped by kind, marked, and only what the user may read.

Every test runs on SQLite (FTS5) and PostgreSQL (to_tsvector 'swedish'): the same answers.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from isk.extensions import db
from isk.models import (
    ControlMethod,
    Criterion,
    OrgUnitKind,
    RemediationStatus,
    ResultCategory,
    Role,
)
from isk.services import controls, plans, search
from isk.services.search import swedish

from .plan_helpers import page_text
from .sam_factories import answer_all, follow_up_of

SN_RISK = "Risken att fakturor inte blir betalda i tid på grund av den nya portalen."
SN_RISK_2 = "Risken att anteckning på faktura om representation inte är korrekt."
HSN_RISK = "Risken att fakturan från vårdgivaren inte stämmer med avtalet."
REGION_RISK = "Risk att fakturahanteringen i regionen saknar tydliga rutiner."


@pytest.fixture
def region(make_unit, make_user):
    sn = make_unit("Servicenämnden", code="SN")
    rs = make_unit("Regionservice", OrgUnitKind.FORVALTNING, parent=sn, code="RS")
    hsn = make_unit("Hälso- och sjukvårdsnämnden", code="HSN")
    root = sn.parent
    plan_sn = plans.create_plan(sn, 2026)
    plan_hsn = plans.create_plan(hsn, 2026)
    plan_region = plans.create_plan(root, 2026)

    def risk(plan, area, wording, action="Stickprov på fakturor varje tertial."):
        area_ = next((a for a in plan.process_areas if a.name == area), None) \
            or plans.add_process_area(plan, area)
        item = plans.add_risk(area_, plans.RiskContent(wording, {Criterion.C}))
        plans.add_action(item, plans.ActionContent(action))
        return item

    sn_risk = risk(plan_sn, "Ekonomi", SN_RISK)
    risk(plan_sn, "Ekonomi", SN_RISK_2, "Utbildning om attest <b>och</b> rutiner.")
    risk(plan_hsn, "Ekonomi", HSN_RISK, "Avstämning av vårdfakturor mot avtal.")
    risk(plan_region, "Ekonomi", REGION_RISK, "Regionens rutin för leverantörsfakturor.")
    archived = risk(plan_sn, "Ekonomi", "Risken att fakturaflödet stannar helt.")
    plans.archive_risk(archived)
    db.session.commit()
    users = {
        "kim": make_user("kim@example.org", Role.CONTROLLER, sn, name="Kim Kontrollant"),
        "hugo": make_user("hugo@example.org", Role.READER, hsn, name="Hugo Läsare"),
        "rut": make_user("rut@example.org", Role.AUDITOR, None, name="Rut Revisor"),
        "olle": make_user("olle@example.org", Role.MANAGER, hsn, name="Olle Chef"),
    }
    for plan in (plan_sn, plan_hsn):
        target = plan.process_areas[0].risks[0].actions[0]
        control = controls.create_control(plan, f"action-{target.id}", controls.ControlData(
            description=f"Fakturor på konto 5800 granskas ({plan.org_unit.code})",
            method=ControlMethod.DOCUMENT_REVIEW, occurrences=["helar"]))
        controls.record_result(control, controls.ResultData(
            "april", f"Två fakturor saknade attest ({plan.org_unit.code}).",
            ResultCategory.FINDINGS, "Rutinen förtydligad.", RemediationStatus.ACTIONS_TAKEN))
    db.session.commit()
    return {"sn": sn, "rs": rs, "hsn": hsn, "plan_sn": plan_sn, "plan_hsn": plan_hsn,
            "plan_region": plan_region, "sn_risk": sn_risk, **users}


def found(user, query: str, kind=None) -> dict[str, list[str]]:
    """The hits' text (title, context and snippet without marks) per kind."""
    results = search.search(user, query, kind)
    return {group.kind.slug: [re.sub(r"</?mark>", "", f"{h.title} | {h.context} | {h.snippet}")
                              for h in group.hits] for group in results.groups}


def test_the_controller_finds_the_invoice_risks_of_their_plans_and_nothing_outside(
    region, app
):
    with app.test_request_context():
        hits = found(region["kim"], "faktur")

    risks = " ".join(hits["risker"])
    assert SN_RISK in risks and SN_RISK_2 in risks
    assert REGION_RISK in risks  # the region's shared content is part of every plan
    assert HSN_RISK not in risks
    assert "fakturaflödet" not in risks  # archived
    everything = " ".join(" ".join(v) for v in hits.values())
    assert "(HSN)" not in everything and "(SN)" in everything
    assert set(hits) >= {"risker", "atgarder", "kontroller", "kontrollutfall"}


def test_another_namnds_reader_sees_their_own_and_the_regions_rows(region, app):
    with app.test_request_context():
        hits = found(region["hugo"], "faktura")

    risks = " ".join(hits["risker"])
    assert HSN_RISK in risks and REGION_RISK in risks
    assert SN_RISK not in risks and SN_RISK_2 not in risks
    assert all("(SN)" not in hit for hit in hits.get("kontroller", []))


def test_the_revisor_sees_the_whole_region(region, app):
    with app.test_request_context():
        risks = " ".join(found(region["rut"], "fakturor")["risker"])

    assert all(wording in risks for wording in (SN_RISK, SN_RISK_2, HSN_RISK, REGION_RISK))


@pytest.mark.parametrize(("query", "expected"), [
    ("fakturorna", SN_RISK),  # a form that is in no text: stemmed to "faktur"
    ("FAKTUROR betalda", SN_RISK),  # case, and every word must be there
    ("betald", SN_RISK),  # a prefix
    ("stämmer", HSN_RISK),  # å ä ö are letters of their own, folded in case only
])
def test_swedish_words_match_their_forms(region, app, query, expected):
    with app.test_request_context():
        risks = " ".join(found(region["rut"], query).get("risker", []))

    assert expected in risks


def test_words_that_are_not_there_find_nothing(region, app):
    with app.test_request_context():
        assert found(region["rut"], "fakturor portalen avtalet") == {}
        assert found(region["rut"], "stammer") == {}  # a ≠ ä


def test_a_plan_is_found_by_its_unit_and_year(region, app):
    with app.test_request_context():
        plans_found = found(region["kim"], "servicenämnden 2026")["planer"]

    assert plans_found == ["Internkontrollplan 2026 – Servicenämnden |  | Servicenämnden 2026"]


def test_the_page_marks_the_match_and_escapes_the_text(region, client, auth):
    auth.login_via_session(region["kim"])

    body = client.get("/sok?q=utbildning").get_data(as_text=True)

    assert "<mark>Utbildning</mark> om attest &lt;b&gt;och&lt;/b&gt; rutiner." in body
    assert "<b>och</b>" not in body


def test_results_are_grouped_by_kind_with_their_counts(region, client, auth):
    auth.login_via_session(region["kim"])

    text = page_text(client.get("/sok?q=faktur"))

    assert re.search(r"Risker \(3\)", text)
    assert "Kontroller (1)" in text and "Kontrollutfall (1)" in text
    assert "träffar på ”faktur” bland det du har tillgång till" in text


def test_one_kind_alone_with_pages(region, client, auth):
    auth.login_via_session(region["rut"])

    response = client.get("/sok?q=faktur&typ=risker")

    text = page_text(response)
    assert response.status_code == 200
    assert "Risker (4)" in text and "Kontroller" not in text.split("Risker (4)")[1]
    assert client.get("/sok?q=faktur&typ=okänt").status_code == 404
    assert client.get("/sok?q=faktur&typ=risker&sida=0").status_code == 404


def test_bad_queries_get_a_swedish_answer(region, client, auth):
    auth.login_via_session(region["kim"])

    too_long = client.get("/sok?q=" + "faktura " * 40)
    only_small_words = client.get("/sok?q=och+att")
    syntax = client.get('/sok?q=faktur*"(:&|!^')

    assert too_long.status_code == 400
    assert "Sökningen får vara högst 200 tecken." in page_text(too_long)
    assert only_small_words.status_code == 200
    assert "småord" in page_text(only_small_words)
    assert syntax.status_code == 200  # the symbols are no query language: words only
    assert "Risker" in page_text(syntax)


def test_sam_follow_ups_are_found_by_whoever_may_read_them(sam_org, app):
    sam_round = sam_org.start()
    users = sam_org.users
    answer_all(follow_up_of(sam_round, users["elin"]), comment="Brandskyddet i verkstaden.")
    answer_all(follow_up_of(sam_round, users["fredrik"]), comment="Ventilationen i förrådet.")
    db.session.commit()

    with app.test_request_context():
        elin = found(users["elin"], "brandskydd")
        fredrik = found(users["fredrik"], "brandskydd")
        maria = found(users["maria"], "brandskydd")  # Elin's fördelande chef
        hr = found(users["hr"], "brandskydd")

    assert elin["sam"] == [hit for hit in elin["sam"] if "Elin" in hit] and elin["sam"]
    assert fredrik == {}
    assert maria["sam"] and hr["sam"]
    assert len(elin["sam"]) == 1  # one hit per follow-up, however many answers match


def test_search_runs_a_fixed_number_of_queries(region, client, auth, query_counter):
    auth.login_via_session(region["rut"])
    client.get("/sok?q=faktur")
    with query_counter() as few:
        client.get("/sok?q=faktur")
    for number in range(30):
        plans.add_risk(region["plan_sn"].process_areas[0],
                       plans.RiskContent(f"Risken {number} att fakturor försvinner.",
                                         {Criterion.C}))
    db.session.commit()
    with query_counter() as many:
        client.get("/sok?q=faktur")

    assert len(many) == len(few), (len(few), len(many))


def test_the_stemmer_follows_snowball_swedish():
    assert [swedish.stem(w) for w in ("fakturorna", "risker", "åtgärder", "friskt")] == [
        "faktur", "risk", "åtgärd", "frisk"]


def test_on_postgresql_the_search_uses_the_gin_indexes(region, app, backend):
    if backend != "postgresql":
        pytest.skip("the GIN indexes are PostgreSQL's")
    from isk.services.search import documents

    with db.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        plan = connection.execute(text(
            f"EXPLAIN SELECT id FROM risk WHERE {documents.RISK.tsvector()} "
            "@@ to_tsquery('swedish', 'faktur:*')")).scalars().all()

    assert "search_risk" in " ".join(plan)


def test_on_sqlite_every_searched_table_keeps_its_triggers(app, backend):
    """A later migration that rebuilds one of these tables on SQLite (batch_alter_table copies
    it) drops its triggers: it must create them again as migration a0d0fe7d9acd does."""
    if backend != "sqlite":
        pytest.skip("the triggers feed SQLite's FTS5 table")
    from isk.services.search import documents

    names = set(db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))

    for document in (*documents.INDEXED, documents.PLAN):
        for event in ("insert", "update", "delete"):
            assert f"search_{document.table}_{event}" in names
    assert "search_org_unit_rename" in names


def test_a_changed_text_and_a_renamed_unit_are_found_at_once(region, app):
    risk = region["sn_risk"]
    risk.text = "Risken att leverantörsreskontran inte stäms av."
    region["hsn"].name = "Vårdnämnden"
    db.session.commit()

    with app.test_request_context():
        assert SN_RISK not in " ".join(found(region["rut"], "betalda").get("risker", []))
        assert found(region["rut"], "leverantörsreskontran")["risker"]
        assert found(region["rut"], "vårdnämnden 2026")["planer"]


def test_a_snippet_is_escaped_inside_and_outside_its_marks_and_stray_marks_are_dropped():
    start, end = search.MARK_START, search.MARK_END
    marked = search.highlighted(f"a <b> {start}fakt<i>{end} x {end} y {start}z")
    assert str(marked) == "a &lt;b&gt; <mark>fakt&lt;i&gt;</mark> x  y z"
    assert str(search.highlighted(None)) == ""
