"""`flask isk ...` commands. They call services and commit once."""

from __future__ import annotations

import hashlib
import sys
from typing import TYPE_CHECKING, Any

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

if TYPE_CHECKING:
    from .models import Plan
    from .services.errors import DomainError

# The choices of --role and --kind, written out so that listing the commands needs no models
# (tests/test_startup.py checks them against the enums).
ROLE_CHOICES = ("admin", "controller", "manager", "reader", "auditor", "hr")
UNIT_KIND_CHOICES = ("region", "namnd", "forvaltning", "omrade", "enhet")


def bind_app_modules() -> None:
    """Import what the commands use when one runs, not when `flask isk --help` lists them:
    SQLAlchemy, the models and the services are most of ISK's start-up time."""
    global DomainError, OrgUnitKind, Plan, Role, accounts, audit_log, db, org, select
    from sqlalchemy import select

    from .extensions import db
    from .models import OrgUnitKind, Plan, Role
    from .services import accounts, audit_log, org
    from .services.errors import DomainError


class IskGroup(AppGroup):
    """`flask isk`: the app's modules are bound when a command is invoked."""

    def invoke(self, ctx: click.Context) -> Any:
        bind_app_modules()
        return super().invoke(ctx)


isk_group = IskGroup("isk", help="ISK: intern styrning och kontroll.")


def refused(error: DomainError, heading: str | None = None) -> click.ClickException:
    """A service's refusal as the command's error: rolled back, each problem on its own line."""
    db.session.rollback()
    lines = ([heading] if heading else []) + error.problems
    return click.ClickException("\n".join(lines))


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


def plan_of(unit: str, year: int) -> Plan:
    """The unit's live plan of the year, loaded for display, or the command's error."""
    from .services import plans

    try:
        org_unit = org.find_unit(unit)
    except DomainError as error:
        raise refused(error) from error
    plan = db.session.scalar(
        select(Plan).where(Plan.org_unit_id == org_unit.id, Plan.year == year,
                           Plan.archived_at.is_(None))
    )
    if plan is None:
        raise click.ClickException(
            _("%(unit)s har ingen internkontrollplan för %(year)d.", unit=org_unit.name, year=year)
        )
    loaded = plans.load_plan_for_display(plan.id)
    assert loaded is not None
    return loaded


@isk_group.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice(ROLE_CHOICES),
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
    except DomainError as error:
        raise refused(error) from error
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
@click.option("--kind", required=True, type=click.Choice(UNIT_KIND_CHOICES))
@click.option("--code", required=True, help="Kort unik kod, till exempel SN.")
@click.option("--parent", help="Överordnad enhets kod eller namn (krävs utom för region).")
def create_unit(name: str, kind: str, code: str, parent: str | None) -> None:
    """Skapa en organisationsenhet (region, nämnd, förvaltning, område, enhet)."""
    try:
        parent_unit = org.find_unit(parent) if parent else None
        unit = org.create_org_unit(name, OrgUnitKind(kind), code, parent_unit)
    except DomainError as error:
        raise refused(error) from error
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
    from .services import demo

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
            click.echo(f"  {demo_user.email:<34} {demo_user.role.label}")


@isk_group.command("generate")
@click.option("--preset", required=True, type=click.Choice(["region", "small"]),
              help="region: 20 nämnder × 5 år × 60 risker, 400 chefer; small: för tester.")
@click.option("--seed", default=1, show_default=True, type=int,
              help="Samma frö ger samma innehåll.")
