"""Demo of the whole cycle: earlier years followed up, judged and closed; this year's
assessments drafted; the region's own texts and the SAM indicator's targets.

Servicenämnden's 2024 and 2025 plans start as copies of 2023 (as next year's plan usually
does), with controls, a SAM round and an ISK-bedömning in 2025. Every plan of 2022–2025 is
closed after its helår assessment; the region's samlad bedömning of 2025 weighs the nämnder's.
All judgements, texts, decisions and results here are made up for the demo
(isk/demo_data/README.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select

from ...extensions import db
from ...models import (
    AnswerValue,
    AssessmentPeriod,
    ControlMethod,
    Criterion,
    Judgement,
    OrgUnit,
    Plan,
    RegionTextKey,
    RemediationStatus,
    ResultCategory,
    Risk,
    User,
)
from .. import assessment, clock, controls, plans, sam, wording
from .files import read_demo_file

CONTROLLER_EMAIL = "kontrollant@example.org"
TARGETS = {2024: ((90, 100), (90, 100)), 2025: ((90, 100), (90, 100)),
           2026: ((90, 100), (90, 100))}


@dataclass(frozen=True)
class Decision:
    on: date
    paragraph: str
    diary: str


# Copies of the 2023 plans, adopted as the following years' plans.
COPIED_PLANS = {
    ("ROL", 2024): Decision(date(2023, 11, 28), "RS § 190", "RS 2023/3120"),
    ("SN", 2024): Decision(date(2023, 11, 23), "SN § 52", "SN 2023/1930"),
    ("ROL", 2025): Decision(date(2024, 11, 26), "RS § 183", "RS 2024/3305"),
    ("SN", 2025): Decision(date(2024, 11, 21), "SN § 49", "SN 2024/1988"),
}

STATEMENTS = {
    "a": "Verksamheten har i huvudsak fullgjort sina uppdrag och nått de mål som nämnden "
         "beslutat; avvikelser redovisas i verksamhetsberättelsen.",
    "b": "Verksamheten har bedrivits inom tilldelad ekonomisk ram.",
    "c": "Kontrollerna mot styrande dokument och avtal visade i huvudsak efterlevnad. Där "
         "brister hittades har åtgärder vidtagits.",
    "d": "Redovisningen bedöms rättvisande; kontrollerna av fakturor och avstämningar gav "
         "inga väsentliga anmärkningar.",
    "e": "Informationssäkerhetsarbetet följer regionens riktlinjer; informationsklassning av "
         "nya system görs vid anskaffning.",
}


@dataclass(frozen=True)
class DemoAssessment:
    unit: str
    year: int
    judgement: Judgement
    motivation: str
    decision: Decision
    improvements: tuple[str, ...] = ()


ANNUAL = (
    DemoAssessment("MT", 2022, Judgement.SUFFICIENT,
                   "Områdets åtgärder har genomförts och de kontroller som gjordes visade inga "
                   "väsentliga brister.", Decision(date(2023, 2, 16), "RS § 21", "RS 2023/311")),
    DemoAssessment("ROL", 2022, Judgement.SUFFICIENT,
                   "Nämndernas bedömningar visar en tillräcklig intern kontroll.",
                   Decision(date(2023, 3, 28), "RS § 52", "RS 2023/402")),
    DemoAssessment("SN", 2023, Judgement.SUFFICIENT,
                   "Planens åtgärder har genomförts eller pågår enligt plan och kontrollerna "
                   "gav inga väsentliga anmärkningar.",
                   Decision(date(2024, 2, 15), "SN § 8", "SN 2024/144")),
    DemoAssessment("ROL", 2023, Judgement.SUFFICIENT,
                   "Nämndernas bedömningar visar en tillräcklig intern kontroll.",
                   Decision(date(2024, 3, 26), "RS § 49", "RS 2024/388")),
    DemoAssessment("SN", 2024, Judgement.SUFFICIENT,
                   "Planens åtgärder har genomförts och kontrollerna gav inga väsentliga "
                   "anmärkningar.", Decision(date(2025, 2, 13), "SN § 7", "SN 2025/131")),
    DemoAssessment("ROL", 2024, Judgement.SUFFICIENT,
                   "Nämndernas bedömningar visar en tillräcklig intern kontroll.",
                   Decision(date(2025, 3, 25), "RS § 47", "RS 2025/376")),
    DemoAssessment(
        "SN", 2025, Judgement.PARTLY,
        "Den interna kontrollen har varit delvis tillräcklig. Kontrollen av kontinuitetsplanerna "
        "visade att två av fem planer inte var uppdaterade, och kontrollen av löneändringarna "
        "utfördes inte. Andelen chefer som kvitterat sin uppföljning av SAM nådde inte målet. "
        "Övriga kontroller visade inga brister och planens åtgärder har genomförts eller pågår.",
        Decision(date(2026, 2, 19), "SN § 9", "SN 2026/152"),
        ("Kontinuitetsplanerna ska stämmas av två gånger per år.",
         "Kontrollen av löneändringar ska bemannas så att den blir utförd.")),
    DemoAssessment(
        "ROL", 2025, Judgement.PARTLY,
        "Regionstyrelsen bedömer den samlade interna kontrollen som delvis tillräcklig. "
        "Servicenämnden bedömer sin som delvis tillräcklig, och Hälso- och "
        "sjukvårdsnämndens bedömning har ännu inte fastställts.",
        Decision(date(2026, 3, 24), "RS § 51", "RS 2026/402")),
)


def load_region_texts(region: OrgUnit) -> None:
    """Region Örebro län's own wording, as its verksamhetsplaner print it."""
    texts = json.loads(read_demo_file("region-wording.json"))
    wording.save_texts(region, {RegionTextKey(key): value for key, value in texts.items()})
    for year, (target, long_term) in TARGETS.items():
        sam.set_target(region, year, target, long_term)


