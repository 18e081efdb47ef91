"""The SAM migration creates exactly the SAM tables and its downgrade removes them again."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from isk.extensions import db
from isk.services.search.schema import include_name

SAM_REVISION = "749923859318"
SAM_TABLES = {
    "sam_manager_assignment",
    "sam_manager_unit",
    "sam_round",
    "sam_question",
    "sam_follow_up",
    "sam_answer",
    "sam_return",
    "sam_reminder",
}


def sam_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True,
                              "include_name": include_name}
        )
        return [diff for diff in compare_metadata(context, db.metadata) if "sam_" in repr(diff)]


def test_the_sam_migration_downgrades_and_upgrades_again(app):
    migrations = Path(__file__).resolve().parents[1] / "migrations"
    script = ScriptDirectory(str(migrations))
    below = script.get_revision(SAM_REVISION).down_revision
    db.session.remove()
    assert set(inspect(db.engine).get_table_names()) >= SAM_TABLES

    downgrade(revision=below)
    db.engine.dispose()
    remaining = set(inspect(db.engine).get_table_names())
    upgrade()
    db.engine.dispose()

    assert remaining.isdisjoint(SAM_TABLES)
    assert set(inspect(db.engine).get_table_names()) >= SAM_TABLES
    assert sam_differences() == []
