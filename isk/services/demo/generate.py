"""A generated region for benchmarks and for trying ISK at size (`flask isk generate`).

The `region` preset is a region's worth: 20 nämnder × 5 years × 60 risks, 3 åtgärder and 2
controls per risk, a stickprov of 60 items per plan, ISK-bedömningar, and a SAM round per
year for 400 chefs. The `small` preset has the same shape at a size tests can afford.

Everything is drawn from one seeded random generator, so the same seed gives the same content.
Rows go in with bulk inserts (one statement per table and batch, through the ORM's bulk
INSERT with RETURNING for the ids), inside the caller's one transaction; no service is
called per row, so no per-row audit entry is made: the caller records one `data_generated`.

One module of ~670 lines on purpose: it is one builder whose steps hand each other the ids
they inserted (units → users → plans → risks → controls → results → rounds), and the shape of
the region is read top to bottom in one place.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy import inspect as sa_inspect

from ...extensions import db
from ...models import (
    Action,
    ActionStatus,
    AnswerValue,
    Assessment,
    AssessmentPeriod,
    AssessmentStatus,
    Control,
    ControlMethod,
    ControlResult,
    FollowUpStatus,
    ItemOutcome,
    ItemSelection,
    Judgement,
    ManagerAssignment,
    ManagerUnit,
    OrgUnit,
    OrgUnitKind,
    Plan,
    PlanRevision,
    PlanStatus,
    ProcessArea,
    RegionText,
    RegionTextKey,
    RemediationStatus,
    ResultCategory,
    Risk,
    Role,
    RoundStatus,
    SamAnswer,
    SamFollowUp,
    SamIndicatorTarget,
    Sample,
    SampleItem,
    SampleSizeMethod,
    SamQuestion,
    SamRound,
    User,
)
from .. import clock
from ..accounts import hash_password
from .files import read_demo_file

GENERATED_PASSWORD = "isk-generate-2026"
EMAIL_DOMAIN = "region.example.org"
REGION_CODE = "GEN"


@dataclass(frozen=True)
class Preset:
    name: str
    namnder: int
    years: int
    risks: int  # per nämnd and year
    areas: int  # verksamheter per plan
    chefs: int  # in the whole region, förvaltningschefer included
    sample_items: int
    actions_per_risk: int = 3
    controls_per_risk: int = 2
    region_risks: int = 3  # regionövergripande risks in the region's plan of each year


PRESETS = {
    "region": Preset("region", namnder=20, years=5, risks=60, areas=6, chefs=400,
                     sample_items=60),
    "small": Preset("small", namnder=2, years=2, risks=6, areas=2, chefs=6, sample_items=12),
}

NAMND_NAMES = (
    "Hälso- och sjukvårdsnämnden", "Servicenämnden", "Kulturnämnden", "Trafiknämnden",
    "Regionutvecklingsnämnden", "Tandvårdsnämnden", "Folkhögskolenämnden", "Patientnämnden",
    "Miljö- och byggnämnden", "Utbildningsnämnden", "Socialnämnden", "Fastighetsnämnden",
    "Digitaliseringsnämnden", "Psykiatrinämnden", "Primärvårdsnämnden", "Krisledningsnämnden",
    "Naturvårdsnämnden", "Upphandlingsnämnden", "Näringslivsnämnden", "Läkemedelsnämnden",
)
AREA_NAMES = (
    "Ekonomi", "HR", "Informationssäkerhet", "Inköp och avtal", "Arbetsmiljö", "Patientsäkerhet",
    "Lokaler och fastigheter", "Kommunikation",
)
SUBJECTS = (
    "fakturor", "löneutbetalningar", "inköp", "avtal", "behörigheter", "journaluppgifter",
    "representation", "tjänsteresor", "leverantörsbetalningar", "kassahantering",
    "avgiftsuttag", "bisysslor", "delegeringsbeslut", "läkemedelshantering",
    "informationsklassning", "lokaltillgång", "kontinuitetsplaner", "personuppgifter",
)
FAILURES = (
    "inte attesteras enligt attestordningen", "betalas ut felaktigt", "inte följer gällande "
    "avtal", "hanteras utan rätt behörighet", "inte dokumenteras på ett spårbart sätt",
    "sker utan upphandling", "inte följs upp i tid", "registreras med fel belopp",
    "inte skyddas mot obehörig åtkomst", "saknar beslut av rätt beslutsfattare",
)
CONSEQUENCES = (
    "vilket kan leda till ekonomisk skada för regionen",
    "vilket kan skada förtroendet för verksamheten",
    "vilket kan innebära brott mot lag eller förordning",
    "vilket kan ge en missvisande redovisning",
    "vilket kan leda till att uppgifter röjs eller går förlorade",
)
MEASURES = (
    "Rutinen ses över och kommuniceras till berörda medarbetare",
    "Utbildning genomförs för chefer och handläggare",
    "Stickprovskontroll införs i den löpande uppföljningen",
    "Behörigheterna gås igenom och rensas två gånger per år",
    "Checklistan uppdateras och används vid varje tillfälle",
    "Ansvarsfördelningen dokumenteras i delegeringsordningen",
    "Systemstöd med automatisk spärr införs",
)
CONTROL_TEXTS = (
    "Kontroll av att rutinen följs", "Genomgång av underlag och beslut",
    "Stickprov ur registret", "Avstämning mot avtal", "Uppföljning av checklistor",
)
RESULT_TEXTS = (
    "Kontrollen visar att rutinen följs utan anmärkning.",
    "Kontrollen visar brister i dokumentationen i några fall.",
    "Inga avvikelser identifierades.",
    "Två av underlagen saknade attest; rutinen har förtydligats.",
)
STATEMENT = ("Nämnden bedömer att kravet är uppfyllt utifrån årets uppföljning av planens "
             "risker, kontroller och åtgärder.")
SAM_QUESTIONS = (
    "Arbetsmiljöuppgifterna är fördelade till mig skriftligen och jag har förstått dem.",
    "Jag har tillräckliga kunskaper och resurser (befogenheter, tid, ekonomi) för att utföra "
    "arbetsmiljöuppgifterna.",
    "Riskerna i arbetsmiljön har undersökts och bedömts under året.",
    "Åtgärder har vidtagits och följts upp i en handlingsplan.",
    "Arbetsmiljöarbetet har följts upp tillsammans med skyddsombud.",
)
FIRST_NAMES = ("Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Eva", "Johan", "Sara",
               "Per", "Lena", "Mikael", "Emma", "Jonas", "Ida", "Oskar", "Elin", "Nils")
LAST_NAMES = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson",
              "Olsson", "Persson", "Svensson", "Gustafsson", "Pettersson", "Lindberg")


@dataclass
class Generated:
    """What was made, per kind, and the log-ins to try it with."""

    preset: str
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)  # (email, role label)

    def add(self, kind: str, number: int) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + number


def database_has_data() -> bool:
    """Any unit, account or audit entry: the generator then writes nothing unless cleared."""
    from ...models import AuditEntry

    return any(
        db.session.scalar(select(model.id).limit(1)) is not None
        for model in (OrgUnit, User, AuditEntry)
    )


def clear_database() -> None:
    """Empty every table of the application (not the migration history), in this transaction."""
    session = db.session
    tables = list(reversed(db.metadata.sorted_tables))
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            session.execute(table.delete())
    session.expunge_all()


def _bulk(model: type, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert the rows in bulk (Core's executemany with RETURNING, in batches); their new ids,
    in the rows' order. Keys are the model's attribute names."""
    if not rows:
        return []
    mapper = sa_inspect(model)
    names = {key: mapper.attrs[key].columns[0].key for key in rows[0]}
    table = mapper.local_table
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    result = db.session.connection().execute(
        statement, [{names[key]: value for key, value in row.items()} for row in rows]
    )
    return [row[0] for row in result]


