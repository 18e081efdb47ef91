"""ISK: register and audit workflow for intern styrning och kontroll."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from . import config as config_module


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Application factory: configuration, extensions, blueprints, error pages, CLI."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config_module.BaseConfig)
    app.config.update(config_module.from_environment(app.instance_path, given=config or {}))
    app.config.update(config or {})
    app.config["SQLALCHEMY_DATABASE_URI"] = config_module.normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.debug and not app.testing:
        app.logger.setLevel(logging.INFO)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from . import http_headers, i18n, permissions, serving
    from .blueprints import apply_body_limit
    from .extensions import babel, csrf, db, limiter, login_manager, migrate
    from .services import accounts, audit

    db.init_app(app)
    audit.install()
    app.teardown_appcontext(_end_session)  # runs before Flask-SQLAlchemy's own teardown
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from sqlalchemy import event

        with app.app_context():
            event.listen(db.engine, "connect", _configure_sqlite_connection)
    migrate.init_app(app, db, directory=str(_migrations_directory()), render_as_batch=True)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    login_manager.user_loader(accounts.load_user)
    # Order matters: an idle session ends first, then the route's access rule is checked
    # (401/403 before anything else), and only then the CSRF token of a permitted request.
    app.before_request(accounts.enforce_idle_timeout)
    permissions.init_app(app)
    limiter.init_app(app)
    app.before_request(apply_body_limit)  # before the CSRF check reads the form
    csrf.init_app(app)
    http_headers.init_app(app)
    serving.init_app(app)  # compression, static file caching, /healthz
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client's address (throttling, audit trail) and scheme as the proxies saw them.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]


def register_blueprints(app: Flask) -> None:
    # Ids in URLs fit the database's integer columns; a larger one is no page (404), not a
    # query the database refuses (500).
    app.url_map.converters["int"] = IdConverter
    from .blueprints.admin import bp as admin_bp
    from .blueprints.assessment import bp as assessment_bp
    from .blueprints.auth.views import bp as auth_bp
    from .blueprints.controls import bp as controls_bp
    from .blueprints.main.views import bp as main_bp
    from .blueprints.plans import bp as plans_bp
    from .blueprints.sam.views import bp as sam_bp

    for blueprint in (main_bp, auth_bp, plans_bp, controls_bp, sam_bp, assessment_bp, admin_bp):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from .blueprints.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from .cli import bind_app_modules, isk_group

    bind_app_modules()  # the app has imported them anyway; commands find them bound
    app.cli.add_command(isk_group)


def _end_session(_error: BaseException | None) -> None:
    """Close the request's database session; if its connection died meanwhile (the database
    restarted), drop the connection instead of failing the answer already made."""
    from sqlalchemy.exc import DBAPIError

    from .extensions import db

    try:
        db.session.close()
    except DBAPIError:
        db.session().invalidate()


class IdConverter(IntegerConverter):
    """`<int:...>` for ids: 0 to 2**31 - 1, the range of an integer column everywhere."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    """SQLite leaves foreign keys unchecked unless asked; wait for locks instead of failing.

    Write-ahead logging lets readers go on while one request writes (several workers).
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def _migrations_directory() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