def mark_sam_risks() -> None:
    """The region-wide SAM risks are followed up by the SAM indicator."""
    for risk in db.session.scalars(select(Risk).where(
            Risk.region_wide.is_(True), Risk.text.contains("arbetsmiljöarbete (SAM)"))):
        risk.sam_indicator = True


def _plan(unit: OrgUnit, year: int) -> Plan:
    plan = db.session.scalar(select(Plan).where(Plan.org_unit_id == unit.id, Plan.year == year))
    assert plan is not None
    return plan


def copy_forward(units: dict[str, OrgUnit]) -> None:
    """2024 and 2025: copies of the year before, adopted (the region's first)."""
    for year in (2024, 2025):
        for code in ("ROL", "SN"):
            copy = plans.copy_to_next_year(_plan(units[code], year - 1))
            decision = COPIED_PLANS[code, year]
            plans.adopt_plan(copy, decision.on, decision.paragraph, decision.diary)


def load_controls_2025(units: dict[str, OrgUnit]) -> None:
    """Servicenämnden's controls in 2025: one with brister, one not performed, one clean."""
    plan = plans.load_plan_for_display(_plan(units["SN"], 2025).id)
    assert plan is not None
    controller = db.session.scalar(select(User).where(User.email == CONTROLLER_EMAIL))

    def target(starts_with: str) -> str:
        return next(t.key for t in controls.targets_for(plan) if t.risk is not None
                    and t.risk.text.startswith(starts_with) and t.action is None)

    def control(starts_with: str, description: str, method_text: str, method: ControlMethod,
                occurrences: list[str]):
        return controls.create_control(plan, target(starts_with), controls.ControlData(
            description=description, method_text=method_text, method=method,
            occurrences=occurrences, responsible=controller))

    continuity = control("Risken att Regionservice inte kan bedriva", "Kontinuitetsplanerna för "
                         "samhällskritiska leveranser är uppdaterade", "Genomgång av de fem "
                         "kontinuitetsplanerna mot checklistan.", ControlMethod.CHECKLIST,
                         ["T2"])
    controls.record_result(continuity, controls.ResultData(
        "juni", "Två av fem kontinuitetsplaner var inte uppdaterade efter omorganisationen.",
        ResultCategory.FINDINGS, "Planerna uppdateras under hösten.",
        RemediationStatus.IN_PROGRESS))
    upkeep = control("Risk att ett ändamålsenligt underhåll", "Underhållsplanen stäms av mot "
                     "utfört underhåll", "Utfört underhåll jämförs med underhållsplanen.",
                     ControlMethod.DOCUMENT_REVIEW, ["helar"])
    controls.record_result(upkeep, controls.ResultData(
        "november", "Utfört underhåll stämde med underhållsplanen.",
        ResultCategory.NO_FINDINGS))
    payroll = control("Risken att lönehantering", "Attest av löneändringar stäms av mot "
                      "beslut", "Stickprov på löneändringar under hösten.",
                      ControlMethod.SAMPLE, ["T3"])
    controls.record_result(payroll, controls.ResultData(
        "Ej utfört", "Kontrollen kunde inte bemannas under hösten.",
        remediation="Görs i T1 2026.", remediation_status=RemediationStatus.PLAN_MADE,
        performed=False))