@click.option("--clear", is_flag=True, help="Töm databasen först (allt innehåll tas bort).")
@click.option("--yes", is_flag=True, help="Fråga inte före tömningen (för skript).")
def generate_command(preset: str, seed: int, clear: bool, yes: bool) -> None:
    """Bygg en genererad region för prestandamätning och för att prova ISK i full skala."""
    import time

    from .services.demo import generate

    if generate.database_has_data():
        if not clear:
            raise click.ClickException(_(
                "Databasen innehåller redan data; en genererad region byggs bara i en tom "
                "databas. Ange --clear för att tömma den först (allt innehåll tas bort)."))
        if not yes and not click.confirm(
                _("Allt innehåll i databasen tas bort, även granskningsloggen. Fortsätta?")):
            raise click.ClickException(_("Avbrutet; databasen är oförändrad."))
        generate.clear_database()
    started = time.perf_counter()
    made = generate.generate(generate.PRESETS[preset], seed)
    audit_log.record("data_generated", preset=preset, seed=seed, counts=made.counts)
    db.session.commit()
    seconds = time.perf_counter() - started
    click.echo(_("Regionen är genererad (%(preset)s, frö %(seed)d) på %(seconds).1f s:",
                 preset=preset, seed=seed, seconds=seconds))
    for kind, number in made.counts.items():
        click.echo(f"  {kind:<16} {number:>7}")
    click.echo("")
    click.echo(_("Inloggningar (lösenord för alla: %(pw)s):", pw=generate.GENERATED_PASSWORD))
    for email, role in made.logins:
        click.echo(f"  {email:<40} {role}")


@isk_group.command("import-plan")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--unit", required=True, help="Nämndens (enhetens) kod eller namn.")
@click.option("--year", required=True, type=int, help="Planens år.")
def import_plan(file: str, unit: str, year: int) -> None:
    """Importera en IK-plan från CSV eller XLSX till ett utkast (skapas om det saknas)."""
    from pathlib import Path

    from .services import plans
    from .services.plans import imports

    try:
        org_unit = org.find_unit(unit)
        plan = db.session.scalar(
            select(Plan).where(Plan.org_unit_id == org_unit.id, Plan.year == year)
        ) or plans.create_plan(org_unit, year)
        path = Path(file)
        prepared = imports.import_file(plan, path.name, path, may_edit_region=True)
    except imports.PlanImportError as error:
        raise refused(error, _("Filen importerades inte; inget har sparats.")) from error
    except DomainError as error:
        raise refused(error) from error
    db.session.commit()
    for warning in prepared.warnings:
        click.echo(warning, err=True)
    click.echo(_("Importerade %(risks)s och %(actions)s till internkontrollplan %(year)d – "
                 "%(unit)s.", year=year, unit=org_unit.name,
                 risks=ngettext("%(num)d risk", "%(num)d risker", prepared.risk_count),
                 actions=ngettext("%(num)d åtgärd", "%(num)d åtgärder", prepared.action_count)))


@isk_group.command("export-plan")
@click.option("--unit", required=True, help="Nämndens (enhetens) kod eller namn.")
@click.option("--year", required=True, type=int, help="Planens år.")
@click.option("--format", "kind", required=True, type=click.Choice(["pdf", "xlsx", "csv"]))
@click.option("--layout", type=click.Choice(["namnd", "arbete"]), default="namnd",
              show_default=True,
              help="PDF: namnd (som planen publiceras) eller arbete (med kriterier, riskvärde, "
                   "status och ansvariga).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Filen att skriva.")
def export_plan(unit: str, year: int, kind: str, layout: str, output: str) -> None:
    """Exportera en IK-plan som PDF, XLSX eller CSV."""
    from pathlib import Path

    from .models.types import utcnow
    from .services import plans, wording
    from .services.pdf.plan import PlanLayout, render_plan
    from .services.plans import exports

    plan = plan_of(unit, year)
    org_unit = plan.org_unit
    document = plans.document_for(plan)
    if kind == "pdf":
        data = render_plan(document, wording.region_texts(org_unit), printed_at=utcnow(),
                           changed_after=plans.changed_after_adoption(plan), printed_by=None,
                           revision=plans.latest_revision_number(plan),
                           layout=PlanLayout(layout))
    elif kind == "xlsx":
        data = exports.to_xlsx(document, _("Internkontrollplan %(year)d", year=year))
    else:
        data = exports.to_csv(document)
    Path(output).write_bytes(data)
    audit_log.record("plan_exported", plan, format=kind, file=Path(output).name,
                     bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), via="cli",
                     **({"layout": layout} if kind == "pdf" else {}))
    db.session.commit()
    click.echo(_("Skrev %(file)s (%(size)d byte).", file=output, size=len(data)))


