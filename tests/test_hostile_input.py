"""Hostile input: a corpus of cases run through the real routes.

Every case is refused with a 4xx and a Swedish message, and writes nothing: each table but
the audit trail is compared row by row before and after. The cases cover the text, number and
date fields of every form, selects given values they do not offer, and ids forged for every
kind of object (nonexistent, too large for the database, or belonging to another plan, control,
follow-up or unit). Upload routes and file contents have their own cases (the spreadsheet gate).
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from isk import create_app
from isk.extensions import db
from isk.models import Criterion, OrgUnitKind, Role
from isk.services import accounts, controls, org, plans, sam
from isk.services.controls import evidence
from isk.services.sampling import samples
from isk.services.sampling.stats import judgement_size

from .conftest import BACKENDS, PASSWORD, IsolatedClient, _empty_all_tables, base_config
from .control_helpers import make_control, population_csv
from .sam_factories import answer_all

HUGE = "99999999999999999999"  # beyond every integer column
NOT_FOUND = "finns inte"
FORBIDDEN = "behörighet"
CHOOSE = "Välj ett av alternativen i listan"
STALE = "Någon annan har ändrat"


@dataclass
class World:
    """Two nämnder's plans with everything on them, a SAM round, and who is logged in."""

    ids: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.ids[name]
        except KeyError:
            raise AttributeError(name) from None


def _plan_with_everything(unit, controller, prefix: str, ids: dict[str, Any]) -> None:
    plan = plans.create_plan(unit, 2026)
    area = plans.add_process_area(plan, "Ekonomi")
    risk = plans.add_risk(area, plans.RiskContent(
        "Risken att leverantörsfakturor inte betalas i tid.", {Criterion.C}))
    action = plans.add_action(risk, plans.ActionContent("Månatlig uppföljning av fakturor."))
    db.session.commit()
    control = make_control({"plan": plan, "action": action, "controller": controller})
    population = samples.keep_population(io.BytesIO(population_csv(40)), "f.csv", None)
    sample = samples.draw_for_control(
        control, population, judgement_size(5, "Liten population."),
        samples.DrawChoices(id_column="fakturanr", seed="frö"), Fraction(1, 20), Fraction(1, 20))
    result = controls.record_result(control, controls.ResultData("T1", "Inga brister"),
                                    [evidence.check_evidence("a.txt", b"ok\n")])
    db.session.commit()
    ids.update({
        f"{prefix}plan": plan.id, f"{prefix}area": area.id, f"{prefix}risk": risk.id,
        f"{prefix}action": action.id, f"{prefix}control": control.id,
        f"{prefix}sample": sample.id, f"{prefix}result": result.id,
        f"{prefix}evidence": result.evidence[0].id, f"{prefix}checksum": population.checksum,
        f"{prefix}item": sample.items[0].id,
    })


def _build_world(files: Path) -> World:
    from .sam_factories import build_sam_org

    units: dict[str, Any] = {}

    def make_unit(name, kind=OrgUnitKind.NAMND, parent=None, code=None):
        if parent is None and kind is not OrgUnitKind.REGION:
            parent = units.get("region") or make_unit("Testregionen", OrgUnitKind.REGION,
                                                      code="TR")
        unit = org.create_org_unit(name, kind, code or name[:4].upper(), parent)
        db.session.commit()
        if kind is OrgUnitKind.REGION:
            units["region"] = unit
        return unit

    def make_user(email, role=Role.READER, unit=None, **kwargs):
        user = accounts.create_user(email, PASSWORD, role, unit, **kwargs)
        db.session.commit()
        return user

    sam_org = build_sam_org(make_unit, make_user)
    ids: dict[str, Any] = {}
    users = sam_org.users
    _plan_with_everything(sam_org.units["SN"], users["controller"], "", ids)
    # HSN's controls have HSN's own controller: SN's controller owns nothing there, so the
    # plan is out of reach for them (owning a control would let them read it).
    hsn_controller = make_user("kontroll.hsn@example.org", Role.CONTROLLER, sam_org.units["HSN"])
    _plan_with_everything(sam_org.units["HSN"], hsn_controller, "hsn_", ids)
    sam_round = sam_org.start()
    hugo_round = sam_org.start("HSN")
    follow_up = next(f for f in sam_round.follow_ups if f.manager_id == users["maria"].id)
    # Elin's follow-up is answered and kvitterad: Maria, her fördelande chef, may send it back.
    elin = next(f for f in sam_round.follow_ups if f.manager_id == users["elin"].id)
    answer_all(elin)
    sam.acknowledge(elin, by=users["elin"], expected_version=elin.version_id)
    db.session.commit()
    ids.update({
        "round": sam_round.id, "hsn_round": hugo_round.id, "follow_up": follow_up.id,
        "follow_up_version": follow_up.version_id, "elin_follow_up": elin.id,
        "elin_follow_up_version": elin.version_id,
        "hugo_follow_up": hugo_round.follow_ups[0].id,
        "assignment": sam_org.assignments["elin"].id,
        "maria_unit": sam_org.units["MT"].id, "hsn_unit": sam_org.units["HSN"].id,
        "sn_unit": sam_org.units["SN"].id, "maria": users["maria"].id,
        "hugo": users["hugo"].id,
    })
    ids["users"] = {key: user.get_id() for key, user in users.items()}
    return World(ids)


