"""Demo data: an example region, one user per role, and the three seed IK-plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ...extensions import db
from ...models import (
    ActionStatus,
    Criterion,
    OrgUnit,
    OrgUnitKind,
    Plan,
    PlanStatus,
    RiskTreatment,
    Role,
    SecurityAspect,
    User,
)
from .. import accounts, plans
from ..org import create_org_unit, find_unit
from ..plans import imports
from . import years
from .controls import load_demo_controls
from .files import read_demo_file
from .sam import load_demo_chain, load_demo_sam

DEMO_PASSWORD = "isk-demo-2026"


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: Role
    unit_code: str | None


DEMO_USERS = (
    DemoUser("admin@example.org", "Alva Systemförvaltare", Role.ADMIN, None),
    DemoUser("kontrollant@example.org", "Kim Internkontrollant", Role.CONTROLLER, "SN"),
    DemoUser("chef@example.org", "Maria Chef", Role.MANAGER, "MT"),
    DemoUser("lasare@example.org", "Leo Läsare", Role.READER, "SN"),
    DemoUser("revisor@example.org", "Rut Revisor", Role.AUDITOR, None),
    DemoUser("lasare.hsn@example.org", "Hugo Läsare (HSN)", Role.READER, "HSN"),
    # SAM: HR runs the rounds; the chefs below form the manager chain (DEMO_CHAIN).
    DemoUser("hr@example.org", "Hanna HR", Role.HR, "ROL"),
    DemoUser("forvaltningschef@example.org", "Rebecka Förvaltningschef", Role.MANAGER, "RS"),
    DemoUser("chef.fastighet@example.org", "Fredrik Fastighetschef", Role.MANAGER, "FA"),
    DemoUser("enhetschef.service@example.org", "Elin Enhetschef", Role.MANAGER, "MT-S"),
    DemoUser("enhetschef.utveckling@example.org", "Erik Enhetschef", Role.MANAGER, "MT-U"),
    DemoUser("enhetschef.drift@example.org", "Oskar Enhetschef", Role.MANAGER, "FA-D"),
    DemoUser("enhetschef.lokalvard@example.org", "Lina Enhetschef", Role.MANAGER, "FA-L"),
)

# The enheter the demo enhetschefer lead: (name, code, parent code).
DEMO_ENHETER = (
    ("Enhet Medicinteknisk service", "MT-S", "MT"),
    ("Enhet Medicinteknisk utveckling", "MT-U", "MT"),
    ("Enhet Fastighetsdrift", "FA-D", "FA"),
    ("Enhet Lokalvård", "FA-L", "FA"),
)


# The published plans do not say which criteria each risk maps to; the demo chooses per verksamhet.
DEMO_CRITERIA: dict[str, tuple[Criterion, ...]] = {
    "HR": (Criterion.C,),
    "Ekonomi": (Criterion.C, Criterion.D),
    "Ekonomi, välfärdsbrott": (Criterion.C, Criterion.D),
    "Informationssäkerhet": (Criterion.C, Criterion.E),
    "Medicinteknisk anskaffning": (Criterion.C, Criterion.D),
}


def demo_criteria(area_name: str) -> tuple[Criterion, ...]:
    return DEMO_CRITERIA.get(area_name, (Criterion.C,))


@dataclass(frozen=True)
class DemoPlan:
    file: str
    unit_code: str
    year: int
    adopted_on: date
    paragraph: str
    diary_number: str


DEMO_PLANS = (
    DemoPlan("medicinsk-teknik-2022.csv", "MT", 2022, date(2021, 12, 9), "RS § 112",
             "RS 2021/4410"),
    DemoPlan("servicenamnden-2023.csv", "SN", 2023, date(2022, 11, 24), "SN § 58",
             "SN 2022/2015"),
    DemoPlan("servicenamnden-2026.csv", "SN", 2026, date(2025, 11, 20), "SN § 45",
             "SN 2025/1871"),
)

# The region's own decision on its shared (regionövergripande) content, per year.
REGION_DECISIONS = {
    2022: (date(2021, 11, 30), "RS § 201", "RS 2021/3977"),
    2023: (date(2022, 11, 29), "RS § 188", "RS 2022/3310"),
    2026: (date(2025, 11, 25), "RS § 176", "RS 2025/3012"),
}

# Made-up assessments (sannolikhet, konsekvens) so that the 2026 risk matrix has content;
# keyed by the start of the risk text.
DEMO_ASSESSMENTS = {
    "Risk att systematiskt arbetsmiljöarbete": (2, 3),
    "Risken att verksamheten inte efterlever tillämplig": (3, 4),
    "Risken att Regionservice inte kan bedriva verksamhet": (2, 4),
    "Risken att anteckning på faktura": (3, 2),
    "Risken att inköp inte sker via marknadsplats": (3, 2),
    "Risken att fakturor inte blir betalda i tid": (2, 3),
    "Risken att inköpsmönster ändras": (2, 2),
    "Risken att det sker utbetalning till leverantörer": (2, 4),
    "Risken att fakturan inte överensstämmer": (3, 3),
}
# Who owns what in the 2026 plan, and when its åtgärder are to be done (made up for the demo):
# risk text start → (owner's e-mail, [(åtgärd text start, klar senast, status, ansvarig)]).
DEMO_OWNERS_2026 = {
    "Risken att verksamheten inte efterlever tillämplig": ("chef@example.org", [
        ("Säkerställ att informationsklassning", date(2026, 10, 31), ActionStatus.IN_PROGRESS,
         "Maria Chef"),
        ("Informationsägare/objektägare", date(2026, 12, 15), ActionStatus.PLANNED, None),
    ]),
    "Risken att Regionservice inte kan bedriva verksamhet": ("forvaltningschef@example.org", [
        ("Färdigställa överenskommen servicenivå", date(2026, 9, 30), ActionStatus.IN_PROGRESS,
         "Rebecka Förvaltningschef"),
        ("Fortsätta arbetet med kontinuitetshantering", date(2026, 12, 31),
         ActionStatus.IN_PROGRESS, None),
    ]),
    "Risken att fakturor inte blir betalda i tid": (None, [
        ("En välorganiserad projektorganisation", date(2026, 6, 30), ActionStatus.DONE,
         "Ekonomichef Regionservice"),
    ]),
}
ACCEPTED_WITHOUT_ACTION = (
    "Regionservice ledningsgrupp",
    "Den fastställda planen anger ingen åtgärd för risken; den följs i verksamhetsuppföljningen.",
)


def database_is_empty() -> bool:
    return db.session.scalar(select(OrgUnit.id).limit(1)) is None


def demo_users_present() -> bool:
    return db.session.scalar(select(User.id).where(User.email == DEMO_USERS[0].email)) is not None


def _assign_owners_2026(plan: Plan) -> None:
    """Risk owners, åtgärder's dates, status and ansvarig: so that chefs have work that waits."""
    users = {user.email: user for user in db.session.scalars(select(User))}
    for area in plan.process_areas:
        for risk in area.risks:
            for prefix, (owner, actions) in DEMO_OWNERS_2026.items():
                if not risk.text.startswith(prefix):
                    continue
                risk.owner = users.get(owner) if owner else None
                for action in risk.actions:
                    for start, due, status, responsible in actions:
                        if action.text.startswith(start):
                            action.due_date, action.status = due, status
                            action.responsible = responsible