@isk_group.command("import-followup")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--unit", required=True, help="Nämndens (enhetens) kod eller namn.")
@click.option("--year", required=True, type=int, help="Planens år.")
def import_followup(file: str, unit: str, year: int) -> None:
    """Importera en uppföljningstabell (Genomförd internkontroll, Kontrollmetod, Utfört,
    Uppföljning/resultat, Eventuella åtgärder) från CSV eller XLSX till årets plan."""
    from pathlib import Path

    from .services.controls import table

    plan = plan_of(unit, year)
    path = Path(file)
    try:
        prepared = table.import_file(plan, path.name, path)
    except table.FollowUpImportError as error:
        raise refused(error, _("Filen importerades inte; inget har sparats.")) from error
    except DomainError as error:
        raise refused(error) from error
    db.session.commit()
    click.echo(_("Importerade %(results)s till internkontrollplan %(year)d – %(unit)s "
                 "(%(controls)s, %(unchanged)s).", year=year, unit=plan.org_unit.name,
                 results=ngettext("%(num)d kontrollutfall", "%(num)d kontrollutfall",
                                  prepared.results),
                 controls=ngettext("%(num)d ny kontroll", "%(num)d nya kontroller",
                                   prepared.new_controls),
                 unchanged=ngettext("%(num)d rad fanns redan", "%(num)d rader fanns redan",
                                    prepared.unchanged)))


@isk_group.command("export-followup")
@click.option("--unit", required=True, help="Nämndens (enhetens) kod eller namn.")
@click.option("--year", required=True, type=int, help="Planens år.")
@click.option("--period", type=click.Choice(["T1", "T2", "T3", "delar", "helar"]),
              default="helar", show_default=True, help="Perioden som följs upp.")
@click.option("--format", "kind", required=True, type=click.Choice(["pdf", "xlsx", "csv"]))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Filen att skriva.")
def export_followup(unit: str, year: int, period: str, kind: str, output: str) -> None:
    """Exportera uppföljningen av internkontroll för en period som PDF, XLSX eller CSV."""
    from pathlib import Path

    from .services.controls import followup, table
    from .services.controls.periods import Period
    from .services.pdf.followup import render_followup

    plan = plan_of(unit, year)
    report = followup.build_report(plan, Period(period))
    data = render_followup(report) if kind == "pdf" else table.export_table(report, kind)
    Path(output).write_bytes(data)
    audit_log.record("followup_exported", plan, format=kind, period=period,
                     file=Path(output).name, bytes=len(data),
                     sha256=hashlib.sha256(data).hexdigest(), via="cli")
    db.session.commit()
    click.echo(_("Skrev %(file)s (%(size)d byte).", file=output, size=len(data)))


# --- the granskningslogg --------------------------------------------------------------------


@isk_group.command("verify-audit")
@click.option("--anchor", "anchors", multiple=True, metavar="ID:HASH",
              help="En post och kontrollsumma som noterats vid en tidigare kontroll; "
                   "kontrollera att den är oförändrad.")
def verify_audit(anchors: tuple[str, ...]) -> None:
    """Kontrollera granskningsloggens kedja: varje post, dess plats och loggens slut.

    Avslutas med 0 när loggen är hel. Annars skrivs den första posten som är ändrad,
    borttagen eller omordnad ut, och kommandot avslutas med 1.
    """
    from .services import audit

    try:
        parsed = [audit.Anchor.parse(text) for text in anchors]
    except ValueError as error:
        raise click.ClickException(
            _("Ange --anchor som postnummer och kontrollsumma: 42:<64 hexadecimala tecken>.")
        ) from error
    result = audit.verify(anchors=parsed)
    if result.problem is not None:
        raise click.ClickException(
            result.summary + " " + _("%(n)d poster före den är hela.", n=result.checked)
        )
    click.echo(result.summary)
    click.echo(result.head_text)


