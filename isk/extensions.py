"""Flask extensions, created unbound and initialised in create_app."""

from typing import Any

import click
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so that migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class _LazyMigrateConfig:
    """`app.extensions["migrate"]`, made on first use: Flask-Migrate imports Alembic (and
    Mako), about a quarter of a second, which a web worker or `flask isk …` never needs."""

    def __init__(self, database: SQLAlchemy, options: dict[str, Any]) -> None:
        self._database, self._options = database, options
        self._real: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._real is None:
            from flask_migrate import Migrate, _MigrateConfig

            real = Migrate(db=self._database, **self._options)
            self._real = _MigrateConfig(real, self._database, **real.alembic_ctx_kwargs)
        return getattr(self._real, name)


class _LazyDbGroup(click.Group):
    """`flask db …`: Flask-Migrate's command group, imported when it is run."""

    def _real(self) -> click.Group:
        from flask_migrate.cli import db as db_group

        return db_group

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        return self._real().make_context(info_name, args, parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._real().get_command(ctx, name)


class LazyMigrate:
    """Flask-Migrate's setup (`migrate.init_app(app, db, directory=…)`) without importing it:
    `flask db upgrade` and `flask_migrate.upgrade()` work as with `Migrate` itself."""

    def init_app(self, app: Any, database: SQLAlchemy, **options: Any) -> None:
        app.extensions["migrate"] = _LazyMigrateConfig(database, options)
        app.cli.add_command(_LazyDbGroup("db", help="Perform database migrations."))


migrate = LazyMigrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits are declared per route (logging in); storage: RATELIMIT_STORAGE_URI (in memory).
limiter = Limiter(key_func=get_remote_address)
