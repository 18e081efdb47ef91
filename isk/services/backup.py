"""Backing up and restoring the database: `flask isk backup FILE`, `flask isk restore FILE`.

SQLite: the online backup API copies the live database page by page into a new file (readers
and writers may go on meanwhile); a restore copies the backup back the same way, so other
connections see the old database or the restored one, never a mix. PostgreSQL: `pg_dump
--format=custom` and `pg_restore --clean --single-transaction`, the documented tools; the
password goes to them in the environment (PGPASSWORD), never on the command line.

A backup is written to a temporary file beside FILE and renamed into place once complete and
checked, with owner-only permissions (it holds password hashes). Uploaded files (populations,
evidence) live in FILES_DIR and are backed up with the file system, not here.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess  # nosec B404
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy.engine import make_url

from ..extensions import db
from .errors import DomainError


class BackupError(DomainError):
    """The backup or restore could not be made; the message says why."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    schema_version: str | None


def backup(target: str | os.PathLike[str]) -> BackupInfo:
    """Write a consistent copy of the whole database to `target`."""
    path = Path(target)
    if path.is_dir():
        raise BackupError(_("%(path)s är en mapp; ange ett filnamn.", path=path))
    with _partial_file(path) as partial:
        if _is_sqlite():
            _sqlite_backup(partial)
        else:
            _run_tool("pg_dump", ["--format=custom", "--no-owner", "--no-privileges",
                                  f"--file={partial}"])
        version = schema_version_of(partial)
        if version is None:
            raise BackupError(_("Kopian kunde inte läsas tillbaka; ingen säkerhetskopia sparades."))
    return BackupInfo(path, path.stat().st_size, version)


def restore(source: str | os.PathLike[str]) -> BackupInfo:
    """Replace the whole database with the backup in `source` (made by `backup`)."""
    path = Path(source)
    version = schema_version_of(path)
    if version is None:
        raise BackupError(_(
            "%(path)s är ingen säkerhetskopia av ISK för den här databasen (%(kind)s).",
            path=path, kind=_database_kind()))
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold the old database open
    if _is_sqlite():
        _sqlite_restore(path)
    else:
        _run_tool("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges",
                                 "--single-transaction", "--exit-on-error", str(path)])
    db.engine.dispose()
    return BackupInfo(path, path.stat().st_size, version)


def schema_version_of(path: Path) -> str | None:
    """The migration a backup file was made at, or None if it is no backup of this kind."""
    if not path.is_file():
        return None
    if _is_sqlite():
        try:
            with _closing_sqlite(f"file:{path}?mode=ro", uri=True) as conn:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            return None
        return row[0] if row else None
    listing = _run_tool("pg_restore", ["--list", str(path)], connect=False, check=False)
    if listing.returncode != 0 or "TABLE DATA public alembic_version" not in listing.stdout:
        return None
    return "postgresql"


# --- SQLite -----------------------------------------------------------------------------------


def _is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _database_kind() -> str:
    return "SQLite" if _is_sqlite() else "PostgreSQL"


def _sqlite_file() -> str:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError(_("En databas i minnet kan inte säkerhetskopieras."))
    return database


@contextmanager
def _closing_sqlite(*args: object, **kwargs: object) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(*args, **kwargs)  # type: ignore[arg-type]
    try:
        yield conn
    finally:
        conn.close()


def _sqlite_backup(partial: Path) -> None:
    with _closing_sqlite(_sqlite_file(), timeout=30) as source, \
            _closing_sqlite(partial) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(_("Kopian är inte hel; ingen säkerhetskopia sparades."))


def _sqlite_restore(path: Path) -> None:
    with _closing_sqlite(f"file:{path}?mode=ro", uri=True) as source, \
            _closing_sqlite(_sqlite_file(), timeout=30) as live:
        source.backup(live)


# --- files and tools --------------------------------------------------------------------------


@contextmanager
def _partial_file(path: Path) -> Iterator[Path]:
    """A temporary file beside `path`, renamed onto it if the block succeeds."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.partial-")
    except OSError as error:
        raise BackupError(_("Kan inte skriva i %(folder)s: %(error)s", folder=path.parent,
                            error=error.strerror)) from error
    os.close(fd)
    partial = Path(name)
    partial.unlink()  # the tools create the file themselves
    try:
        yield partial
        os.chmod(partial, 0o600)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _tool(name: str) -> str:
    """The PostgreSQL client program, the newest installed (it must not be older than the
    server)."""
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    found = candidates[-1] if candidates else shutil.which(name)
    if not found:
        raise BackupError(_("%(tool)s finns inte; installera PostgreSQL:s klientprogram "
                            "(Debian: postgresql-client).", tool=name))
    return found


def _run_tool(name: str, arguments: list[str], *, connect: bool = True,
              check: bool = True) -> subprocess.CompletedProcess[str]:
    url = make_url(db.engine.url)
    environment = dict(os.environ)
    command = [_tool(name), *arguments]
    if connect:
        if url.password:
            environment["PGPASSWORD"] = str(url.password)
        plain = url.set(drivername="postgresql", password=None)
        command.insert(1, f"--dbname={plain.render_as_string(hide_password=False)}")
    result = subprocess.run(command, capture_output=True, text=True, env=environment,
                            timeout=3600, check=False)  # nosec B603
    if check and result.returncode != 0:
        raise BackupError(_("%(tool)s misslyckades: %(error)s", tool=name,
                            error=result.stderr.strip()[-2000:]))
    return result
