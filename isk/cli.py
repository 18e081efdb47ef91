"""`flask isk ...` commands. They call services and commit once."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from .extensions import db
from .models import OrgUnitKind, Role
from .services import accounts, demo, org

isk_group = AppGroup("isk", help="ISK: intern styrning och kontroll.")


def read_new_password() -> str:
    """Ask twice on a terminal; otherwise read two lines from standard input."""
    if sys.stdin.isatty():
        return click.prompt(
            _("Lösenord"), hide_input=True, confirmation_prompt=_("Upprepa lösenordet")
        )
    first = sys.stdin.readline().rstrip("\r\n")
    second = sys.stdin.readline().rstrip("\r\n")
    if not first:
        raise click.ClickException(_("Inget lösenord angavs på standard input."))
    if first != second:
        raise click.ClickException(
            _("Lösenorden är inte lika (ange lösenordet två gånger, en rad var).")
        )
    return first


@isk_group.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="Roll: admin, controller, manager, reader, auditor eller hr.",
)
@click.option("--unit", help="Enhetens kod eller namn (krävs utom för admin och auditor).")
@click.option("--name", help="Namn som visas i ISK (standard: delen före @).")
def create_user(email: str, role: str, unit: str | None, name: str | None) -> None:
    """Skapa en användare. Lösenordet läses från terminalen (eller stdin, två rader)."""
    try:
        org_unit = org.find_unit(unit) if unit else None
        password = read_new_password()
        user = accounts.create_user(email, password, Role(role), org_unit, name=name)
    except (accounts.AccountError, org.OrgError) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    scope = org_unit.name if org_unit else _("hela regionen")
    click.echo(
        _(
            "Användaren %(email)s (%(role)s, %(scope)s) är skapad.",
            email=user.email,
            role=user.role.label,
            scope=scope,
        )
    )


@isk_group.command("create-unit")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice([kind.value for kind in OrgUnitKind]))
@click.option("--code", required=True, help="Kort unik kod, till exempel SN.")
@click.option("--parent", help="Överordnad enhets kod eller namn (krävs utom för region).")
def create_unit(name: str, kind: str, code: str, parent: str | None) -> None:
    """Skapa en organisationsenhet (region, nämnd, förvaltning, område, enhet)."""
    try:
        parent_unit = org.find_unit(parent) if parent else None
        unit = org.create_org_unit(name, OrgUnitKind(kind), code, parent_unit)
    except org.OrgError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(_("Enheten %(name)s (%(code)s) är skapad.", name=unit.name, code=unit.code))


@isk_group.command("demo")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Ladda bara om databasen är tom; annars gör ingenting (för make run).",
)
def load_demo(if_empty: bool) -> None:
    """Ladda demodata: en exempelregion, en användare per roll och de tre exempelplanerna."""
    if demo.database_is_empty():
        demo.load_demo_data()
        db.session.commit()
        click.echo(_("Demodata är inläst."))
    elif not if_empty:
        raise click.ClickException(
            _("Databasen innehåller redan data; demodata läses bara in i en tom databas.")
        )
    if demo.demo_users_present():
        click.echo("")
        click.echo(_("Demoinloggningar (lösenord för alla: %(pw)s):", pw=demo.DEMO_PASSWORD))
        for demo_user in demo.DEMO_USERS:
            click.echo(f"  {demo_user.email:<26} {demo_user.role.label}")
