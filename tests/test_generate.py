"""`flask isk generate`: a deterministic region, its counts, and the app's pages on it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from isk.extensions import db
from isk.models import (
    Action,
    Assessment,
    AuditEntry,
    Control,
    ControlResult,
    OrgUnit,
    Plan,
    PlanRevision,
    ProcessArea,
    Risk,
    Role,
    SamFollowUp,
    Sample,
    SampleItem,
    SamRound,
    User,
)
from isk.services.demo import generate


def run(runner: Any, *args: str) -> Any:
    return runner.invoke(args=["isk", "generate", *args])


def content() -> list[tuple[Any, ...]]:
    """What the region says, without ids or timestamps."""
    risks = db.session.execute(
        select(OrgUnit.code, Plan.year, ProcessArea.name, Risk.position, Risk.text,
               Risk.likelihood, Risk.consequence, Risk.criterion_d, Risk.lineage_key)
        .join(ProcessArea, Risk.process_area_id == ProcessArea.id)
        .join(Plan, ProcessArea.plan_id == Plan.id).join(OrgUnit, Plan.org_unit_id == OrgUnit.id)
        .order_by(OrgUnit.code, Plan.year, ProcessArea.position, Risk.position)
    ).all()
    actions = db.session.execute(
        select(Action.text, Action.responsible, Action.due_date, Action.status)
        .order_by(Action.id)).all()
    controls = db.session.execute(
        select(Control.description, Control.method, Control.occurrences).order_by(Control.id)
    ).all()
    items = db.session.execute(
        select(SampleItem.item_id, SampleItem.amount, SampleItem.outcome).order_by(SampleItem.id)
    ).all()
    follow_ups = db.session.execute(
        select(User.email, SamRound.year, SamFollowUp.status)
        .join(User, SamFollowUp.manager_id == User.id)
        .join(SamRound, SamFollowUp.round_id == SamRound.id)
        .order_by(User.email, SamRound.year)
    ).all()
    users = db.session.execute(select(User.email, User.name, User.role).order_by(User.email)).all()
    return [tuple(row) for rows in (risks, actions, controls, items, follow_ups, users)
            for row in rows]


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_small_preset_has_the_region_shape(runner):
    result = run(runner, "--preset", "small")

    assert result.exit_code == 0, result.output
    assert "Regionen är genererad" in result.output
    preset = generate.PRESETS["small"]
    plans = preset.years * (preset.namnder + 1)  # the region's own plan each year
    nämnd_risks = preset.years * preset.namnder * preset.risks
    assert count(Plan) == plans
    assert count(Risk) == nämnd_risks + preset.years * preset.region_risks
    region_risks = preset.years * preset.region_risks
    assert count(Action) == nämnd_risks * preset.actions_per_risk + region_risks
    assert count(Control) == nämnd_risks * preset.controls_per_risk
    assert count(Sample) == preset.years * preset.namnder
    assert count(SampleItem) == preset.years * preset.namnder * preset.sample_items
    assert count(SamRound) == preset.years
    assert count(SamFollowUp) == preset.years * preset.chefs
    assert count(PlanRevision) == plans
    assert count(ControlResult) > 0
    assert count(Assessment) == (preset.namnder + 1) * (2 * preset.years - 1)
    # One audit entry says what was made; no entry per row.
    entries = db.session.scalars(select(AuditEntry)).all()
    assert [entry.event for entry in entries] == ["data_generated"]
    assert entries[0].details["counts"]["risks"] == count(Risk)
    assert entries[0].details["preset"] == "small"


def test_the_region_preset_is_a_regions_worth():
    preset = generate.PRESETS["region"]
    assert (preset.namnder, preset.years, preset.risks) == (20, 5, 60)
    assert (preset.actions_per_risk, preset.controls_per_risk) == (3, 2)
    assert (preset.sample_items, preset.chefs) == (60, 400)


def test_the_same_seed_gives_the_same_content(runner):
    assert run(runner, "--preset", "small", "--seed", "7").exit_code == 0
    first = content()
    assert run(runner, "--preset", "small", "--seed", "7", "--clear", "--yes").exit_code == 0
    assert content() == first
    assert run(runner, "--preset", "small", "--seed", "8", "--clear", "--yes").exit_code == 0
    assert content() != first


def test_a_database_with_data_is_refused(runner, make_unit):
    make_unit("Servicenämnden", code="SN")

    result = run(runner, "--preset", "small")

    assert result.exit_code != 0
    assert "Databasen innehåller redan data" in result.output
    assert "--clear" in result.output
    assert count(Plan) == 0


def test_clear_asks_first_and_stops_on_no(runner, make_unit):
    make_unit("Servicenämnden", code="SN")

    result = runner.invoke(args=["isk", "generate", "--preset", "small", "--clear"], input="n\n")

    assert result.exit_code != 0
    assert "Avbrutet" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "SN")) is not None
    assert count(Plan) == 0


def test_clear_empties_the_database_first(runner, make_unit):
    make_unit("Servicenämnden", code="SN")

    result = runner.invoke(args=["isk", "generate", "--preset", "small", "--clear"], input="y\n")

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "SN")) is None
    assert count(Plan) == generate.PRESETS["small"].years * 3
    assert [entry.event for entry in db.session.scalars(select(AuditEntry))] == [
        "data_generated"]


def pages(plan: Plan, assessment: Assessment, sam_round: SamRound) -> list[str]:
    return [
        "/",
        f"/planer/{plan.id}",
        f"/planer/{plan.id}/uppfoljning",
        f"/planer/{plan.id}/kontroller",
        f"/bedomningar/{assessment.id}",
        f"/sam/rundor/{sam_round.id}",
        "/sok?q=fakturor",
    ]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CONTROLLER, Role.READER, Role.AUDITOR,
                                  Role.HR, Role.MANAGER])
def test_the_pages_render_on_the_generated_region(runner, client, auth, role):
    assert run(runner, "--preset", "small").exit_code == 0
    user = db.session.scalars(select(User).where(User.role == role).order_by(User.id)).first()
    this_year = db.session.scalar(select(func.max(Plan.year)))
    plan = db.session.scalar(
        select(Plan).join(OrgUnit).where(OrgUnit.code == "N01", Plan.year == this_year))
    assessment = db.session.scalar(
        select(Assessment).join(OrgUnit).where(OrgUnit.code == "N01")
        .order_by(Assessment.year.desc(), Assessment.period))
    sam_round = db.session.scalar(select(SamRound).where(SamRound.year == this_year))
    auth.login_via_session(user)

    assert client.get("/").status_code == 200
    for path in pages(plan, assessment, sam_round):
        response = client.get(path)
        # Each role sees what its permissions allow; nothing fails.
        assert response.status_code in (200, 403), (path, response.status_code)
        if role in (Role.ADMIN, Role.CONTROLLER, Role.AUDITOR) and "/sam/" not in path:
            assert response.status_code == 200, path
    if role in (Role.ADMIN, Role.HR):
        assert client.get(f"/sam/rundor/{sam_round.id}").status_code == 200
    assert client.get(f"/bedomningar/{assessment.id}.pdf").status_code in (200, 403)


def test_generated_users_log_in_with_the_printed_password(runner, auth):
    result = run(runner, "--preset", "small")

    assert generate.GENERATED_PASSWORD in result.output
    assert f"admin@{generate.EMAIL_DOMAIN}" in result.output
    response = auth.login(f"kontrollant.n01@{generate.EMAIL_DOMAIN}", generate.GENERATED_PASSWORD)
    assert response.status_code == 302
