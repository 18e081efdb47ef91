"""`flask isk create-user` and `flask isk create-unit`."""

from __future__ import annotations

from sqlalchemy import select

from isk.extensions import db
from isk.models import OrgUnit, Role, User


def test_create_user_reads_the_password_twice_from_stdin(runner, make_unit, auth):
    make_unit("Servicenämnden", code="SN")

    result = runner.invoke(
        args=[
            "isk",
            "create-user",
            "Kim@Example.org",
            "--role",
            "controller",
            "--unit",
            "SN",
            "--name",
            "Kim Kontrollant",
        ],
        input="ett långt lösenord\nett långt lösenord\n",
    )

    assert result.exit_code == 0, result.output
    assert "kim@example.org" in result.output
    user = db.session.scalar(select(User).where(User.email == "kim@example.org"))
    assert user.role is Role.CONTROLLER
    assert user.org_unit.code == "SN"
    assert auth.login("kim@example.org", "ett långt lösenord").status_code == 302


def test_create_user_refuses_passwords_that_differ(runner):
    result = runner.invoke(
        args=["isk", "create-user", "admin@example.org", "--role", "admin"],
        input="ett långt lösenord\nett annat lösenord\n",
    )

    assert result.exit_code != 0
    assert "Lösenorden är inte lika" in result.output
    assert db.session.scalar(select(User.id)) is None


def test_create_user_refuses_a_short_password(runner):
    result = runner.invoke(
        args=["isk", "create-user", "admin@example.org", "--role", "admin"],
        input="kort\nkort\n",
    )

    assert result.exit_code != 0
    assert "minst 12 tecken" in result.output
    assert db.session.scalar(select(User.id)) is None


def test_create_user_needs_a_unit_for_scoped_roles(runner):
    result = runner.invoke(
        args=["isk", "create-user", "chef@example.org", "--role", "manager"],
        input="ett långt lösenord\nett långt lösenord\n",
    )

    assert result.exit_code != 0
    assert "måste höra till en enhet" in result.output


def test_create_user_names_an_unknown_unit(runner):
    result = runner.invoke(
        args=["isk", "create-user", "chef@example.org", "--role", "manager", "--unit", "XYZ"],
        input="ett långt lösenord\nett långt lösenord\n",
    )

    assert result.exit_code != 0
    assert "Det finns ingen enhet med koden eller namnet ”XYZ”" in result.output


def test_create_user_refuses_a_duplicate_address(runner, make_user):
    make_user("admin@example.org", Role.ADMIN)

    result = runner.invoke(
        args=["isk", "create-user", "ADMIN@example.org", "--role", "admin"],
        input="ett långt lösenord\nett långt lösenord\n",
    )

    assert result.exit_code != 0
    assert "finns redan en användare" in result.output


def test_create_user_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["isk", "create-user", "a@example.org", "--role", "boss"])

    assert result.exit_code != 0
    assert db.session.scalar(select(User.id)) is None


def test_create_unit_builds_the_tree(runner):
    commands = [
        ["Region Test", "--kind", "region", "--code", "RT"],
        ["Servicenämnden", "--kind", "namnd", "--code", "SN", "--parent", "RT"],
        ["Regionservice", "--kind", "forvaltning", "--code", "RS", "--parent", "Servicenämnden"],
    ]
    for command in commands:
        result = runner.invoke(args=["isk", "create-unit", *command])
        assert result.exit_code == 0, result.output

    rs = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "RS"))
    assert rs.parent.code == "SN"
    assert rs.parent.parent.code == "RT"


def test_create_unit_refuses_a_namnd_without_parent(runner):
    result = runner.invoke(args=["isk", "create-unit", "Lös", "--kind", "namnd", "--code", "L"])

    assert result.exit_code != 0
    assert "måste ligga under en överordnad enhet" in result.output