def _load_plan(unit: OrgUnit, spec: DemoPlan) -> None:
    """Import a seed plan (its region-wide rows go to the region's plan) and adopt both."""
    plan = plans.create_plan(unit, spec.year)
    imports.import_file(plan, spec.file, read_demo_file(spec.file).encode("utf-8"),
                        may_edit_region=True)
    region_plan = plans.region_plan_for(plan)
    for target in (region_plan, plan):
        for area in target.process_areas:
            for risk in area.risks:
                # The published plans do not say which criteria a risk threatens: the demo
                # chooses them per verksamhet (an import leaves them empty).
                if not risk.criteria:
                    risk.criteria = set(demo_criteria(area.name))
                    if Criterion.E in risk.criteria and not risk.aspects:
                        risk.aspects = set(SecurityAspect)
                if spec.year == 2026:
                    risk.likelihood, risk.consequence = next(
                        (value for prefix, value in DEMO_ASSESSMENTS.items()
                         if risk.text.startswith(prefix)), (None, None))
                if not risk.actions:
                    risk.treatment = RiskTreatment.ACCEPT
                    risk.accepted_by, risk.acceptance_reason = ACCEPTED_WITHOUT_ACTION
                    risk.accepted_on = spec.adopted_on
    if spec.year == 2026:
        _assign_owners_2026(plan)
    db.session.flush()
    if region_plan.status is PlanStatus.DRAFT:
        adopted_on, paragraph, diary_number = REGION_DECISIONS[spec.year]
        plans.adopt_plan(region_plan, adopted_on, paragraph, diary_number)
    plans.adopt_plan(plan, spec.adopted_on, spec.paragraph, spec.diary_number)


def load_demo_data() -> None:
    """Create the demo region; the caller commits. Refuses a database that already has data."""
    if not database_is_empty():
        raise ValueError("database is not empty")
    region = create_org_unit("Region Örebro län", OrgUnitKind.REGION, "ROL")
    sn = create_org_unit("Servicenämnden", OrgUnitKind.NAMND, "SN", region)
    rs = create_org_unit("Regionservice", OrgUnitKind.FORVALTNING, "RS", sn)
    create_org_unit("Område Medicinsk teknik", OrgUnitKind.OMRADE, "MT", rs)
    create_org_unit("Område Fastighet", OrgUnitKind.OMRADE, "FA", rs)
    hsn = create_org_unit("Hälso- och sjukvårdsnämnden", OrgUnitKind.NAMND, "HSN", region)
    create_org_unit("Hälso- och sjukvårdsförvaltningen", OrgUnitKind.FORVALTNING, "HSF", hsn)
    for name, code, parent_code in DEMO_ENHETER:
        create_org_unit(name, OrgUnitKind.ENHET, code, find_unit(parent_code))
    units = {unit.code: unit for unit in db.session.scalars(select(OrgUnit))}

    for demo_user in DEMO_USERS:
        accounts.create_user(
            demo_user.email,
            DEMO_PASSWORD,
            demo_user.role,
            units[demo_user.unit_code] if demo_user.unit_code else None,
            name=demo_user.name,
        )

    years.load_region_texts(units["ROL"])
    for demo_plan in DEMO_PLANS[:2]:
        _load_plan(units[demo_plan.unit_code], demo_plan)
    years.copy_forward(units)  # 2024 and 2025 start as copies of 2023
    years.load_controls_2025(units)
    years.import_followup_2025(units)
    load_demo_chain(units)
    years.load_sam_2025(units)
    years.close_past_years(units)  # each plan of 2022-2025 closes after its ISK-bedömning
    for demo_plan in DEMO_PLANS[2:]:
        _load_plan(units[demo_plan.unit_code], demo_plan)
    years.mark_sam_risks()
    sn_2026 = db.session.scalar(
        select(Plan).where(Plan.org_unit_id == units["SN"].id, Plan.year == 2026)
    )
    plans.copy_to_next_year(sn_2026)  # a 2027 draft, to show the start of next year's work
    db.session.flush()
    load_demo_sam(units)
    load_demo_controls()
    years.load_assessment_drafts(units)
