"""Databases for the benchmarks: migrated, filled by `flask isk generate`'s builder.

`database(kind)` yields a SQLAlchemy URL of an empty migrated database on SQLite (a temporary
file) or PostgreSQL (Debian's cluster, started as tests/postgres.py does; None when it is not
available). `filled(url, preset)` builds the generated region in it and returns the app.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402

from isk import create_app  # noqa: E402
from isk.extensions import db  # noqa: E402


def app_for(url: str, **config: Any) -> Flask:
    return create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "COMPRESS_RESPONSES": False, **config,
    })


@contextlib.contextmanager
def database(kind: str) -> Iterator[str | None]:
    """An empty migrated database of the kind; None if PostgreSQL is not available here."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="isk-bench-") as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            _migrate(url)
            yield url
        return
    from tests import postgres

    try:
        server = postgres.server_dsn()
    except (postgres.PostgresUnavailable, OSError) as error:
        print(f"PostgreSQL is not available: {error}", file=sys.stderr)
        yield None
        return
    name = f"isk_bench_{os.getpid()}"
    url = postgres.create_database(server, name)
    try:
        _migrate(url)
        yield url
    finally:
        postgres.drop_database(server, name)


def _migrate(url: str) -> None:
    app = app_for(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def filled(url: str, preset: Any, seed: int = 1) -> tuple[Flask, float]:
    """The app on the database with the preset's region built in it, and the seconds it took."""
    from isk.services.demo import generate

    app = app_for(url)
    with app.app_context():
        started = time.perf_counter()
        generate.generate(preset, seed)
        db.session.commit()
        return app, time.perf_counter() - started


class StatementCounter:
    """Counts the SQL statements the engine sends while `counting` is on."""

    def __init__(self, app: Flask) -> None:
        self.count = 0
        self.on = False
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._record)

    def _record(self, *_args: Any) -> None:
        if self.on:
            self.count += 1

    def measure(self, call: Callable[[], Any]) -> tuple[int, Any]:
        self.count, self.on = 0, True
        try:
            result = call()
        finally:
            self.on = False
        return self.count, result


def time_calls(call: Callable[[], Any], repeat: int) -> tuple[float, float, list[float]]:
    """Median and spread (max - min) of `repeat` calls, after one warm-up call."""
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times) - min(times), times


def peak_mb(call: Callable[[], Any]) -> float:
    """Peak of Python allocations during one call (tracemalloc), in MB."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
