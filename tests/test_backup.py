"""`flask isk backup` and `flask isk restore`: every record comes back, on both databases."""

from __future__ import annotations

import stat
from datetime import date

from sqlalchemy import select, text

from isk.extensions import db
from isk.models import Criterion, OrgUnit, Role
from isk.services import plans


def _everything() -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    tables = {}
    for table in db.metadata.sorted_tables:
        order = [column for column in table.primary_key.columns] or list(table.columns)
        rows = db.session.execute(select(table).order_by(*order)).all()
        tables[table.name] = [tuple(row) for row in rows]
    return tables


def _some_of_everything(make_unit, make_user) -> None:
    unit = make_unit("Servicenämnden", code="SN")
    make_user("kim@example.org", Role.CONTROLLER, unit, name="Kim Ödegård")
    plan = plans.create_plan(unit, 2026)
    area = plans.add_process_area(plan, "Ekonomi")
    risk = plans.add_risk(area, plans.RiskContent(
        "Risken att leverantörsfakturor inte betalas i tid.", {Criterion.C, Criterion.D}))
    plans.add_action(risk, plans.ActionContent("Månatlig uppföljning av förfallna fakturor."))
    plans.adopt_plan(plan, date(2026, 1, 20), "SN § 4", "SN 2026/1")  # a revision, audit rows
    db.session.commit()


def test_a_restored_backup_has_every_record_and_nothing_added_since(
        app, runner, make_unit, make_user, tmp_path):
    _some_of_everything(make_unit, make_user)
    before = _everything()
    assert sum(len(rows) for rows in before.values()) > 5
    target = tmp_path / "kopior" / "isk.backup"

    made = runner.invoke(args=["isk", "backup", str(target)])

    assert made.exit_code == 0, made.output
    assert "Säkerhetskopian är sparad" in made.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # it holds password hashes
    assert not [p for p in target.parent.iterdir() if p != target]  # no partial file left
    # Changes after the backup: a new unit, and a renamed one.
    make_unit("Hälso- och sjukvårdsnämnden", code="HSN")
    db.session.execute(text("UPDATE org_unit SET name = 'Omdöpt' WHERE code = 'SN'"))
    db.session.commit()
    db.session.remove()

    restored = runner.invoke(args=["isk", "restore", str(target), "--yes"])

    assert restored.exit_code == 0, restored.output
    db.session.remove()
    assert _everything() == before
    assert db.session.scalar(select(OrgUnit).where(OrgUnit.code == "HSN")) is None


def test_a_restore_asks_first_and_a_no_changes_nothing(app, runner, make_unit, tmp_path):
    make_unit("Servicenämnden", code="SN")
    target = tmp_path / "isk.backup"
    assert runner.invoke(args=["isk", "backup", str(target)]).exit_code == 0
    make_unit("Hälso- och sjukvårdsnämnden", code="HSN")

    answered = runner.invoke(args=["isk", "restore", str(target)], input="n\n")

    assert answered.exit_code != 0
    db.session.remove()
    assert db.session.scalar(select(OrgUnit).where(OrgUnit.code == "HSN")) is not None


def test_a_file_that_is_no_backup_is_refused_and_the_database_is_kept(
        app, runner, make_unit, tmp_path):
    make_unit("Servicenämnden", code="SN")
    bogus = tmp_path / "not-a-backup"
    bogus.write_bytes(b"SQLite format 3\x00 but not really" * 100)

    result = runner.invoke(args=["isk", "restore", str(bogus), "--yes"])

    assert result.exit_code == 1
    assert "ingen säkerhetskopia av ISK" in result.output
    db.session.remove()
    assert db.session.scalar(select(OrgUnit).where(OrgUnit.code == "SN")) is not None


def test_a_backup_into_a_folder_that_cannot_be_written_is_refused(app, runner, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")

    result = runner.invoke(args=["isk", "backup", str(blocker / "isk.backup")])

    assert result.exit_code == 1
    assert "Kan inte skriva" in result.output