# --- SAM -------------------------------------------------------------------------------------


@isk_group.command("send-reminders")
@click.option("--dry-run", is_flag=True, help="Visa påminnelserna som står på tur; skicka inget.")
def send_reminders(dry_run: bool) -> None:
    """Skicka påminnelser om SAM-uppföljningar som snart ska vara klara eller är försenade.

    Kör dagligen (cron eller systemd-timer). Varje påminnelse skickas en gång: körs kommandot
    igen, eller två gånger samtidigt, skickas inget dubbelt. Inställningar: ISK_SMTP_HOST,
    ISK_SMTP_PORT, ISK_SMTP_TLS, ISK_SMTP_USER, ISK_SMTP_PASSWORD, ISK_MAIL_FROM, ISK_BASE_URL.
    """
    from flask import current_app

    from .services import clock, mail, sam

    when = clock.today()
    if dry_run:
        for draft in sam.due_reminders(when):
            click.echo(f"{draft.recipient}\t{draft.kind.label}\t{draft.due_on.isoformat()}")
        return
    try:
        settings = mail.SmtpSettings.from_config(current_app.config)
        report = sam.send_reminders(
            when,
            settings,
            lambda follow_up_id: sam.external_url("sam.follow_up", follow_up_id=follow_up_id),
        )
    except mail.MailError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    for draft in report.sent:
        click.echo(_("Skickad: %(kind)s till %(to)s", kind=draft.kind.label, to=draft.recipient))
    click.echo(_("%(n)d påminnelser skickade.", n=len(report.sent)))
    if settings.outbox is not None and report.sent:
        click.echo(_("Ingen e-postserver är inställd: breven sparades i %(path)s.",
                     path=settings.outbox))
    if report.failed:
        raise click.ClickException(
            _(
                "%(n)d påminnelser kunde inte skickas och provas igen vid nästa körning:",
                n=len(report.failed),
            )
            + "".join(f"\n  {draft.recipient}: {error}" for draft, error in report.failed)
        )


@isk_group.command("import-managers")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_managers(path: str) -> None:
    """Läs in chefskedjan från en CSV- eller XLSX-fil: chef, enheter, fordelande_chef.

    Allt eller inget: finns ett fel i filen ändras ingenting, och varje fel anges med rad
    och kolumn.
    """
    from .services import sam

    try:
        summary = sam.import_chain(sam.read_table(path, path))
    except DomainError as error:
        raise refused(error, _("Filen lästes inte in:")) from error
    db.session.commit()
    click.echo(
        _(
            "Chefskedjan är inläst: %(created)d nya och %(updated)d ändrade chefer.",
            created=summary.created,
            updated=summary.updated,
        )
    )


@isk_group.command("sample-size")
@click.option("--risk", required=True, help="Risk för överförlitan: 5 % eller 10 %.")
@click.option("--tolerable", required=True,
              help="Tolerabel avvikelsefrekvens i procent: 5 eller 5 % (0,5 är en halv procent).")
@click.option("--expected", required=True,
              help="Förväntad avvikelsefrekvens i procent: 1 eller 1 % (0,5 är en halv procent).")
def sample_size_command(risk: str, tolerable: str, expected: str) -> None:
    """Beräkna stickprovets storlek för test av kontroller (som AICPA:s tabeller)."""
    from .services.sampling import stats

    try:
        result = stats.size_from_inputs("statistical", risk=risk, tolerable=tolerable,
                                        expected=expected)
    except DomainError as error:
        raise refused(error) from error
    click.echo(stats.size_sentence(result))


