"""A real PostgreSQL server for the test suite, from Debian's packages, never a mock.

As root, Debian's `pg_ctlcluster` starts the packaged cluster (it runs the server as the
postgres user; plain `pg_ctl` refuses root) and `su postgres -c psql` creates a role.
As another user, `initdb` + `pg_ctl` run a private server in a temporary directory.
`ISK_TEST_POSTGRES_URL` points the suite at a server of your own instead.
"""

from __future__ import annotations

import atexit
import glob
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time

import psycopg

ROLE = "isk_test"


class PostgresUnavailable(RuntimeError):
    pass


def _run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)


def _bin_dir() -> str:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise PostgresUnavailable("PostgreSQL is not installed (Debian package 'postgresql')")
    return candidates[-1]


def _wait_for(dsn: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(dsn, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _as_root() -> str:
    if not shutil.which("pg_ctlcluster"):
        raise PostgresUnavailable("pg_ctlcluster not found (Debian package 'postgresql-common')")
    listing = _run(["pg_lsclusters", "--no-header"]).stdout.split()
    if not listing:
        version = _bin_dir().split("/")[4]
        created = _run(["pg_createcluster", version, "main"])
        if created.returncode != 0:
            raise PostgresUnavailable("pg_createcluster failed: " + created.stderr)
        listing = _run(["pg_lsclusters", "--no-header"]).stdout.split()
    # Debian's own cluster "main", not one that another run (a load test) made for itself.
    rows = [line.split() for line in _run(["pg_lsclusters", "--no-header"]).stdout.splitlines()
            if line.strip()]
    main = [row for row in rows if row[1] == "main"]
    version, cluster, port = (main or rows)[0][:3]
    started = _run(["pg_ctlcluster", version, cluster, "start"])
    if started.returncode not in (0, 2):  # 2: already running
        raise PostgresUnavailable("pg_ctlcluster start failed: " + started.stderr)
    # A role of this test run's own, so that runs side by side never reset each other's password.
    role = f"{ROLE}_{os.getpid()}"
    password = secrets.token_hex(16)
    sql = (
        f"DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
        f"THEN CREATE ROLE {role} LOGIN CREATEDB; END IF; END$$;"
        f"ALTER ROLE {role} PASSWORD '{password}';"
    )
    deadline = time.monotonic() + 30
    while True:
        result = _run(["su", "postgres", "-c", f"psql -q -v ON_ERROR_STOP=1 -p {port}"], input=sql)
        if result.returncode == 0:
            break
        if time.monotonic() > deadline:
            raise PostgresUnavailable("could not create the test role: " + result.stderr)
        time.sleep(0.5)
    atexit.register(
        _run, ["su", "postgres", "-c", f"psql -q -p {port}"], input=f"DROP ROLE IF EXISTS {role};"
    )
    dsn = f"postgresql://{role}:{password}@127.0.0.1:{port}/postgres"
    _wait_for(dsn)
    return dsn


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _private_server() -> str:
    bin_dir = _bin_dir()
    data = tempfile.mkdtemp(prefix="isk-pg-")
    initdb = _run([f"{bin_dir}/initdb", "-D", data, "-U", ROLE, "--auth=trust", "-E", "UTF8"])
    if initdb.returncode != 0:
        raise PostgresUnavailable("initdb failed: " + initdb.stderr)
    port = _free_port()
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    started = _run(
        [f"{bin_dir}/pg_ctl", "-D", data, "-o", options, "-l", f"{data}/log", "-w", "start"]
    )
    if started.returncode != 0:
        raise PostgresUnavailable("pg_ctl start failed: " + started.stderr)
    atexit.register(lambda: _run([f"{bin_dir}/pg_ctl", "-D", data, "-m", "fast", "stop"]))
    atexit.register(shutil.rmtree, data, True)
    dsn = f"postgresql://{ROLE}@127.0.0.1:{port}/postgres"
    _wait_for(dsn)
    return dsn


def server_dsn() -> str:
    """A DSN to a maintenance database on a running server we may create databases on."""
    configured = os.environ.get("ISK_TEST_POSTGRES_URL")
    if configured:
        return configured
    return _as_root() if os.geteuid() == 0 else _private_server()


def create_database(server: str, name: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(name)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0")
    return _with_db(server, name)


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _with_db(dsn: str, name: str) -> str:
    head, _sep, tail = dsn.rpartition("/")
    query = ""
    if "?" in tail:
        query = "?" + tail.split("?", 1)[1]
    return f"{head}/{name}{query}"
