"""The region's own texts, printed verbatim, and the SAM indicator against its target."""

from __future__ import annotations

import json
import re
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select

from isk.extensions import db
from isk.models import FollowUpStatus, RegionTextKey, Role
from isk.services import plans, sam, wording
from isk.services.demo.files import read_demo_file

from .plan_helpers import csrf_from, page_text, pdf_text, squeeze
from .sam_factories import answer_all, follow_up_of

SHARED_WORDING = Path(__file__).resolve().parents[2] / "shared" / "seed-plans" / \
    "region-wording.md"


def test_the_demo_wording_is_the_regions_own_word_for_word():
    if not SHARED_WORDING.exists():
        pytest.skip("../shared/seed-plans/region-wording.md is not beside the checkout")
    published = re.sub(r"\s+", " ", SHARED_WORDING.read_text(encoding="utf-8"))
    texts = json.loads(read_demo_file("region-wording.json"))

    assert set(texts) == {key.value for key in RegionTextKey}
    for key, text in texts.items():
        assert re.sub(r"\s+", " ", text) in published, key


def test_a_region_keeps_its_own_wording_and_the_plan_prints_it_verbatim(
        make_unit, make_user, client, auth):
    sn = make_unit("Servicenämnden", code="SN")
    region = sn.parent
    admin = make_user("admin@example.org", Role.ADMIN)
    plan = plans.create_plan(sn, 2026)
    db.session.commit()
    own = "Att verksamheten följer de styrande dokument som regionen har beslutat (vår text)."
    auth.login_via_session(admin)
    path = f"/admin/regionens-texter/{region.id}"
    form = client.get(path)
    data = {key.value: wording.region_texts(region)[key] for key in RegionTextKey}
    saved = client.post(path, data={**data, "csrf_token": csrf_from(form),
                                    RegionTextKey.REQUIREMENT_C.value: own})
    emptied = client.post(path, data={**data, "csrf_token": csrf_from(form),
                                      RegionTextKey.REQUIREMENT_A.value: " "})

    assert saved.status_code == 302
    assert emptied.status_code == 400 and "Texten får inte vara tom" in page_text(emptied)
    assert wording.region_texts(sn).requirement("c") == own
    assert squeeze("c) " + own) in squeeze(pdf_text(
        client.get(f"/planer/{plan.id}/export.pdf").data))
    assert own in page_text(client.get(f"/planer/{plan.id}"))
    reader = make_user("lasare@example.org", Role.READER, sn)
    auth.login_via_session(reader)
    assert client.get(path).status_code == 403


def test_the_sam_indicator_counts_kvitterade_follow_ups_against_the_years_target(
        sam_org, client, auth):
    sam_round = sam_org.start("RS", due_on=date(2026, 12, 31))
    for name in ("rebecka", "maria", "fredrik"):
        answer_all(follow_up_of(sam_round, sam_org.users[name]))
    for name in ("rebecka", "maria"):
        sam.acknowledge(follow_up_of(sam_round, sam_org.users[name]), by=sam_org.users[name])
    db.session.commit()
    region = sam_org.units["SN"].parent

    before = sam.indicator_for(sam_org.units["RS"], 2026)
    sam.set_target(region, 2026, (50, 100), (90, 100))
    db.session.commit()
    after = sam.indicator_for(sam_org.units["RS"], 2026)
    overview = sam.build_overview(sam_round, sam_org.units["RS"])

    assert (before.total, before.acknowledged) == (4, 2)
    assert before.share == 0.5 and before.met is False  # 90 % by default; 3 answered count not
    assert after.met is True and after.target_text == "50–100 %"
    assert overview.rows[0].meets_target
    with pytest.raises(sam.SamError):
        sam.set_target(region, 2026, (95, 90), (90, 100))


def test_answers_saved_but_not_kvitterade_do_not_reach_the_target(sam_org, client, auth):
    """A unit at 0 % kvitterat showed "Uppnått" when the share counted saved answers."""
    sam_round = sam_org.start("RS", due_on=date(2026, 12, 31))
    for follow_up in sam_round.follow_ups:
        answer_all(follow_up)
    db.session.commit()
    auth.login_via_session(sam_org.users["hr"])

    page = page_text(client.get(f"/sam/rundor/{sam_round.id}"))

    assert all(f.status is FollowUpStatus.ANSWERED for f in sam_round.follow_ups)
    assert "Uppnått" not in page and "Ej uppnått" in page


def test_the_sam_risk_of_the_plan_shows_the_indicator(sam_org, client, auth):
    region = sam_org.units["SN"].parent
    plan = plans.create_plan(region, 2026)
    area = plans.add_process_area(plan, "HR")
    plans.add_risk(area, plans.RiskContent("Risk att SAM inte är välfungerande.", ["c"],
                                           sam_indicator=True))
    sam_org.start("SN", due_on=date(2026, 12, 31))
    sam.set_target(region, 2026, (90, 100), (95, 100))
    db.session.commit()
    auth.login_via_session(sam_org.users["admin"])

    text = page_text(client.get(f"/planer/{plan.id}"))

    assert ("Andel chefer som svarat på årlig uppföljning av SAM 2026: 0 % (mål 90–100 %, "
            "långsiktigt 95–100 %)") in text.replace("\xa0", " ")


def test_the_region_overview_shows_every_namnd_and_its_judgement(runner, client, auth):
    from isk.models import OrgUnit
    from isk.services import demo

    runner.invoke(args=["isk", "demo"])
    region = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "ROL"))
    auth.login("revisor@example.org", demo.DEMO_PASSWORD)

    page = page_text(client.get(f"/bedomningar/region/{region.id}/2025"))
    printed = squeeze(pdf_text(client.get(f"/bedomningar/region/{region.id}/2025.pdf").data))

    assert "Servicenämnden" in page and "Delvis tillräcklig" in page
    assert "1 nämnd har ännu ingen fastställd bedömning: Hälso- och sjukvårdsnämnden" in page
    assert "Regionstyrelsen bedömer den samlade interna kontrollen" in page
    assert squeeze("Samlad bedömning av intern styrning och kontroll 2025") in printed
    assert squeeze("Ingen fastställd bedömning") in printed  # HSN


def test_region_texts_resources_exist():
    assert resources.files("isk.demo_data").joinpath("region-wording.json").is_file()
