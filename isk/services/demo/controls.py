"""Demo controls on Servicenämnden's 2026 plan: a stickprov with two deviations, kontrollutfall
in T1 and T2, a control recurring each tertial, kontrollområden of the plan as a whole, one
not performed and some not yet due, so the follow-up report shows every state.
"""

from __future__ import annotations

import io
from fractions import Fraction

from sqlalchemy import select

from ...extensions import db
from ...models import (
    ControlMethod,
    ItemOutcome,
    OrgUnit,
    Plan,
    RemediationStatus,
    ResultCategory,
    User,
)
from .. import controls
from ..sampling import samples
from ..sampling.stats import sample_size

DEMO_SEED = "isk-demo-2026-sn-fakturor"
CONTROLLER_EMAIL = "kontrollant@example.org"


def demo_population(rows: int = 400, first_month: int = 1, first_number: int = 1) -> bytes:
    """Invoices on the travel, course and representation accounts over four months from
    `first_month`; the same bytes every time."""
    lines = ["fakturanr;belopp;datum;konto"]
    for n in range(first_number, first_number + rows):
        amount = (n * 7919) % 24_000 + 150
        lines.append(f"LF-2026-{n:05d};{amount},00;2026-{(n % 4) + first_month:02d}-"
                     f"{(n % 27) + 1:02d};{(5800, 5810, 5831, 6071)[n % 4]}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _target(plan: Plan, starts_with: str) -> str | None:
    for target in controls.targets_for(plan):
        if target.action is not None and target.action.text.startswith(starts_with):
            return target.key
    return None


def load_demo_controls() -> None:
    """The caller commits."""
    plan = db.session.scalar(
        select(Plan).join(Plan.org_unit).where(OrgUnit.code == "SN", Plan.year == 2026)
    )
    controller = db.session.scalar(select(User).where(User.email == CONTROLLER_EMAIL))
    if plan is None or controller is None:
        return

    def control(starts_with: str | None, description: str, method_text: str,
                method: ControlMethod | None, occurrences: list[str],
                population: str | None = None, responsible: User | None = None):
        target = "plan" if starts_with is None else _target(plan, starts_with)
        if target is None:
            return None
        return controls.create_control(plan, target, controls.ControlData(
            description=description, method_text=method_text, method=method,
            occurrences=occurrences, responsible=responsible or controller,
            population_description=population))

    invoices = control(
        "Genomföra stickprovskontroller", "Anteckning på fakturor för resor, kurser och "
        "representation enligt rutinen för leverantörsfakturor",
        "Stickprov ur leverantörsfakturorna: syfte, deltagare och attest enligt rutinen.",
        ControlMethod.SAMPLE, ["T1"],
        population="Leverantörsfakturor på konto 5800, 5810, 5831 och 6071, januari-april 2026")
    if invoices is not None:
        population = samples.keep_population(io.BytesIO(demo_population()),
                                             "leverantorsfakturor-jan-apr-2026.csv", None)
        size = sample_size(Fraction(1, 20), Fraction(1, 20), 0)
        sample = samples.draw_for_control(
            invoices, population, size, samples.DrawChoices(id_column="fakturanr",
                                                            amount_column="belopp",
                                                            seed=DEMO_SEED),
            Fraction(1, 20), Fraction(1, 20))
        sample.created_by = controller
        entries = {item.item_id: samples.ItemEntry(ItemOutcome.OK, "") for item in sample.items}
        first, second = sample.items[4].item_id, sample.items[17].item_id
        entries[first] = samples.ItemEntry(ItemOutcome.DEVIATION, "Syfte med resan saknas.")
        entries[second] = samples.ItemEntry(ItemOutcome.DEVIATION,
                                            "Deltagarlista saknas vid representation.")
        samples.record_outcomes(sample, entries, None)
        controls.record_result(invoices, controls.ResultData(
            "vecka 17", "Två av 59 fakturor saknade föreskriven anteckning.",
            ResultCategory.FINDINGS,
            "Berörda chefer har fått återkoppling och rutinen har förtydligats.",
            RemediationStatus.ACTIONS_TAKEN, sample=sample))

    contracts = control("Kontroll mot avtal", "Fakturor i byggprojekt stäms av mot avtal och "
                        "beställning", "Tio fakturor i två byggprojekt jämförs med avtal och "
                        "beställning.", ControlMethod.CONTRACT, ["T2"])
    if contracts is not None:
        controls.record_result(contracts, controls.ResultData(
            "juni", "Alla granskade fakturor stämde med avtal och beställning.",
            ResultCategory.NO_FINDINGS))

    robot = control("Rutin för internkontroll", "Inköpsmönster efter robotattest jämförs med "
                    "föregående år", "Registeranalys av inköp per leverantör och månad.",
                    ControlMethod.REGISTER_ANALYSIS, ["03"])
    if robot is not None:
        controls.record_result(robot, controls.ResultData(
            "Ej utfört", "Uttaget ur ekonomisystemet blev försenat.",
            remediation="Kontrollen görs i T3.", remediation_status=RemediationStatus.PLAN_MADE,
            performed=False))

    control("Arbeta med informationsinsatser", "Andel inköp via marknadsplatsen följs upp",
            "Andel inköp via marknadsplatsen jämförs med målet.",
            ControlMethod.REGISTER_ANALYSIS, ["T1"])
    control("Varje chef ska årligen följa upp", "Andel chefer som svarat på årlig uppföljning "
            "av SAM", "Uppföljningen av SAM i ISK: andel chefer som kvitterat.",
            ControlMethod.SURVEY, [])
    payroll = control(None, "Löneutbetalningar", "Stickprov på löneändringar: beslut, attest "
                      "och utbetalt belopp stäms av.", ControlMethod.SAMPLE, ["T1", "T2", "T3"])
    if payroll is not None:
        controls.record_result(payroll, controls.ResultData(
            "vecka 15", "Inga avvikelser i 20 granskade löneändringar.",
            ResultCategory.NO_FINDINGS))
        controls.record_result(payroll, controls.ResultData(
            "vecka 35", "En löneändring utan attest av behörig chef.", ResultCategory.FINDINGS,
            "Attestordningen har förtydligats för HR-konsulterna.",
            RemediationStatus.ACTIONS_TAKEN))
    control(None, "Inköp och avtal", "Kontroll av att inköp över 100 000 kr har avtal.",
            ControlMethod.CONTRACT, ["helar"])
    # A chef's own control (in the nämnd's plan, above her unit), and this tertial's stickprov,
    # drawn but not yet fully examined: work that waits on the start pages.
    maria = db.session.scalar(select(User).where(User.email == "chef@example.org"))
    control("Säkerställ att informationsklassning", "Behörigheter i de medicintekniska "
            "systemen gås igenom mot informationsklassningen",
            "Behörighetslistorna jämförs med systemens informationsklassning.",
            ControlMethod.DOCUMENT_REVIEW, ["11"], responsible=maria)
    autumn = control(
        "Genomföra stickprovskontroller", "Anteckning på fakturor för resor, kurser och "
        "representation, september–december",
        "Stickprov ur leverantörsfakturorna: syfte, deltagare och attest enligt rutinen.",
        ControlMethod.SAMPLE, ["T3"],
        population="Leverantörsfakturor på konto 5800, 5810, 5831 och 6071, september-december "
                   "2026")
    if autumn is not None:
        population = samples.keep_population(
            io.BytesIO(demo_population(360, first_month=9, first_number=401)),
            "leverantorsfakturor-sep-dec-2026.csv", None)
        sample = samples.draw_for_control(
            autumn, population, sample_size(Fraction(1, 20), Fraction(1, 20), 0),
            samples.DrawChoices(id_column="fakturanr", amount_column="belopp",
                                seed=DEMO_SEED + "-t3"),
            Fraction(1, 20), Fraction(1, 20))
        sample.created_by = controller
        samples.record_outcomes(sample, {item.item_id: samples.ItemEntry(ItemOutcome.OK, "")
                                         for item in sample.items[:24]}, None)
    db.session.flush()
