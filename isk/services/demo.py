"""Demo data: an example region, one user per role, and the three seed IK-plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources

from sqlalchemy import select

from ..extensions import db
from ..models import Criterion, OrgUnit, OrgUnitKind, Role, User
from . import accounts, imports, plans
from .org import create_org_unit

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
    closed: bool


DEMO_PLANS = (
    DemoPlan(
        "medicinsk-teknik-2022.csv",
        "MT",
        2022,
        date(2021, 12, 9),
        "RS § 112",
        "RS 2021/4410",
        closed=True,
    ),
    DemoPlan(
        "servicenamnden-2023.csv",
        "SN",
        2023,
        date(2022, 11, 24),
        "SN § 58",
        "SN 2022/2015",
        closed=True,
    ),
    DemoPlan(
        "servicenamnden-2026.csv",
        "SN",
        2026,
        date(2025, 11, 20),
        "SN § 45",
        "SN 2025/1871",
        closed=False,
    ),
)


def database_is_empty() -> bool:
    return db.session.scalar(select(OrgUnit.id).limit(1)) is None


def demo_users_present() -> bool:
    return db.session.scalar(select(User.id).where(User.email == DEMO_USERS[0].email)) is not None


def read_demo_file(name: str) -> str:
    return resources.files("isk.demo_data").joinpath(name).read_text(encoding="utf-8")


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
    units = {unit.code: unit for unit in db.session.scalars(select(OrgUnit))}

    for demo_user in DEMO_USERS:
        accounts.create_user(
            demo_user.email,
            DEMO_PASSWORD,
            demo_user.role,
            units[demo_user.unit_code] if demo_user.unit_code else None,
            name=demo_user.name,
        )

    for demo_plan in DEMO_PLANS:
        plan = plans.create_plan(units[demo_plan.unit_code], demo_plan.year)
        drafts = imports.parse_seed_csv(read_demo_file(demo_plan.file))
        imports.populate_plan(plan, drafts, demo_criteria)
        db.session.flush()
        plans.adopt_plan(plan, demo_plan.adopted_on, demo_plan.paragraph, demo_plan.diary_number)
        if demo_plan.closed:
            plans.close_plan(plan)
    db.session.flush()
