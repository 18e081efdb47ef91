"""The organisation tree in the browser: create, rename, move and archive units, with the
refusals that keep plans and users from losing their unit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from isk.extensions import db
from isk.models import AuditEntry, OrgUnit, OrgUnitKind, Role
from isk.services import org, plans

from .plan_helpers import csrf_from, page_text


@pytest.fixture
def tree(make_unit, make_user):
    sn = make_unit("Servicenämnden", code="SN")
    rs = make_unit("Regionservice", OrgUnitKind.FORVALTNING, parent=sn, code="RS")
    mt = make_unit("Område Medicinsk teknik", OrgUnitKind.OMRADE, parent=rs, code="MT")
    hsn = make_unit("Hälso- och sjukvårdsnämnden", code="HSN")
    admin = make_user("alva@example.org", Role.ADMIN, None, name="Alva Admin")
    return {"sn": sn, "rs": rs, "mt": mt, "hsn": hsn, "admin": admin}


def post(client, path: str, **data):
    """GET the form, then POST it with the data, as a browser would."""
    return client.post(path, data={"csrf_token": csrf_from(client.get(path)), **data})


def reload(unit: OrgUnit) -> OrgUnit:
    db.session.expire_all()
    return db.session.get(OrgUnit, unit.id)


def test_the_tree_is_on_one_page_in_order(tree, client, auth):
    auth.login_via_session(tree["admin"])

    text = page_text(client.get("/admin/enheter"))

    order = [text.index(name) for name in ("Testregionen", "Hälso- och sjukvårdsnämnden",
                                           "Servicenämnden", "Regionservice",
                                           "Område Medicinsk teknik")]
    assert order == sorted(order)


def test_a_unit_is_created_under_its_parent(tree, client, auth):
    auth.login_via_session(tree["admin"])

    response = post(client, "/admin/enheter/ny", name="Enhet Service", code="MT-S",
                    kind="enhet", parent=str(tree["mt"].id))

    assert response.status_code == 302
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "MT-S"))
    assert unit.parent_id == tree["mt"].id and unit.path == f"{tree['mt'].path}{unit.id}/"


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "X", "code": "SN", "kind": "enhet"}, "Koden SN används redan"),
    ({"name": "X", "code": "X1", "kind": "namnd", "parent": "MT"},
     "En enhet av typen nämnd kan inte ligga under en enhet av typen område."),
    ({"name": "", "code": "X2", "kind": "enhet"}, "Ange enhetens namn."),
])
def test_a_bad_unit_is_refused_in_swedish(tree, client, auth, data, message):
    auth.login_via_session(tree["admin"])
    data = {"parent": str(tree["mt"].id), **data}
    if data["parent"] == "MT":
        data["parent"] = str(tree["mt"].id)

    response = post(client, "/admin/enheter/ny", **data)

    assert response.status_code == 400
    assert message in page_text(response)
    assert db.session.scalar(select(OrgUnit).where(OrgUnit.code.in_(["X1", "X2"]))) is None


def test_renaming_and_moving_a_unit_moves_everything_below_it(tree, client, auth):
    auth.login_via_session(tree["admin"])

    response = post(client, f"/admin/enheter/{tree['rs'].id}", name="Regionservice HSN",
                    code="RSH", parent=str(tree["hsn"].id))

    assert response.status_code == 302
    rs, mt = reload(tree["rs"]), reload(tree["mt"])
    assert (rs.name, rs.code, rs.parent_id) == ("Regionservice HSN", "RSH", tree["hsn"].id)
    assert rs.path == f"{tree['hsn'].path}{rs.id}/"
    assert mt.path == f"{rs.path}{mt.id}/"
    assert tree["hsn"].contains(mt)
    events = db.session.scalars(select(AuditEntry.event).where(
        AuditEntry.object_type == "OrgUnit", AuditEntry.object_id == rs.id)).all()
    assert events[-2:] == ["org_unit_renamed", "org_unit_moved"]


def test_a_unit_cannot_move_under_its_own_subtree(tree, client, auth):
    auth.login_via_session(tree["admin"])

    with pytest.raises(org.OrgError, match="under sig själv"):
        org.move_org_unit(tree["rs"], tree["mt"])
    db.session.rollback()
    response = post(client, f"/admin/enheter/{tree['sn'].id}", name="Servicenämnden",
                    code="SN", parent=str(tree["mt"].id))

    assert response.status_code == 400  # not offered, and refused when sent anyway
    assert reload(tree["sn"]).parent_id == tree["sn"].parent_id


def test_archiving_is_refused_while_it_would_orphan_plans_users_or_units(
    tree, client, auth, make_user
):
    make_user("kim@example.org", Role.CONTROLLER, tree["mt"])
    plans.create_plan(tree["mt"], 2026)
    db.session.commit()
    auth.login_via_session(tree["admin"])

    response = client.post(f"/admin/enheter/{tree['mt'].id}/arkivera",
                           data={"csrf_token": csrf_from(client.get("/admin/enheter"))})
    parent = client.post(f"/admin/enheter/{tree['rs'].id}/arkivera",
                         data={"csrf_token": csrf_from(client.get("/admin/enheter"))})

    assert response.status_code == 400
    text = page_text(response)
    assert "Område Medicinsk teknik kan inte arkiveras" in text
    assert "1 aktiv användare hör till den" in text
    assert "1 internkontrollplan är inte avslutad" in text
    assert "1 enhet ligger under den" in page_text(parent)
    assert reload(tree["mt"]).archived_at is None


def test_an_archived_unit_leaves_the_choosers_but_keeps_its_history(tree, client, auth):
    auth.login_via_session(tree["admin"])
    token = csrf_from(client.get("/admin/enheter"))

    response = client.post(f"/admin/enheter/{tree['mt'].id}/arkivera",
                           data={"csrf_token": token})

    assert response.status_code == 302
    assert reload(tree["mt"]).archived_at is not None
    assert tree["mt"].id not in [unit.id for unit in org.all_units()]
    client.get("/admin/enheter")  # the flash about the archiving is shown there
    invite = client.get("/admin/anvandare/ny").get_data(as_text=True)
    assert "Område Medicinsk teknik" not in invite
    assert "Område Medicinsk teknik" in page_text(client.get("/admin/enheter"))
    refused = post(client, "/admin/enheter/ny", name="Enhet under arkiverad", code="UA",
                   kind="enhet", parent=str(tree["mt"].id))
    assert refused.status_code == 400

    restored = client.post(f"/admin/enheter/{tree['mt'].id}/aterstall",
                           data={"csrf_token": token})
    assert restored.status_code == 302 and reload(tree["mt"]).archived_at is None


def test_only_the_admin_keeps_the_organisation(tree, client, auth, make_user):
    kim = make_user("kim@example.org", Role.CONTROLLER, tree["sn"])
    auth.login_via_session(kim)

    assert client.get("/admin/enheter").status_code == 403
    assert client.get("/admin/enheter/ny").status_code == 403
    token = csrf_from(client.get("/"))
    assert client.post(f"/admin/enheter/{tree['mt'].id}/arkivera",
                       data={"csrf_token": token}).status_code == 403


def test_the_cli_still_creates_units_and_users(runner, app):
    created = runner.invoke(args=["isk", "create-unit", "Region Test", "--kind", "region",
                                  "--code", "RT"])
    user = runner.invoke(args=["isk", "create-user", "ada@example.org", "--role", "admin",
                               "--name", "Ada"], input="ett-langt-losenord\nett-langt-losenord\n")

    assert created.exit_code == 0, created.output
    assert user.exit_code == 0, user.output
