"""A region of a given size, built through the services, to compare pages at two sizes.

The same shape at every size (so a page's SQL statements can be compared between sizes): a
region with its own plan (a regionövergripande risk and åtgärd), `units` nämnder each with a
förvaltning below it, an adopted plan per nämnd of `risks` risks in a few verksamheter, each
risk with `actions` åtgärder and `controls` controls (one on an åtgärd, one on the risk, some
recurring) with kontrollutfall, a stickprov per plan with items partly examined, a
kontrollområde, helår ISK-bedömningar (every other one fastställd, the region's own a draft),
and a SAM round over the region with `chefs` chefs per nämnd, some kvitterat with delvis/nej
answers and returned tasks. Deterministic: the same sizes give the same data.

Used by tests/test_query_counts.py and benchmarks/bench_queries.py; the caller provides the app
context and a FILES_DIR for the stickprov populations.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from isk.extensions import db
from isk.models import (
    ActionStatus,
    AnswerValue,
    AssessmentPeriod,
    ControlMethod,
    Criterion,
    ItemOutcome,
    Judgement,
    OrgUnit,
    OrgUnitKind,
    Plan,
    RemediationStatus,
    ResultCategory,
    Role,
    SamRound,
    User,
)
from isk.services import accounts, assessment, controls, org, plans, sam
from isk.services.clock import frozen_today
from isk.services.controls.planning import PLAN_TARGET

YEAR = 2026
TODAY = date(2026, 10, 15)  # in T3, after delår: every kind of work waits
PASSWORD = "korrekt-hast-batteri"
TEXT = ("som gör att verksamheten inte bedrivs enligt gällande styrdokument och att beslut "
        "fattas på felaktigt underlag")


@dataclass(frozen=True)
class Size:
    units: int = 1  # nämnder, each with its own plan
    risks: int = 5  # per plan
    actions: int = 3  # per risk
    controls: int = 2  # per risk
    chefs: int = 2  # SAM chefs per nämnd
    sample_items: int = 10

    @property
    def label(self) -> str:
        return (f"{self.units} nämnder × {self.risks} risker, {self.chefs * self.units} chefer")


@dataclass
class World:
    region: OrgUnit
    units: list[OrgUnit]
    plans: list[Plan]
    region_plan: Plan
    sam_round: SamRound
    users: dict[str, User] = field(default_factory=dict)
    assessments: dict[str, Any] = field(default_factory=dict)

    @property
    def plan(self) -> Plan:
        return self.plans[0]


def _user(email: str, role: Role, unit: OrgUnit | None, name: str) -> User:
    return accounts.create_user(email, PASSWORD, role, unit, name=name)


def _fill_plan(plan: Plan, size: Size, number: int, responsible: User, owner: User) -> None:
    areas = [plans.add_process_area(plan, name) for name in
             ("Ekonomi", "Inköp", "Personal", "Informationssäkerhet")]
    db.session.flush()
    risks = []
    for n in range(size.risks):
        risk = plans.add_risk(areas[n % len(areas)], plans.RiskContent(
            f"Risken {number}.{n} att fel uppstår {TEXT}.", [Criterion.C, Criterion.D],
            likelihood=n % 4 + 1, consequence=(n // 4) % 4 + 1))
        if n % 3 == 0:
            risk.owner = owner
        for m in range(size.actions):
            plans.add_action(risk, plans.ActionContent(
                f"Åtgärd {number}.{n}.{m}: rutinen ses över {TEXT}.", responsible="Ekonomichef",
                due_date=date(YEAR, 3 + (n + m) % 9, 28),
                status=list(ActionStatus)[(n + m) % len(ActionStatus)]))
        risks.append(risk)
    db.session.flush()
    for n, risk in enumerate(risks):
        for c in range(size.controls):
            target = f"action-{risk.actions[0].id}" if c % 2 == 0 else f"risk-{risk.id}"
            occurrences = (["T1", "T2", "T3"] if (n + c) % 4 == 0
                           else [("T1", "T2", "T3", "05", "09")[(n + c) % 5]])
            control = controls.create_control(plan, target, controls.ControlData(
                description=f"Kontroll {number}.{n}.{c} av attester och underlag",
                method_text="Genomgång av ett urval underlag.",
                method=ControlMethod.DOCUMENT_REVIEW, occurrences=occurrences,
                responsible=responsible if (n + c) % 3 else None))
            if (n + c) % 3 == 2:
                continue  # not reported yet
            code = occurrences[0]
            if (n + c) % 5 == 1:
                data = controls.ResultData("Ej utfört", "Underlaget saknades.",
                                           performed=False, occurrences=[code]
                                           if len(occurrences) > 1 else None)
            else:
                finding = (n + c) % 4 == 1
                data = controls.ResultData(
                    {"T1": "vecka 12", "T2": "juni", "T3": "vecka 41", "05": "maj",
                     "09": "september"}[code],
                    "Två brister i attesten." if finding else "Inga brister.",
                    ResultCategory.FINDINGS if finding else ResultCategory.NO_FINDINGS,
                    remediation="Rutinen ändrad." if finding else None,
                    remediation_status=RemediationStatus.IN_PROGRESS if finding else None,
                    occurrences=[code] if len(occurrences) > 1 else None)
            controls.record_result(control, data)
    plans.add_process_area(plan, "Kontrollområden")
    area_control = controls.create_control(plan, PLAN_TARGET, controls.ControlData(
        description=f"Löneutbetalningar {number}", method_text="Registeranalys av löner.",
        occurrences=["T2"], responsible=responsible))
    controls.record_result(area_control, controls.ResultData(
        "augusti", "Inga brister.", ResultCategory.NO_FINDINGS))


def _sample(plan: Plan, size: Size, population: Any, by: User) -> None:
    from isk.services.sampling import samples
    from isk.services.sampling.stats import judgement_size

    control = next(c for c in controls.controls_of(plan) if c.occurrences == ["T1", "T2", "T3"]
                   or c is controls.controls_of(plan)[-1])
    sample = samples.draw_for_control(
        control, population, judgement_size(size.sample_items, "Efter bedömning."),
        samples.DrawChoices(id_column="nr", seed=f"frö-{plan.id}"), None, None)
    sample.created_by = by
    half = {item.item_id: samples.ItemEntry(
        ItemOutcome.DEVIATION if n == 0 else ItemOutcome.OK, "Saknar attest." if n == 0 else "")
        for n, item in enumerate(sample.items[: len(sample.items) // 2])}
    samples.record_outcomes(sample, half, None)


def _assess(unit: OrgUnit, adopt: bool) -> Any:
    item = assessment.create_assessment(unit, YEAR, AssessmentPeriod.ANNUAL)
    assessment.update_assessment(item, assessment.AssessmentContent(
        Judgement.PARTLY if adopt else Judgement.SUFFICIENT, "Motiveras av underlaget.",
        *(f"Kommentar till krav {letter}." for letter in "abcde")), None)
    assessment.add_improvement(item, "Attestrutinen behöver ses över.")
    if adopt:
        assessment.adopt_assessment(item, date(YEAR + 1, 1, 20), "N § 12", None)
    return item


def build_world(size: Size) -> World:
    """Build the region (in the caller's app context) and commit it."""
    from isk.services.sampling import samples

    with frozen_today(date(YEAR, 1, 10)):
        region = org.create_org_unit("Regionen", OrgUnitKind.REGION, "R")
        users = {
            "admin": _user("admin@example.org", Role.ADMIN, None, "Alva Admin"),
            "auditor": _user("revisor@example.org", Role.AUDITOR, None, "Rut Revisor"),
            "hr": _user("hr@example.org", Role.HR, region, "Hanna HR"),
            "region_controller": _user("rk@example.org", Role.CONTROLLER, region,
                                       "Rolf Regionkontrollant"),
        }
        region_plan = plans.create_plan(region, YEAR)
        area = plans.add_process_area(region_plan, "Regionövergripande")
        shared = plans.add_risk(area, plans.RiskContent(
            f"Risken att gemensamma regler inte följs {TEXT}.", [Criterion.C]))
        shared.region_wide = True
        shared_action = plans.add_action(shared, plans.ActionContent(
            "Gemensam utbildning i attestregler.", due_date=date(YEAR, 6, 30)))
        shared_action.region_wide = True
        plans.adopt_plan(region_plan, date(2025, 11, 20), "RS § 1", None)

        units, unit_plans = [], []
        chefs: list[tuple[User, OrgUnit, User | None]] = []
        for number in range(size.units):
            unit = org.create_org_unit(f"Nämnd {number:02d}", OrgUnitKind.NAMND,
                                       f"N{number:02d}", region)
            office = org.create_org_unit(f"Förvaltning {number:02d}", OrgUnitKind.FORVALTNING,
                                         f"F{number:02d}", unit)
            controller = _user(f"kontrollant{number}@example.org", Role.CONTROLLER, unit,
                               f"Kim Kontrollant {number:02d}")
            head = _user(f"chef{number}.0@example.org", Role.MANAGER, office,
                         f"Chef {number:02d}.0")
            chefs.append((head, office, None))
            for c in range(1, size.chefs):
                part = org.create_org_unit(f"Enhet {number:02d}.{c}", OrgUnitKind.ENHET,
                                           f"E{number:02d}{c:03d}", office)
                chefs.append((_user(f"chef{number}.{c}@example.org", Role.MANAGER, part,
                                    f"Chef {number:02d}.{c}"), part, head))
            if number == 0:
                users["controller"] = controller
                users["reader"] = _user("lasare@example.org", Role.READER, unit, "Leo Läsare")
                users["chef"] = head
            plan = plans.create_plan(unit, YEAR)
            _fill_plan(plan, size, number, controller, head)
            plans.adopt_plan(plan, date(2025, 11, 20), f"N{number} § 45", None)
            units.append(unit)
            unit_plans.append(plan)
        db.session.flush()
        heads: dict[int, Any] = {}
        for chef, unit, above in chefs:
            heads[chef.id] = sam.save_assignment(
                chef, [unit], heads[above.id] if above is not None else None)
        db.session.commit()

    with frozen_today(date(YEAR, 3, 1)):
        data = "nr;belopp\n" + "".join(f"F{n};{n * 37 % 5000 + 100}\n" for n in range(1, 301))
        population = samples.keep_population(io.BytesIO(data.encode()), "fakturor.csv", None)
        for plan in unit_plans:
            _sample(plan, size, population, users["controller"])
        db.session.commit()

    with frozen_today(date(YEAR, 9, 1)):
        sam_round = sam.start_round(region, YEAR, date(YEAR, 10, 1),
                                    [str(q) for q in sam.DEFAULT_QUESTIONS],
                                    started_by=users["admin"])
        db.session.flush()
        for n, follow_up in enumerate(sorted(sam_round.follow_ups, key=lambda f: f.manager_id)):
            if n % 3 == 2:
                continue  # not started
            questions = follow_up.round.live_questions
            sam.save_answers(follow_up, {q.id: sam.AnswerInput(
                AnswerValue.PARTLY if (i + n) % 4 == 0 else AnswerValue.YES,
                "Delvis: rutinen saknas." if (i + n) % 4 == 0 else "")
                for i, q in enumerate(questions)})
            if n % 3 == 1 and follow_up.delegating_manager_id is not None:
                sam.add_return(follow_up, "Brandskydd i verkstaden", "Ingen budget.",
                               by=follow_up.manager)
            if n % 3 == 1:
                sam.acknowledge(follow_up, by=follow_up.manager)
        db.session.commit()

    with frozen_today(date(YEAR + 1, 2, 1)):
        assessments = {"unit": _assess(units[0], adopt=False)}
        for number, unit in enumerate(units[1:], start=1):
            _assess(unit, adopt=number % 2 == 1)
        assessments["region"] = assessment.create_assessment(region, YEAR,
                                                             AssessmentPeriod.ANNUAL)
        db.session.commit()
    return World(region, units, unit_plans, region_plan, sam_round, users, assessments)


# The pages measured, each GET as the role that uses it: (name, role, path).
def pages(world: World) -> list[tuple[str, str, str]]:
    plan = world.plan
    return [
        ("start page, controller", "controller", "/"),
        ("start page, chef", "chef", "/"),
        ("start page, HR", "hr", "/"),
        ("start page, admin", "admin", "/"),
        ("start page, reader", "reader", "/"),
        ("start page, auditor", "auditor", "/"),
        ("follow-up report T1", "controller", f"/planer/{plan.id}/uppfoljning?period=T1"),
        ("follow-up report helår", "reader", f"/planer/{plan.id}/uppfoljning?period=helar"),
        ("assessment page", "controller",
         f"/bedomningar/{world.assessments['unit'].id}"),
        ("region assessment", "admin", f"/bedomningar/region/{world.region.id}/{YEAR}"),
        ("SAM overview", "hr", f"/sam/rundor/{world.sam_round.id}"),
    ]
