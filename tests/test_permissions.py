"""Who may see and do what: every route declares a rule, and org scope is enforced."""

from __future__ import annotations

import re

import pytest

from isk.extensions import db
from isk.models import OrgUnitKind, Role
from isk.permissions import (
    EXEMPT_ENDPOINTS,
    PUBLIC,
    Permission,
    access,
    can,
    declared_access,
)
from isk.services import plans


def test_every_route_declares_its_access_rule(app):
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in EXEMPT_ENDPOINTS
        and declared_access(app.view_functions[rule.endpoint]) is None
    ]

    assert undeclared == []


def test_a_route_without_a_rule_is_refused_at_run_time(app, client):
    @app.route("/undeclared")
    def undeclared() -> str:
        return "should never be served"

    response = client.get("/undeclared")

    assert response.status_code == 403
    assert "should never be served" not in response.get_data(as_text=True)


def test_a_public_route_needs_no_login(app, client):
    @app.route("/public-probe")
    @access(PUBLIC)
    def public_probe() -> str:
        return "open"

    assert client.get("/public-probe").get_data(as_text=True) == "open"


def test_every_protected_page_answers_401_without_login(app, client):
    protected = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in EXEMPT_ENDPOINTS
        and declared_access(app.view_functions[rule.endpoint]) is not PUBLIC
    ]
    assert protected
    for rule in protected:
        method = "GET" if "GET" in rule.methods else "POST"
        path = re.sub(r"<any\(([a-z]+)[^>]*>", r"\1", rule.rule)  # the first choice
        path = re.sub(r"<(?:int:)?[a-z_]+>", "1", path)
        response = client.open(path, method=method)
        assert response.status_code == 401, rule.rule


@pytest.fixture
def two_namnder(make_unit):
    sn = make_unit("Servicenämnden", code="SN")
    rs = make_unit("Regionservice", OrgUnitKind.FORVALTNING, parent=sn, code="RS")
    mt = make_unit("Medicinsk teknik", OrgUnitKind.OMRADE, parent=rs, code="MT")
    hsn = make_unit("Hälso- och sjukvårdsnämnden", code="HSN")
    plan_sn = plans.create_plan(sn, 2026)
    plan_mt = plans.create_plan(mt, 2026)
    plan_hsn = plans.create_plan(hsn, 2026)
    db.session.commit()
    return {
        "SN": sn,
        "MT": mt,
        "HSN": hsn,
        "plan_sn": plan_sn,
        "plan_mt": plan_mt,
        "plan_hsn": plan_hsn,
    }


def test_a_user_sees_plans_of_their_unit_and_below_but_not_above(two_namnder, make_user):
    reader = make_user("lasare@example.org", Role.READER, two_namnder["SN"])
    manager = make_user("chef@example.org", Role.MANAGER, two_namnder["MT"])

    assert can(reader, Permission.VIEW_PLAN, two_namnder["plan_sn"])
    assert can(reader, Permission.VIEW_PLAN, two_namnder["plan_mt"])
    assert not can(reader, Permission.VIEW_PLAN, two_namnder["plan_hsn"])
    assert can(manager, Permission.VIEW_PLAN, two_namnder["plan_mt"])
    assert not can(manager, Permission.VIEW_PLAN, two_namnder["plan_sn"])


def test_region_wide_roles_see_every_unit(two_namnder, make_user):
    auditor = make_user("revisor@example.org", Role.AUDITOR)
    admin = make_user("admin@example.org", Role.ADMIN)

    for plan in ("plan_sn", "plan_mt", "plan_hsn"):
        assert can(auditor, Permission.VIEW_PLAN, two_namnder[plan])
        assert can(admin, Permission.VIEW_PLAN, two_namnder[plan])


def test_readers_and_auditors_change_nothing(two_namnder, make_user):
    reader = make_user("lasare@example.org", Role.READER, two_namnder["SN"])
    auditor = make_user("revisor@example.org", Role.AUDITOR)

    for user in (reader, auditor):
        assert not can(user, Permission.EDIT_PLAN, two_namnder["plan_sn"])
        assert not can(user, Permission.ADOPT_PLAN, two_namnder["plan_sn"])
        assert not can(user, Permission.MANAGE_USERS)


def test_a_controller_edits_only_within_their_scope(two_namnder, make_user):
    controller = make_user("kim@example.org", Role.CONTROLLER, two_namnder["SN"])

    assert can(controller, Permission.EDIT_PLAN, two_namnder["plan_mt"])
    assert not can(controller, Permission.EDIT_PLAN, two_namnder["plan_hsn"])


def test_opening_another_units_plan_by_url_is_forbidden(two_namnder, make_user, auth, client):
    make_user("lasare@example.org", Role.READER, two_namnder["HSN"])
    auth.login("lasare@example.org")

    response = client.get(f"/planer/{two_namnder['plan_sn'].id}")

    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "Du har inte behörighet" in text
    assert "Servicenämnden" not in text