@pytest.fixture(scope="module", params=BACKENDS)
def hostile(request, database_urls, tmp_path_factory) -> Iterator[tuple[Flask, World]]:
    """One world per database for the whole corpus: no case may change it (each checks)."""
    url = database_urls[request.param]()
    application = create_app(base_config(url, tmp_path_factory.mktemp("hostile")))
    application.test_client_class = IsolatedClient
    application.config["FILES_DIR"] = str(tmp_path_factory.mktemp("files"))
    with application.app_context():
        try:
            yield application, _build_world(Path(application.config["FILES_DIR"]))
        finally:
            db.session.remove()
            _empty_all_tables()
            db.engine.dispose()


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of every table except the audit trail (a refusal may be recorded there)."""
    db.session.expire_all()
    rows = {}
    for table in db.metadata.sorted_tables:
        if table.name in ("audit_entry", "audit_chain_head"):  # a refusal may be recorded
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        rows[table.name] = [tuple(r) for r in db.session.execute(select(table).order_by(*order))]
    return rows


@dataclass(frozen=True)
class Case:
    name: str
    path: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] | None = None  # None: a GET
    message: str = ""
    user: str = "admin"
    statuses: tuple[int, ...] = (400,)


def _form(**fields: Any) -> Callable[[World], dict[str, Any]]:
    def value_of(value: Any, w: World) -> Any:
        if isinstance(value, list):
            return [value_of(item, w) for item in value]
        return value(w) if callable(value) else value

    return lambda w: {key: value_of(value, w) for key, value in fields.items()}


RISK = {"text": "Risken att fakturor betalas för sent.", "criteria": ["c"], "likelihood": "2",
        "consequence": "2", "treatment": "mitigate", "owner_id": "0", "source": ""}
ACTION = {"text": "Uppföljning varje månad.", "responsible": "", "due_date": "",
          "status": "planned"}
CONTROL = {"target": lambda w: f"action-{w.action}", "description": "Fakturor granskas.",
           "method_text": "Stickprov på fakturor.", "method": "sample", "occurrences": ["T1"],
           "occurrence_date": "", "responsible": "0", "population_description": ""}
RESULT = {"outcome": "performed", "performed_text": "April", "result_text": "Inga brister",
          "category": "", "remediation": "", "remediation_status": "", "sample": "0"}
DRAW = {"size_method": "judgement", "risk": "5", "tolerable": "5 %", "expected": "0 %",
        "size": "10", "reason": "Tio räcker.", "amount_column": "", "strata_column": "",
        "band_edges": "", "threshold": "", "seed": ""}
ROUND = {"org_unit": lambda w: str(w.sn_unit), "year": "2027", "due_on": "2027-03-01",
         "questions": "Har du följt upp arbetsmiljön?"}


def _risk(**changes: Any) -> Callable[[World], dict[str, Any]]:
    return _form(**{"area": lambda w: str(w.area), **RISK, **changes})


def _plan(w: World, rest: str = "") -> str:
    return f"/planer/{w.plan}{rest}"


def _control(w: World, rest: str = "") -> str:
    return f"/planer/{w.plan}/kontroller/{w.control}{rest}"


def _sample(w: World, rest: str = "") -> str:
    return f"/planer/{w.plan}/kontroller/{w.control}/stickprov/{w.sample}{rest}"


TOO_LONG = "Å" * 10_001
CASES = [
    # --- text fields: required, too long ---------------------------------------------------
    Case("plan-area-name-blank", lambda w: _plan(w, "/verksamheter/ny"),
         _form(name="   ", reason=""), "Ange verksamhetens namn"),
    Case("plan-area-name-too-long", lambda w: _plan(w, "/verksamheter/ny"),
         _form(name="x" * 201, reason=""), "200 tecken"),
    Case("risk-text-blank", lambda w: _plan(w, "/risker/ny"), _risk(text=" \n\t "),
         "Beskriv risken"),
    Case("risk-text-too-long", lambda w: _plan(w, "/risker/ny"), _risk(text=TOO_LONG),
         "10000 tecken"),
    Case("risk-source-too-long", lambda w: _plan(w, "/risker/ny"), _risk(source="k" * 301),
         "300 tecken"),
    Case("risk-accepted-by-too-long", lambda w: _plan(w, "/risker/ny"),
         _risk(treatment="accept", accepted_by="n" * 201, accepted_on="2026-01-10",
               acceptance_reason="Kostnaden är för hög."), "200 tecken"),
    Case("risk-acceptance-reason-too-long", lambda w: _plan(w, "/risker/ny"),
         _risk(treatment="accept", accepted_by="Nämnden", accepted_on="2026-01-10",
               acceptance_reason="m" * 4001), "4000 tecken"),
    Case("risk-edit-reason-too-long", lambda w: _plan(w, f"/risker/{w.risk}"),
         _risk(reason="r" * 2001, version="1"), "2000 tecken"),
    Case("action-text-blank", lambda w: _plan(w, f"/risker/{w.risk}/atgarder/ny"),
         _form(**{**ACTION, "text": ""}), "Beskriv åtgärden"),
    Case("action-text-too-long", lambda w: _plan(w, f"/risker/{w.risk}/atgarder/ny"),
         _form(**{**ACTION, "text": TOO_LONG}), "10000 tecken"),
    Case("action-responsible-too-long", lambda w: _plan(w, f"/risker/{w.risk}/atgarder/ny"),
         _form(**{**ACTION, "responsible": "a" * 201}), "200 tecken"),
    Case("adopt-paragraph-blank", lambda w: _plan(w, "/faststall"),
         _form(adopted_on="2026-01-20", paragraph="  ", diary_number=""), "Ange paragrafen"),
    Case("adopt-paragraph-too-long", lambda w: _plan(w, "/faststall"),
         _form(adopted_on="2026-01-20", paragraph="§" * 101, diary_number=""), "100 tecken"),
    Case("adopt-diary-number-too-long", lambda w: _plan(w, "/faststall"),
         _form(adopted_on="2026-01-20", paragraph="SN § 4", diary_number="d" * 101),
         "100 tecken"),
    Case("control-description-blank", lambda w: _plan(w, "/kontroller/ny"),
         _form(**{**CONTROL, "description": ""}), "Beskriv vad som kontrolleras"),
    Case("control-description-too-long", lambda w: _plan(w, "/kontroller/ny"),
         _form(**{**CONTROL, "description": TOO_LONG}), "tecken"),
    Case("control-population-too-long", lambda w: _plan(w, "/kontroller/ny"),
         _form(**{**CONTROL, "population_description": TOO_LONG}), "tecken"),
    Case("result-performed-text-blank", lambda w: _control(w, "/utfall/ny"),
         _form(**{**RESULT, "performed_text": ""}), "När"),
    Case("result-comment-too-long", lambda w: _control(w, "/utfall/ny"),
         _form(**{**RESULT, "result_text": "k" * 4001}), "4000 tecken"),
    Case("draw-reason-missing-for-judgement", lambda w: f"/planer/{w.plan}/kontroller/"
         f"{w.control}/stickprov/dra/{w.checksum}", _form(**{**DRAW, "reason": ""}),
         "motivering"),
    Case("draw-seed-too-long", lambda w: f"/planer/{w.plan}/kontroller/{w.control}/stickprov/"
         f"dra/{w.checksum}", _form(**{**DRAW, "seed": "s" * 201}), "200 tecken"),
    Case("sample-outcome-comment-too-long", lambda w: _sample(w, "/resultat"),
         lambda w: {"version": "1", f"outcome-{w.item}": "ok", f"comment-{w.item}": "c" * 2001},
         "2 000 tecken"),
    Case("round-questions-blank", lambda w: "/sam/rundor/ny", _form(**{**ROUND, "questions": ""}),
         "fråga"),
    Case("send-back-comment-blank",
         lambda w: f"/sam/uppfoljningar/{w.elin_follow_up}/skicka-tillbaka",
         _form(version=lambda w: str(w.elin_follow_up_version), comment=" "),
         "Skriv vad chefen behöver komplettera", user="maria"),
    Case("return-reason-blank", lambda w: f"/sam/uppfoljningar/{w.follow_up}/returneringar",
         _form(version=lambda w: str(w.follow_up_version), task="Riskbedömning", reason=""),
         "Ange skälet till returneringen", user="maria"),
    # --- numbers ----------------------------------------------------------------------------
    Case("plan-year-huge", lambda w: "/planer/ny", _form(org_unit=lambda w: str(w.sn_unit),
         year=HUGE), "mellan 2000 och 2100"),
    Case("plan-year-negative", lambda w: "/planer/ny", _form(org_unit=lambda w: str(w.sn_unit),
         year="-2026"), "mellan 2000 och 2100"),
    Case("plan-year-not-a-number", lambda w: "/planer/ny",
         _form(org_unit=lambda w: str(w.sn_unit), year="tjugotjugosju"), "heltal"),
    Case("plan-year-superscript", lambda w: "/planer/ny",
         _form(org_unit=lambda w: str(w.sn_unit), year="²⁰²⁷"), "heltal"),
    Case("risk-likelihood-out-of-scale", lambda w: _plan(w, "/risker/ny"), _risk(likelihood="5"),
         CHOOSE),
    Case("risk-consequence-negative", lambda w: _plan(w, "/risker/ny"), _risk(consequence="-1"),
         CHOOSE),
    Case("risk-likelihood-text", lambda w: _plan(w, "/risker/ny"), _risk(likelihood="hög"),
         CHOOSE),
    Case("control-month-13", lambda w: _plan(w, "/kontroller/ny"),
         _form(**{**CONTROL, "occurrences": ["13"]}), CHOOSE),
    Case("control-tertial-4", lambda w: _plan(w, "/kontroller/ny"),
         _form(**{**CONTROL, "occurrences": ["T1", "T4"]}), CHOOSE),
    Case("draw-size-zero", lambda w: f"/planer/{w.plan}/kontroller/{w.control}/stickprov/dra/"
         f"{w.checksum}", _form(**{**DRAW, "size": "0"}), "poster"),
    Case("draw-size-negative", lambda w: f"/planer/{w.plan}/kontroller/{w.control}/stickprov/dra/"
         f"{w.checksum}", _form(**{**DRAW, "size": "-5"}), "poster"),
    Case("draw-size-huge", lambda w: f"/planer/{w.plan}/kontroller/{w.control}/stickprov/dra/"
         f"{w.checksum}", _form(**{**DRAW, "size": HUGE}), "poster"),
    Case("draw-size-exponent", lambda w: f"/planer/{w.plan}/kontroller/{w.control}/stickprov/"
         f"dra/{w.checksum}", _form(**{**DRAW, "size": "1e9"}), "heltal"),
    Case("draw-tolerable-over-100", lambda w: f"/planer/{w.plan}/kontroller/{w.control}/"
         f"stickprov/dra/{w.checksum}", _form(**{**DRAW, "size_method": "statistical",
                                                 "tolerable": "150 %"}), "%"),
    Case("draw-tolerable-nan", lambda w: f"/planer/{w.plan}/kontroller/{w.control}/stickprov/"
         f"dra/{w.checksum}", _form(**{**DRAW, "size_method": "statistical",
                                       "tolerable": "NaN"}), "%"),
    Case("draw-expected-infinite", lambda w: f"/planer/{w.plan}/kontroller/{w.control}/"
         f"stickprov/dra/{w.checksum}", _form(**{**DRAW, "size_method": "statistical",
                                                 "expected": "inf"}), "%"),
    Case("draw-risk-not-offered", lambda w: f"/planer/{w.plan}/kontroller/{w.control}/stickprov/"
         f"dra/{w.checksum}", _form(**{**DRAW, "risk": "50"}), CHOOSE),
    Case("draw-band-edges-nan", lambda w: f"/planer/{w.plan}/kontroller/{w.control}/stickprov/"
         f"dra/{w.checksum}", _form(**{**DRAW, "band_edges": "1000; NaN"}), "tal"),
    Case("draw-threshold-astronomic", lambda w: f"/planer/{w.plan}/kontroller/{w.control}/"
         f"stickprov/dra/{w.checksum}", _form(**{**DRAW, "threshold": "1e999999999"}), "tal"),
    Case("draw-threshold-words", lambda w: f"/planer/{w.plan}/kontroller/{w.control}/stickprov/"
         f"dra/{w.checksum}", _form(**{**DRAW, "threshold": "tusen kronor"}), "tal"),
    Case("calculator-tolerable-nan", lambda w: "/stickprovsstorlek?size_method=statistical"
         "&risk=5&tolerable=NaN&expected=0", None, "%"),
    Case("calculator-size-negative", lambda w: "/stickprovsstorlek?size_method=judgement"
         "&risk=5&size=-3&reason=x", None, "poster"),
    Case("calculator-expected-above-tolerable", lambda w: "/stickprovsstorlek?"
         "size_method=statistical&risk=5&tolerable=2&expected=9", None, "förväntade"),
    Case("round-year-huge", lambda w: "/sam/rundor/ny", _form(**{**ROUND, "year": HUGE}), "år"),
    Case("round-year-text", lambda w: "/sam/rundor/ny", _form(**{**ROUND, "year": "nästa"}),
         "heltal"),
    Case("version-superscript", lambda w: _plan(w, f"/risker/{w.risk}"),
         _risk(version="²"), STALE, statuses=(409,)),
    Case("version-huge", lambda w: _plan(w, f"/risker/{w.risk}"), _risk(version=HUGE), STALE,
         statuses=(409,)),
    Case("follow-up-version-text", lambda w: f"/sam/uppfoljningar/{w.follow_up}/kvittera",
         _form(version="senaste", confirm="y"), STALE, user="maria", statuses=(409,)),
    # --- dates ------------------------------------------------------------------------------
    Case("adopt-date-february-30", lambda w: _plan(w, "/faststall"),
         _form(adopted_on="2026-02-30", paragraph="SN § 4", diary_number=""), "datum"),
    Case("adopt-date-swedish-order", lambda w: _plan(w, "/faststall"),
         _form(adopted_on="20/01/2026", paragraph="SN § 4", diary_number=""), "datum"),
    Case("adopt-date-year-zero", lambda w: _plan(w, "/faststall"),
         _form(adopted_on="0000-01-01", paragraph="SN § 4", diary_number=""), "datum"),
    Case("risk-accepted-on-month-13", lambda w: _plan(w, "/risker/ny"),
         _risk(treatment="accept", accepted_by="Nämnden", accepted_on="2026-13-01",
               acceptance_reason="Kostnaden är för hög."), "datum"),
    Case("action-due-date-garbage", lambda w: _plan(w, f"/risker/{w.risk}/atgarder/ny"),
         _form(**{**ACTION, "due_date": "imorgon"}), "datum"),
    Case("control-date-far-future", lambda w: _plan(w, "/kontroller/ny"),
         _form(**{**CONTROL, "occurrence_date": "99999-01-01"}), "datum"),
    Case("result-date-outside-plan-year", lambda w: _control(w, "/utfall/ny"),
         _form(**{**RESULT, "performed_text": "1999-04-01"}), "2026"),
    Case("result-date-leap-day-in-2026", lambda w: _control(w, "/utfall/ny"),
         _form(**{**RESULT, "performed_text": "2026-02-29"}), "datum"),
    Case("result-week-60", lambda w: _control(w, "/utfall/ny"),
         _form(**{**RESULT, "performed_text": "vecka 60"}), "tidpunkt"),
    Case("result-not-performed-with-a-date", lambda w: _control(w, "/utfall/ny"),
         _form(**{**RESULT, "outcome": "not_performed", "performed_text": "2026-03-01"}),
         "inget datum"),
    Case("result-outcome-unknown", lambda w: _control(w, "/utfall/ny"),
         _form(**{**RESULT, "outcome": "kanske"}), CHOOSE),
    Case("round-due-date-garbage", lambda w: "/sam/rundor/ny",
         _form(**{**ROUND, "due_on": "2027-02-31"}), "datum"),
    # --- selects given values they do not offer ---------------------------------------------
    Case("risk-area-of-another-plan", lambda w: _plan(w, "/risker/ny"),
         _risk(area=lambda w: str(w.hsn_area)), CHOOSE),
    Case("risk-owner-unknown", lambda w: _plan(w, "/risker/ny"), _risk(owner_id=HUGE),
         CHOOSE),
    Case("risk-criterion-unknown", lambda w: _plan(w, "/risker/ny"), _risk(criteria=["z"]),
         CHOOSE),
    Case("control-target-in-another-plan", lambda w: _plan(w, "/kontroller/ny"),
         _form(**{**CONTROL, "target": lambda w: f"action-{w.hsn_action}"}), CHOOSE),
    Case("control-target-malformed", lambda w: _plan(w, "/kontroller/ny"),
         _form(**{**CONTROL, "target": "action-../../1"}), CHOOSE),
    Case("control-responsible-unknown", lambda w: _plan(w, "/kontroller/ny"),
         _form(**{**CONTROL, "responsible": "424242"}), CHOOSE),
    Case("result-sample-of-another-control", lambda w: _control(w, "/utfall/ny"),
         _form(**{**RESULT, "sample": lambda w: str(w.hsn_sample)}), CHOOSE),
    Case("result-category-unknown", lambda w: _control(w, "/utfall/ny"),
         _form(**{**RESULT, "category": "perfect"}), CHOOSE),
    Case("result-occurrence-not-planned", lambda w: _control(w, "/utfall/ny"),
         _form(**{**RESULT, "occurrences": ["T3"]}), CHOOSE),
    Case("plan-unit-outside-scope", lambda w: "/planer/ny",
         _form(org_unit=lambda w: str(w.hsn_unit), year="2027"), CHOOSE,
         user="controller"),
    Case("round-unit-unknown", lambda w: "/sam/rundor/ny",
         _form(**{**ROUND, "org_unit": HUGE}), CHOOSE),
    Case("manager-user-unknown", lambda w: "/sam/chefer/ny",
         _form(version="0", user="424242", units=[lambda w: str(w.maria_unit)], delegating="0"),
         CHOOSE),
    Case("manager-unit-unknown", lambda w: "/sam/chefer/ny",
         _form(version="0", user=lambda w: str(w.maria), units=["424242"], delegating="0"),
         CHOOSE),
    # --- forged ids, one per kind of object -------------------------------------------------
    Case("plan-missing", lambda w: "/planer/424242", None, NOT_FOUND, statuses=(404,)),
    Case("plan-id-too-large", lambda w: f"/planer/{HUGE}", None, NOT_FOUND, statuses=(404,)),
    Case("plan-id-too-large-post", lambda w: f"/planer/{HUGE}/risker/ny", _risk(), NOT_FOUND,
         statuses=(404,)),
    Case("plan-of-another-unit", lambda w: f"/planer/{w.hsn_plan}", None, FORBIDDEN,
         user="controller", statuses=(403,)),
    Case("plan-of-another-unit-edit", lambda w: f"/planer/{w.hsn_plan}/risker/ny",
         _form(**RISK, area=lambda w: str(w.hsn_area)), FORBIDDEN, user="controller",
         statuses=(403,)),
    Case("area-of-another-plan", lambda w: _plan(w, f"/verksamheter/{w.hsn_area}"),
         _form(name="Nytt namn", reason="", version="1"), NOT_FOUND, statuses=(404,)),
    Case("risk-of-another-plan", lambda w: _plan(w, f"/risker/{w.hsn_risk}"),
         _risk(version="1"), NOT_FOUND, statuses=(404,)),
    Case("action-of-another-plan", lambda w: _plan(w, f"/atgarder/{w.hsn_action}"),
         _form(**ACTION, version="1"), NOT_FOUND, statuses=(404,)),
    Case("revision-missing", lambda w: _plan(w, "/versioner/424242"), None, NOT_FOUND,
         statuses=(404,)),
    Case("control-of-another-plan", lambda w: f"/planer/{w.plan}/kontroller/{w.hsn_control}"
         "/andra", _form(**CONTROL, version="1"), NOT_FOUND, statuses=(404,)),
    Case("control-id-too-large", lambda w: f"/planer/{w.plan}/kontroller/{HUGE}", None,
         NOT_FOUND, statuses=(404,)),
    Case("sample-of-another-control", lambda w: f"/planer/{w.plan}/kontroller/{w.control}/"
         f"stickprov/{w.hsn_sample}/resultat", _form(version="1"), NOT_FOUND, statuses=(404,)),
    Case("result-of-another-control", lambda w: _control(w, f"/utfall/{w.hsn_result}/arkivera"),
         _form(), NOT_FOUND, statuses=(404,)),
    Case("evidence-of-another-plan", lambda w: _plan(w, f"/underlag/{w.hsn_evidence}"), None,
         NOT_FOUND, statuses=(404,)),
    Case("population-checksum-forged", lambda w: _control(w, "/stickprov/dra/" + "0" * 64),
         None, NOT_FOUND, statuses=(404,)),
    Case("population-checksum-path", lambda w: _control(w, "/stickprov/dra/..%2F..%2Fsecret_key"),
         None, NOT_FOUND, statuses=(404,)),
    Case("round-missing", lambda w: "/sam/rundor/424242", None, NOT_FOUND, statuses=(404,)),
    Case("round-id-too-large", lambda w: f"/sam/rundor/{HUGE}/fragor",
         _form(version="1", questions="Fråga?"), NOT_FOUND, statuses=(404,)),
    Case("follow-up-missing", lambda w: "/sam/uppfoljningar/424242", None, NOT_FOUND,
         statuses=(404,)),
    Case("follow-up-of-someone-else", lambda w: f"/sam/uppfoljningar/{w.hugo_follow_up}/svar",
         _form(version="1"), FORBIDDEN, user="maria", statuses=(403, 404)),
    Case("return-of-another-follow-up", lambda w: f"/sam/uppfoljningar/{w.follow_up}/"
         "returneringar/424242/aterta", _form(version="1"), NOT_FOUND, user="maria",
         statuses=(404,)),
    Case("manager-assignment-missing", lambda w: "/sam/chefer/424242", None, NOT_FOUND,
         statuses=(404,)),
    Case("import-token-forged", lambda w: _plan(w, "/importera/bekrafta"),
         _form(token="../../etc/passwd"), "Förhandsgranskningen har gått ut"),
]


def _login(client, world: World, who: str) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = world.users[who]
        session["_fresh"] = True
        session["last_seen"] = int(time.time())


def _csrf(client) -> str:
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_the_corpus_is_large_enough_and_names_are_unique():
    assert len(CASES) >= 60
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_hostile_input_is_refused_in_swedish_and_writes_nothing(case: Case, hostile):
    app, world = hostile
    client = app.test_client()
    _login(client, world, case.user)
    path = case.path(world)
    before = _snapshot()

    if case.data is None:
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": _csrf(client), **case.data(world)})

    text = response.get_data(as_text=True)
    problems = [re.sub(r"<[^>]+>|\s+", " ", p).strip() for p in re.findall(
        r"Fel: </span>(.*?)</(?:p|li)>", text, re.S)]
    assert response.status_code in case.statuses, (response.status_code, problems)
    assert '<html lang="sv">' in text
    assert case.message.lower() in text.lower(), problems
    assert _snapshot() == before
