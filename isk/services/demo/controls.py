"""Demo controls on Servicenämnden's 2026 plan: a stickprov with two deviations, kontrollutfall
in T1 and T2, and controls not yet performed, so the follow-up report shows every state.
"""

from __future__ import annotations

import io
from datetime import date
from fractions import Fraction

from sqlalchemy import select

from ...extensions import db
from ...models import (
    ControlMethod,
    FollowUp,
    ItemOutcome,
    OrgUnit,
    Plan,
    ResultStatus,
    ScheduleKind,
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

    def control(starts_with: str, description: str, method: ControlMethod,
                kind: ScheduleKind, **when: object):
        target = _target(plan, starts_with)
        if target is None:
            return None
        responsible = when.pop("responsible", controller)
        return controls.create_control(plan, target, controls.ControlData(
            description=description, method=method, schedule_kind=kind, responsible=responsible,
            population_description=when.pop("population", None), **when))  # type: ignore[arg-type]

    invoices = control(
        "Genomföra stickprovskontroller", "Anteckning på fakturor för resor, kurser och "
        "representation enligt rutinen för leverantörsfakturor", ControlMethod.SAMPLE,
        ScheduleKind.TERTIAL, schedule_tertial=1,
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
            "vecka 17", date(2026, 4, 24), ResultStatus.FINDINGS, FollowUp.PLAN_MADE,
            "Två av 59 fakturor saknade föreskriven anteckning. Berörda chefer har fått "
            "återkoppling och rutinen har förtydligats.", sample))

    contracts = control("Kontroll mot avtal", "Fakturor i byggprojekt stäms av mot avtal och "
                        "beställning", ControlMethod.CONTRACT, ScheduleKind.TERTIAL,
                        schedule_tertial=2)
    if contracts is not None:
        controls.record_result(contracts, controls.ResultData(
            "juni", date(2026, 6, 12), ResultStatus.NO_FINDINGS, FollowUp.NOT_APPLICABLE,
            "Tio fakturor i två byggprojekt granskade; alla stämde med avtal."))

    robot = control("Rutin för internkontroll", "Inköpsmönster efter robotattest jämförs med "
                    "föregående år", ControlMethod.REGISTER_ANALYSIS, ScheduleKind.MONTH,
                    schedule_month=3)
    if robot is not None:
        controls.record_result(robot, controls.ResultData(
            "maj", date(2026, 5, 20), ResultStatus.NOT_PERFORMED, FollowUp.IN_PROGRESS,
            "Uttaget ur ekonomisystemet blev försenat; kontrollen görs i T3."))

    control("Arbeta med informationsinsatser", "Andel inköp via marknadsplatsen följs upp",
            ControlMethod.REGISTER_ANALYSIS, ScheduleKind.TERTIAL, schedule_tertial=1)
    control("Varje chef ska årligen följa upp", "Andel chefer som svarat på årlig uppföljning "
            "av SAM", ControlMethod.SURVEY, ScheduleKind.ANNUAL)
    # A chef's own control, and this tertial's stickprov, drawn but not yet fully examined.
    maria = db.session.scalar(select(User).where(User.email == "chef@example.org"))
    control("Säkerställ att informationsklassning", "Behörigheter i de medicintekniska "
            "systemen gås igenom mot informationsklassningen", ControlMethod.DOCUMENT_REVIEW,
            ScheduleKind.MONTH, schedule_month=11, responsible=maria)
    autumn = control(
        "Genomföra stickprovskontroller", "Anteckning på fakturor för resor, kurser och "
        "representation, september–december", ControlMethod.SAMPLE, ScheduleKind.TERTIAL,
        schedule_tertial=3,
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
