"""The migrations build exactly the schema the models describe, and can be reversed."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from isk.extensions import db
from isk.services.search.schema import include_name


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "render_as_batch": True, "include_name": include_name},
        )
        return compare_metadata(context, db.metadata)


def test_the_migrated_schema_matches_the_models(app):
    assert schema_differences() == []


def test_the_migrations_downgrade_to_nothing_and_upgrade_again(app):
    db.session.remove()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

    upgrade()

    assert schema_differences() == []


def enum_columns() -> list[tuple[str, str, list[str]]]:
    """Every column the models store an enum in: (table, column, the enum's values)."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            enums = getattr(column.type, "enums", None)
            if enums:
                found.append((table.name, column.name, list(enums)))
    return found


def values_the_database_refuses(columns: list[tuple[str, str, list[str]]]) -> list[str]:
    inspector = inspect(db.engine)
    missing = []
    for table, column, values in columns:
        checks = " ".join(c["sqltext"] for c in inspector.get_check_constraints(table))
        missing += [f"{table}.{column} = {value!r}" for value in values
                    if f"'{value}'" not in checks]
    return missing


def test_the_database_accepts_every_value_of_every_enum(app):
    """A member added to a status enum without a migration is refused by the database's CHECK
    constraint in production; this finds it first. (Autogenerate does not compare CHECKs.)"""
    assert len(enum_columns()) > 10
    assert values_the_database_refuses(enum_columns()) == []


def test_an_enum_value_no_migration_allowed_is_reported(app):
    table, column, values = next(c for c in enum_columns() if c[:2] == ("plan", "status"))

    refused = values_the_database_refuses([(table, column, [*values, "reopened"])])

    assert refused == ["plan.status = 'reopened'"]