def _at(day: date, hour: int = 9) -> datetime:
    """A local time on the day, as the UTC instant the database keeps."""
    return datetime.combine(day, time(hour), tzinfo=clock.LOCAL_TIME).astimezone(UTC)


class _Builder:
    def __init__(self, preset: Preset, seed: int) -> None:
        self.preset = preset
        self.rng = random.Random(seed)
        self.today = clock.today()
        self.years = list(range(self.today.year - preset.years + 1, self.today.year + 1))
        self.result = Generated(preset.name, seed)
        self.password_hash = hash_password(GENERATED_PASSWORD)

    # --- organisation and accounts ----------------------------------------------------------

    def units(self) -> None:
        p = self.preset
        self.paths: dict[int, str] = {}
        [self.region_id] = self._units([dict(name="Region Exempelland", code=REGION_CODE,
                                             kind=OrgUnitKind.REGION, parent_id=None)])
        self.namnd_ids = self._units([
            dict(name=NAMND_NAMES[i % len(NAMND_NAMES)] + ("" if i < len(NAMND_NAMES)
                                                           else f" {i + 1}"),
                 code=f"N{i + 1:02d}", kind=OrgUnitKind.NAMND, parent_id=self.region_id)
            for i in range(p.namnder)
        ])
        self.forvaltning_ids = self._units([
            dict(name=f"Förvaltning {i + 1:02d}", code=f"F{i + 1:02d}",
                 kind=OrgUnitKind.FORVALTNING, parent_id=namnd_id)
            for i, namnd_id in enumerate(self.namnd_ids)
        ])
        # Chefs per förvaltning: its förvaltningschef and enhetschefer, one enhet each.
        self.chefs_per = max(1, p.chefs // p.namnder)
        enhet_rows, self.enhet_of = [], []
        for i, forvaltning_id in enumerate(self.forvaltning_ids):
            for j in range(1, self.chefs_per):
                enhet_rows.append(dict(name=f"Enhet {i + 1:02d}.{j:02d}",
                                       code=f"E{i + 1:02d}-{j:02d}", kind=OrgUnitKind.ENHET,
                                       parent_id=forvaltning_id))
                self.enhet_of.append((i, j))
        self.enhet_ids = self._units(enhet_rows)
        db.session.execute(update(OrgUnit), [
            {"id": unit_id, "path": path} for unit_id, path in self.paths.items()
        ])

    def _units(self, rows: list[dict[str, Any]]) -> list[int]:
        ids = _bulk(OrgUnit, [{**row, "path": ""} for row in rows])
        for unit_id, row in zip(ids, rows, strict=True):
            parent = row["parent_id"]
            self.paths[unit_id] = (self.paths[parent] if parent else "/") + f"{unit_id}/"
        self.result.add("units", len(ids))
        return ids

    def _name(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def users(self) -> None:
        rows: list[dict[str, Any]] = []

        def user(email: str, role: Role, unit_id: int | None, name: str) -> int:
            rows.append(dict(email=f"{email}@{EMAIL_DOMAIN}", name=name, role=role,
                             org_unit_id=unit_id, password_hash=self.password_hash))
            return len(rows) - 1

        user("admin", Role.ADMIN, None, "Alva Systemförvaltare")
        user("revisor", Role.AUDITOR, None, "Rut Revisor")
        user("hr", Role.HR, self.region_id, "Hanna HR")
        controllers = [user(f"kontrollant.n{i + 1:02d}", Role.CONTROLLER, namnd_id, self._name())
                       for i, namnd_id in enumerate(self.namnd_ids)]
        for i, namnd_id in enumerate(self.namnd_ids):
            user(f"lasare.n{i + 1:02d}", Role.READER, namnd_id, self._name())
        top_chefs = [user(f"chef.f{i + 1:02d}", Role.MANAGER, forvaltning_id, self._name())
                     for i, forvaltning_id in enumerate(self.forvaltning_ids)]
        enhet_chefs = [user(f"chef.e{i + 1:02d}-{j:02d}", Role.MANAGER, enhet_id, self._name())
                       for (i, j), enhet_id in zip(self.enhet_of, self.enhet_ids, strict=True)]
        ids = _bulk(User, rows)
        self.result.add("users", len(ids))
        self.controller_ids = [ids[index] for index in controllers]
        self.top_chef_ids = [ids[index] for index in top_chefs]
        self.enhet_chef_ids = [ids[index] for index in enhet_chefs]
        self.user_names = {ids[index]: row["name"] for index, row in enumerate(rows)}
        # Log-ins to try: one per role (the first nämnd's controller and reader, a chef).
        for index in (0, 1, 2, controllers[0], controllers[0] + len(controllers), top_chefs[0]):
            self.result.logins.append((rows[index]["email"], rows[index]["role"].label))

    def manager_chain(self) -> None:
        top = _bulk(ManagerAssignment, [
            dict(user_id=user_id, delegating_assignment_id=None) for user_id in self.top_chef_ids
        ])
        below = _bulk(ManagerAssignment, [
            dict(user_id=user_id, delegating_assignment_id=top[i])
            for user_id, (i, _j) in zip(self.enhet_chef_ids, self.enhet_of, strict=True)
        ])
        _bulk(ManagerUnit, [
            dict(assignment_id=a, org_unit_id=u) for a, u in zip(top, self.forvaltning_ids,
                                                                 strict=True)
        ] + [
            dict(assignment_id=a, org_unit_id=u) for a, u in zip(below, self.enhet_ids,
                                                                 strict=True)
        ])
        self.result.add("chefs", len(top) + len(below))
        # The chef followed up, their unit and their fördelande chef (None at the top).
        self.chefs = [(user_id, unit_id, None) for user_id, unit_id in
                      zip(self.top_chef_ids, self.forvaltning_ids, strict=True)]
        self.chefs += [(user_id, unit_id, self.top_chef_ids[i]) for user_id, unit_id, (i, _j)
                       in zip(self.enhet_chef_ids, self.enhet_ids, self.enhet_of, strict=True)]

    def region_texts(self) -> None:
        texts = json.loads(read_demo_file("region-wording.json"))
        _bulk(RegionText, [dict(region_id=self.region_id, key=RegionTextKey(key), text=value)
                           for key, value in texts.items()])
        _bulk(SamIndicatorTarget, [
            dict(region_id=self.region_id, year=year, target_min=90, target_max=100,
                 long_term_min=90, long_term_max=100) for year in self.years
        ])

    # --- plans, controls, stickprov ---------------------------------------------------------

    def plans(self) -> None:
        plan_rows, self.plan_keys = [], []
        for year in self.years:
            for unit_index, unit_id in [(None, self.region_id), *enumerate(self.namnd_ids)]:
                code = REGION_CODE if unit_index is None else f"N{unit_index + 1:02d}"
                closed = year < self.today.year
                adopted_on = date(year - 1, 11, 10 + (unit_index or 0) % 15)
                plan_rows.append(dict(
                    org_unit_id=unit_id, year=year,
                    status=PlanStatus.CLOSED if closed else PlanStatus.ADOPTED,
                    adopted_on=adopted_on, adoption_paragraph=f"{code} § {40 + (unit_index or 0)}",
                    diary_number=f"{code} {year - 1}/{1000 + (unit_index or 0) * 7}",
                    closed_at=_at(date(year + 1, 3, 15)) if closed else None,
                ))
                self.plan_keys.append((year, unit_index))
        self.plan_ids = _bulk(Plan, plan_rows)
        self.result.add("plans", len(self.plan_ids))
        self.lineage = {}
        area_rows, area_plan = [], []
        for plan_id, (_year, unit_index) in zip(self.plan_ids, self.plan_keys, strict=True):
            names = (["Regionövergripande"] if unit_index is None
                     else [AREA_NAMES[(unit_index + k) % len(AREA_NAMES)]
                           for k in range(self.preset.areas)])
            for position, name in enumerate(names):
                area_rows.append(dict(plan_id=plan_id, name=name, position=position))
                area_plan.append((plan_id, unit_index, position))
        area_ids = _bulk(ProcessArea, area_rows)
        self._risks(area_ids, area_plan)

    def _risk_text(self) -> str:
        rng = self.rng
        return (f"Risk att {rng.choice(SUBJECTS)} {rng.choice(FAILURES)}, "
                f"{rng.choice(CONSEQUENCES)}.")

    def _risks(self, area_ids: list[int], area_plan: list[tuple[int, int | None, int]]) -> None:
        p, rng = self.preset, self.rng
        year_of = dict(zip(self.plan_ids, (year for year, _u in self.plan_keys), strict=True))
        risk_rows, risk_meta = [], []
        texts: dict[tuple[int | None, int], str] = {}  # the same risk's text across the years
        for area_id, (plan_id, unit_index, position) in zip(area_ids, area_plan, strict=True):
            if unit_index is None:
                count, start = p.region_risks, 0
            else:
                per_area = p.risks // p.areas
                extra = p.risks - per_area * p.areas
                count = per_area + (1 if position < extra else 0)
                start = position * per_area + min(position, extra)
            for k in range(count):
                key = (unit_index, start + k)
                if key not in self.lineage:
                    self.lineage[key] = f"{rng.getrandbits(128):032x}"
                    texts[key] = self._risk_text()
                c, d, e = rng.random() < 0.8, rng.random() < 0.4, rng.random() < 0.3
                likelihood, consequence = rng.randint(1, 4), rng.randint(1, 4)
                owner = (self.top_chef_ids[unit_index] if unit_index is not None
                         and rng.random() < 0.3 else None)
                risk_rows.append(dict(
                    process_area_id=area_id, position=k, text=texts[key],
                    criterion_c=c or not (d or e), criterion_d=d, criterion_e=e,
                    threatens_confidentiality=e, threatens_integrity=e and rng.random() < 0.5,
                    threatens_availability=False, threatens_traceability=False,
                    likelihood=likelihood, consequence=consequence,
                    region_wide=unit_index is None, owner_id=owner,
                    sam_indicator=unit_index is None and k == 0, lineage_key=self.lineage[key],
                ))
                risk_meta.append((plan_id, unit_index, year_of[plan_id]))
        risk_ids = _bulk(Risk, risk_rows)
        self.result.add("risks", len(risk_ids))
        action_rows, action_meta = [], []
        for risk_id, (_plan_id, unit_index, year) in zip(risk_ids, risk_meta, strict=True):
            number = 1 if unit_index is None else p.actions_per_risk
            for k in range(number):
                due = date(year, rng.choice((3, 6, 9, 12)), 28 if k % 2 else 15)
                if year < self.today.year:
                    status = ActionStatus.DONE if rng.random() < 0.85 else ActionStatus.NOT_DONE
                else:
                    status = rng.choice((ActionStatus.PLANNED, ActionStatus.IN_PROGRESS,
                                         ActionStatus.DONE))
                action_rows.append(dict(
                    risk_id=risk_id, position=k, text=rng.choice(MEASURES) + ".",
                    responsible=self._name() if rng.random() < 0.6 else None, due_date=due,
                    status=status, region_wide=unit_index is None,
                ))
                action_meta.append(risk_id)
        action_ids = _bulk(Action, action_rows)
        self.result.add("actions", len(action_ids))
        first_action = {}
        for action_id, risk_id in zip(action_ids, action_meta, strict=True):
            first_action.setdefault(risk_id, action_id)
        self._controls(risk_ids, risk_meta, first_action)

    def _controls(self, risk_ids: list[int], risk_meta: list[tuple[int, int | None, int]],
                  first_action: dict[int, int]) -> None:
        rng = self.rng
        control_rows, control_meta = [], []
        sampled_plans: set[int] = set()
        for risk_id, (plan_id, unit_index, year) in zip(risk_ids, risk_meta, strict=True):
            if unit_index is None:
                continue  # the region's own risks are followed up in the nämnders' plans
            responsible = self.controller_ids[unit_index]
            for k in range(self.preset.controls_per_risk):
                sample = k == 0 and plan_id not in sampled_plans
                if sample:
                    sampled_plans.add(plan_id)
                method = ControlMethod.SAMPLE if sample else rng.choice(
                    [m for m in ControlMethod if m is not ControlMethod.SAMPLE])
                control_rows.append(dict(
                    plan_id=plan_id, position=len(control_rows),
                    action_id=first_action[risk_id] if k == 0 else None,
                    risk_id=risk_id if k == 1 else None,
                    description=rng.choice(CONTROL_TEXTS),
                    method_text=None if rng.random() < 0.5 else "Enligt rutinbeskrivningen.",
                    method=method, occurrences=["T1", "T2", "T3"] if k == 1 else [],
                    responsible_id=responsible,
                    population_description="Utbetalningar under perioden" if sample else None,
                ))
                control_meta.append((plan_id, year, k, sample))
        control_ids = _bulk(Control, control_rows)
        self.result.add("controls", len(control_ids))
        self._samples(control_ids, control_meta)

    def _samples(self, control_ids: list[int], control_meta: list[tuple[int, int, int, bool]]
                 ) -> None:
        rng, size = self.rng, self.preset.sample_items
        sample_rows, sample_year = [], {}
        for control_id, (_plan_id, year, _k, sample) in zip(control_ids, control_meta,
                                                            strict=True):
            if not sample:
                continue
            sample_rows.append(dict(
                control_id=control_id, created_by_id=None, size=size,
                size_method=SampleSizeMethod.JUDGEMENT,
                size_reason="Urvalet bestämt efter bedömning av verksamhetens omfattning.",
                risk="1/20", tolerable=None, expected=None, tolerated_deviations=None,
                seed=f"generated-{control_id}", algorithm="isk-bottomk-blake2b-v1",
                population_checksum=f"{rng.getrandbits(256):064x}",
                population_file_name="utbetalningar.csv", population_file_size=48_000,
                population_format="csv", row_count=1200, id_column="Verifikation",
                amount_column="Belopp", columns=["Verifikation", "Datum", "Belopp"],
                spec={"strata_column": None, "band_edges": [], "threshold": None},
                strata=[{"label": "", "population": 1200, "drawn": size}],
                full_review_count=0,
            ))
            sample_year[control_id] = year
        sample_ids = _bulk(Sample, sample_rows)
        self.result.add("samples", len(sample_ids))
        item_rows = []
        for sample_id, row in zip(sample_ids, sample_rows, strict=True):
            past = sample_year[row["control_id"]] < self.today.year
            rows = sorted(rng.sample(range(1, 1201), size))
            for position, row_number in enumerate(rows, start=1):
                amount = rng.randint(100, 250_000)
                outcome = None
                if past:
                    outcome = ItemOutcome.DEVIATION if rng.random() < 0.05 else ItemOutcome.OK
                item_rows.append(dict(
                    sample_id=sample_id, position=position, item_id=f"V{row_number:05d}",
                    row_number=row_number,
                    values=[f"V{row_number:05d}", f"{sample_year[row['control_id']]}-05-02",
                            str(amount)],
                    amount=amount, stratum=None, selection=ItemSelection.RANDOM,
                    outcome=outcome, comment="Attest saknas." if outcome is
                    ItemOutcome.DEVIATION else None,
                ))
        _bulk(SampleItem, item_rows)
        self.result.add("sample_items", len(item_rows))
        sample_of = {row["control_id"]: sample_id
                     for sample_id, row in zip(sample_ids, sample_rows, strict=True)}
        self._results(control_ids, control_meta, sample_of)

    def _results(self, control_ids: list[int], control_meta: list[tuple[int, int, int, bool]],
                 sample_of: dict[int, int]) -> None:
        rng = self.rng
        rows = []
        for control_id, (_plan_id, year, k, _sample) in zip(control_ids, control_meta,
                                                            strict=True):
            past = year < self.today.year
            if not past and rng.random() < 0.6:
                continue  # this year's controls: some done so far
            if k == 1:
                start, end = date(year, 1, 1), date(year, 12, 31) if past else self.today
                occurrences, performed_text = (["T1", "T2", "T3"] if past else ["T1"]), (
                    "T1, T2, T3" if past else "T1")
                if not past:
                    end = min(end, date(year, 4, 30))
            else:
                start = date(year, rng.randint(1, 11 if past else max(1, self.today.month)), 1)
                end = start + timedelta(days=6)
                if not past:
                    end = min(end, self.today)
                occurrences, performed_text = [], f"vecka {start.isocalendar().week}"
            if not past and start > self.today:
                continue
            category = rng.choice(list(ResultCategory))
            deviation = category.is_deviation
            rows.append(dict(
                control_id=control_id, sample_id=sample_of.get(control_id),
                occurrences=occurrences, performed=True, performed_text=performed_text,
                performed_start=start, performed_end=end,
                result_text=rng.choice(RESULT_TEXTS), category=category,
                remediation="Rutinen förtydligas." if deviation else None,
                remediation_status=(rng.choice(list(RemediationStatus)) if deviation
                                    else None),
                recorded_by_id=None, recorded_at=_at(end, 15),
            ))
        _bulk(ControlResult, rows)
        self.result.add("results", len(rows))

    # --- ISK-bedömningar --------------------------------------------------------------------

    def assessments(self) -> None:
        rng, rows = self.rng, []
        units = [self.region_id, *self.namnd_ids]
        for year in self.years:
            periods = [AssessmentPeriod.INTERIM, AssessmentPeriod.ANNUAL]
            if year == self.today.year:
                periods = [AssessmentPeriod.INTERIM]
            for unit_id in units:
                for period in periods:
                    adopted = year < self.today.year
                    decided = (date(year, 9, 20) if period is AssessmentPeriod.INTERIM
                               else date(year + 1, 2, 25))
                    judgement = rng.choice(list(Judgement)) if adopted else None
                    rows.append(dict(
                        org_unit_id=unit_id, year=year, period=period,
                        status=AssessmentStatus.ADOPTED if adopted else AssessmentStatus.DRAFT,
                        judgement=judgement,
                        motivation=("Planens kontroller är genomförda och bristerna åtgärdade."
                                    if adopted else None),
                        statement_a=STATEMENT, statement_b=STATEMENT, statement_c=STATEMENT,
                        statement_d=STATEMENT, statement_e=STATEMENT,
                        adopted_on=decided if adopted else None,
                        adoption_paragraph="§ 12" if adopted else None,
                    ))
        ids = _bulk(Assessment, rows)
        self.result.add("assessments", len(ids))

    # --- SAM --------------------------------------------------------------------------------

    def sam(self) -> None:
        rng = self.rng
        round_rows = []
        for year in self.years:
            current = year == self.today.year
            round_rows.append(dict(
                org_unit_id=self.region_id, year=year,
                due_on=self.today + timedelta(days=21) if current else date(year, 4, 30),
                status=RoundStatus.OPEN if current else RoundStatus.CLOSED,
                started_at=_at(self.today - timedelta(days=30) if current else date(year, 3, 1)),
                closed_at=None if current else _at(date(year, 6, 1)),
            ))
        round_ids = _bulk(SamRound, round_rows)
        self.result.add("sam_rounds", len(round_ids))
        question_rows = [dict(round_id=round_id, position=k, text=question)
                         for round_id in round_ids for k, question in enumerate(SAM_QUESTIONS)]
        question_ids = _bulk(SamQuestion, question_rows)
        questions = {}
        for question_id, row in zip(question_ids, question_rows, strict=True):
            questions.setdefault(row["round_id"], []).append(question_id)
        follow_rows = []
        for round_id, round_row in zip(round_ids, round_rows, strict=True):
            current = round_row["status"] is RoundStatus.OPEN
            for chef_id, unit_id, delegating_id in self.chefs:
                if current:
                    status = rng.choice(list(FollowUpStatus))
                else:
                    status = (FollowUpStatus.CONFIRMED if rng.random() < 0.9
                              else FollowUpStatus.NOT_STARTED)
                if delegating_id is None and status is FollowUpStatus.CONFIRMED:
                    status = FollowUpStatus.ACKNOWLEDGED  # the top waits for HR
                answered = status.is_answered
                when = _at(round_row["due_on"] - timedelta(days=rng.randint(1, 20)))
                acknowledged = status.is_acknowledged
                follow_rows.append(dict(
                    round_id=round_id, manager_id=chef_id, delegating_manager_id=delegating_id,
                    org_unit_id=unit_id, due_on=round_row["due_on"], status=status,
                    answered_at=when if answered else None,
                    acknowledged_at=when if acknowledged else None,
                    acknowledged_by_id=chef_id if acknowledged else None,
                    confirmed_at=when if status is FollowUpStatus.CONFIRMED else None,
                    confirmed_by_id=(delegating_id if status is FollowUpStatus.CONFIRMED
                                     else None),
                    sent_back_at=when if status.is_sent_back else None,
                    sent_back_by_id=delegating_id if status.is_sent_back else None,
                    sent_back_comment=("Beskriv vilka risker som återstår att bedöma."
                                       if status.is_sent_back else None),
                ))
        # The top chef has no fördelande chef to send back: answered instead.
        for row in follow_rows:
            if row["status"].is_sent_back and row["delegating_manager_id"] is None:
                row.update(status=FollowUpStatus.ANSWERED, sent_back_at=None,
                           sent_back_by_id=None, sent_back_comment=None)
        follow_ids = _bulk(SamFollowUp, follow_rows)
        self.result.add("sam_follow_ups", len(follow_ids))
        answer_rows = []
        for follow_id, row in zip(follow_ids, follow_rows, strict=True):
            if not row["status"].is_answered:
                continue
            for question_id in questions[row["round_id"]]:
                value = rng.choices(list(AnswerValue), weights=(8, 1, 1))[0]
                answer_rows.append(dict(
                    follow_up_id=follow_id, question_id=question_id, value=value,
                    comment="" if value is AnswerValue.YES else "Arbetet pågår.",
                ))
        _bulk(SamAnswer, answer_rows)
        self.result.add("sam_answers", len(answer_rows))

    # --- versions of the adopted plans ------------------------------------------------------

    def revisions(self) -> None:
        """Revision 1 of each plan: the plan as adopted, as the app stores it."""
        from ..plans.document import to_snapshot
        from ..plans.revisions import current_document

        rows = []
        for plan_id in self.plan_ids:
            plan = db.session.get(Plan, plan_id)
            assert plan is not None
            rows.append(dict(
                plan_id=plan_id, number=1, reason=f"Fastställd ({plan.adoption_reference})",
                created_at=_at(plan.adopted_on), snapshot=to_snapshot(current_document(plan)),
            ))
        _bulk(PlanRevision, rows)
        db.session.expunge_all()


def generate(preset: Preset, seed: int = 1) -> Generated:
    """Build the preset's region in the current transaction; the caller records and commits."""
    builder = _Builder(preset, seed)
    builder.units()
    builder.users()
    builder.manager_chain()
    builder.region_texts()
    builder.plans()
    builder.assessments()
    builder.sam()
    builder.revisions()
    if db.session.get_bind().dialect.name == "postgresql":
        # Planner statistics now, as autovacuum would gather them soon after a bulk load:
        # without them the first queries on the new rows are planned blind.
        db.session.execute(text("ANALYZE"))
    return builder.result