def test_a_plan_that_does_not_exist_is_404(two_namnder, make_user, auth, client):
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")

    response = client.get("/planer/999999")

    assert response.status_code == 404
    assert "Sidan eller uppgiften du sökte finns inte." in response.get_data(as_text=True)


def test_the_start_page_lists_only_plans_in_scope(two_namnder, make_user, auth, client):
    make_user("chef@example.org", Role.MANAGER, two_namnder["MT"])
    auth.login("chef@example.org")

    text = client.get("/").get_data(as_text=True)

    assert f"/planer/{two_namnder['plan_mt'].id}" in text
    assert f'/planer/{two_namnder["plan_sn"].id}"' not in text
    assert f'/planer/{two_namnder["plan_hsn"].id}"' not in text


@pytest.mark.parametrize(
    ("role", "users_status", "audit_status"),
    [
        (Role.ADMIN, 200, 200),
        (Role.AUDITOR, 403, 200),
        (Role.CONTROLLER, 403, 403),
        (Role.MANAGER, 403, 403),
        (Role.READER, 403, 403),
    ],
)
def test_admin_pages_follow_the_role(
    role, users_status, audit_status, make_unit, make_user, auth, client
):
    unit = make_unit("Servicenämnden")
    make_user("someone@example.org", role, unit)
    auth.login("someone@example.org")

    assert client.get("/admin/anvandare").status_code == users_status
    assert client.get("/admin/granskningslogg").status_code == audit_status


def test_navigation_shows_only_what_the_role_may_use(make_unit, make_user, auth, client):
    make_user("revisor@example.org", Role.AUDITOR)
    auth.login("revisor@example.org")

    text = client.get("/").get_data(as_text=True)

    assert "/admin/granskningslogg" in text
    assert "/admin/anvandare" not in text


def test_anyone_who_reads_plans_may_read_the_regions_shared_plan(two_namnder, make_user, auth,
                                                                 client):
    region = two_namnder["SN"].parent
    region_plan = plans.create_plan(region, 2026)
    db.session.commit()
    make_user("lasare@example.org", Role.READER, two_namnder["HSN"])
    auth.login("lasare@example.org")

    assert client.get(f"/planer/{region_plan.id}").status_code == 200
    assert client.get(f"/planer/{region_plan.id}/risker/ny").status_code == 403


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMIN, True),
        (Role.AUDITOR, True),
        (Role.CONTROLLER, False),
        (Role.MANAGER, False),
        (Role.READER, False),
        (Role.HR, False),
    ],
)
def test_only_those_who_read_the_audit_log_export_and_check_it(
    role, allowed, make_unit, make_user, auth, client
):
    make_user("someone@example.org", role, make_unit("Servicenämnden"))
    auth.login("someone@example.org")
    token = auth.csrf_token("/")

    exports = [client.get(f"/admin/granskningslogg/export.{kind}") for kind in ("xlsx", "csv")]
    check = client.post("/admin/granskningslogg/kontroll", data={"csrf_token": token})

    assert [r.status_code for r in exports] == ([200, 200] if allowed else [403, 403])
    assert check.status_code == (302 if allowed else 403)


def test_the_sql_form_of_reading_a_plan_agrees_with_can(two_namnder, make_user):
    """Search and the start page filter plans in SQL (`readable_plans`); the pages ask `can`."""
    from isk.models import Criterion, OrgUnit, Plan
    from isk.permissions import readable_plans

    region_plan = plans.create_plan(two_namnder["SN"].parent, 2026)
    owner = make_user("olle@example.org", Role.MANAGER, two_namnder["HSN"])
    area = plans.add_process_area(two_namnder["plan_sn"], "Ekonomi")
    risk = plans.add_risk(area, plans.RiskContent("Risken att fakturor försvinner.",
                                                  {Criterion.C}))
    risk.owner = owner
    db.session.commit()
    users = [
        owner,
        make_user("lasare@example.org", Role.READER, two_namnder["SN"]),
        make_user("chef@example.org", Role.MANAGER, two_namnder["MT"]),
        make_user("revisor@example.org", Role.AUDITOR),
    ]
    every_plan = db.session.scalars(db.select(Plan)).all()
    assert region_plan in every_plan

    for user in users:
        by_sql = set(db.session.scalars(
            db.select(Plan.id).join(Plan.org_unit).where(readable_plans(user))))
        by_can = {plan.id for plan in every_plan if can(user, Permission.VIEW_PLAN, plan)}
        assert by_sql == by_can, user.email
    assert two_namnder["plan_sn"].id in {
        plan.id for plan in every_plan if can(owner, Permission.VIEW_PLAN, plan)}
    assert OrgUnit  # the query joins it