FOLLOWUP_2025 = "uppfoljning-servicenamnden-2025.csv"


def import_followup_2025(units: dict[str, OrgUnit]) -> None:
    """Servicenämnden's follow-up table of 2025, as its verksamhetsberättelse has it."""
    plan = plans.load_plan_for_display(_plan(units["SN"], 2025).id)
    assert plan is not None
    data = read_demo_file(FOLLOWUP_2025).encode("utf-8")
    controls.table.import_file(plan, FOLLOWUP_2025, data)


def load_sam_2025(units: dict[str, OrgUnit]) -> None:
    """Last year's SAM round, closed: six of seven chefs kvitterade (86 %, target 90–100 %)."""
    users = {user.email: user for user in db.session.scalars(select(User))}
    with clock.frozen_today(date(2025, 2, 3)):
        sam_round = sam.start_round(units["SN"], 2025, date(2025, 3, 31),
                                    [str(q) for q in sam.DEFAULT_QUESTIONS],
                                    started_by=users["hr@example.org"])
    moment = datetime(2025, 3, 20, 9, 0, tzinfo=UTC)
    for follow_up in sam_round.follow_ups:
        if follow_up.manager.email == "enhetschef.drift@example.org":
            continue  # never answered
        sam.save_answers(follow_up, {q.id: sam.AnswerInput(AnswerValue.YES, "")
                                     for q in sam_round.live_questions})
        sam.acknowledge(follow_up, by=follow_up.manager)
        follow_up.answered_at = follow_up.acknowledged_at = moment
    sam.close_round(sam_round)
    sam_round.started_at = datetime(2025, 2, 3, 8, 0, tzinfo=UTC)
    sam_round.closed_at = datetime(2025, 4, 10, 12, 0, tzinfo=UTC)


def _assess(unit: OrgUnit, spec: DemoAssessment) -> None:
    item = assessment.create_assessment(unit, spec.year, AssessmentPeriod.ANNUAL)
    assessment.update_assessment(item, assessment.AssessmentContent(
        spec.judgement, spec.motivation, **{f"statement_{k}": v for k, v in STATEMENTS.items()}),
        None)
    for text in spec.improvements:
        assessment.add_improvement(item, text)
    assessment.adopt_assessment(item, spec.decision.on, spec.decision.paragraph,
                                spec.decision.diary)


def close_past_years(units: dict[str, OrgUnit]) -> None:
    """Each plan of 2022–2025 closes after its helår assessment (the region's last)."""
    for spec in ANNUAL:
        _assess(units[spec.unit], spec)
        plans.close_plan(_plan(units[spec.unit], spec.year))


def load_assessment_drafts(units: dict[str, OrgUnit]) -> None:
    """This year's work: the delår assessment nearly done, the helår one begun, and a
    förbättringsområde already carried into next year's draft plan as a risk."""
    sn = units["SN"]
    interim = assessment.create_assessment(sn, 2026, AssessmentPeriod.INTERIM)
    assessment.update_assessment(interim, assessment.AssessmentContent(
        Judgement.SUFFICIENT,
        "Under årets första åtta månader har planens kontroller i huvudsak genomförts. "
        "Stickprovet av fakturor visade två avvikelser, som har åtgärdats; kontrollen av "
        "inköpsmönster efter robotattest har skjutits till T3.",
        **{f"statement_{k}": v for k, v in STATEMENTS.items() if k != "e"}), None)
    annual = assessment.create_assessment(sn, 2026, AssessmentPeriod.ANNUAL)
    assessment.update_assessment(annual, assessment.AssessmentContent(
        Judgement.PARTLY,
        "Preliminär bedömning, som fastställs när årets sista kontroller är utförda: "
        "stickprovet av fakturor visade avvikelser, och kontrollen av inköpsmönster efter "
        "robotattest är ännu inte utförd."), None)
    carried = assessment.add_improvement(
        annual, "Risken att avtalstrohet vid inköp inte följs upp i tid.")
    assessment.add_improvement(annual, "Stickprov på fakturor ska göras varje tertial.")
    assessment.carry_as_risk(carried, "Ekonomi", [Criterion.C, Criterion.D])