@isk_group.command("evaluate-sample")
@click.option("--risk", required=True, help="Risk för överförlitan: 5 % eller 10 %.")
@click.option("--size", required=True, type=int, help="Antal granskade poster.")
@click.option("--deviations", required=True, type=int, help="Antal funna avvikelser.")
@click.option("--tolerable",
              help="Tolerabel avvikelsefrekvens i procent, för slutsatsen: 5 eller 5 %.")
def evaluate_sample_command(risk: str, size: int, deviations: int, tolerable: str | None) -> None:
    """Utvärdera ett stickprov: avvikelsefrekvens, övre avvikelsegräns och slutsats."""
    from .services.sampling import stats

    try:
        evaluation = stats.evaluate(
            stats.parse_rate(risk),
            size,
            deviations,
            stats.parse_rate(tolerable) if tolerable is not None else None,
        )
    except DomainError as error:
        raise refused(error) from error
    click.echo(
        _(
            "Avvikelser: %(deviations)s av %(size)s poster (%(rate)s).",
            deviations=deviations,
            size=size,
            rate=stats.format_percent(evaluation.deviation_rate),
        )
    )
    click.echo(
        _(
            "Övre avvikelsegräns med %(confidence)s konfidens: %(upper)s.",
            confidence=stats.rate_text(1 - evaluation.risk),
            upper=stats.format_percent(evaluation.upper_limit),
        )
    )
    click.echo(evaluation.conclusion)


@isk_group.command("export-assessment")
@click.option("--unit", required=True, help="Nämndens (enhetens) kod eller namn.")
@click.option("--year", required=True, type=int, help="Året som bedöms.")
@click.option("--period", type=click.Choice(["delar", "helar"]), default="helar",
              show_default=True, help="Delår eller helår.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="PDF-filen att skriva.")
def export_assessment(unit: str, year: int, period: str, output: str) -> None:
    """Skriv ut ISK-bedömningen (uppföljning av intern styrning och kontroll) som PDF."""
    from pathlib import Path

    from .models import AssessmentPeriod
    from .services import assessment

    try:
        org_unit = org.find_unit(unit)
    except DomainError as error:
        raise refused(error) from error
    item = assessment.find_assessment(org_unit, year, AssessmentPeriod(period))
    if item is None:
        raise click.ClickException(_(
            "%(unit)s har ingen ISK-bedömning för %(period)s %(year)d.", unit=org_unit.name,
            period=AssessmentPeriod(period).label.lower(), year=year))
    data = assessment.pdf_of(item)
    Path(output).write_bytes(data)
    click.echo(_("Skrev %(file)s (%(size)d byte).", file=output, size=len(data)))


@isk_group.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
def backup_database(file: str) -> None:
    """Säkerhetskopiera hela databasen till FILE (SQLite: onlinekopia; PostgreSQL: pg_dump)."""
    from .services import backup

    try:
        info = backup.backup(file)
    except DomainError as error:
        raise refused(error) from error
    click.echo(_("Säkerhetskopian är sparad i %(path)s (%(size)d byte, schemaversion "
                 "%(version)s).", path=info.path, size=info.size, version=info.schema_version))


@isk_group.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Fråga inte först (för skript).")
def restore_database(file: str, yes: bool) -> None:
    """Ersätt hela databasen med en säkerhetskopia gjord med `flask isk backup`."""
    from .services import backup

    if not yes:
        click.confirm(_("Hela databasen ersätts med innehållet i %(file)s. Fortsätta?",
                        file=file), abort=True)
    try:
        info = backup.restore(file)
    except DomainError as error:
        raise refused(error) from error
    click.echo(_("Databasen är återställd från %(path)s (schemaversion %(version)s). Kör "
                 "`flask db upgrade` om kopian är äldre än programmet.", path=info.path,
                 version=info.schema_version))
