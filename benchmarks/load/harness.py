"""What the load and fault runs share: a database of their own, ISK under gunicorn, a client.

Every server listens on 127.0.0.1 only. PostgreSQL runs as a cluster of the run's own (as
root: Debian's `pg_createcluster` on a free port; otherwise `initdb`/`pg_ctl` in a temporary
directory), so restarting it never touches the cluster other test runs use.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO_EMAIL = "kontrollant@example.org"
DEMO_PASSWORD = "isk-demo-2026"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)


# --- PostgreSQL -------------------------------------------------------------------------------


@dataclass
class Cluster:
    """A PostgreSQL server of this run's own, that may be stopped and started at will."""

    dsn: str  # the database ISK uses
    stop_command: list[str]
    start_command: list[str]
    as_postgres: bool

    def _do(self, command: list[str]) -> None:
        result = _run(command)
        if result.returncode != 0:
            raise RuntimeError(f"{command}: {result.stderr}")

    def stop(self) -> None:
        self._do(self.stop_command)

    def start(self) -> None:
        self._do(self.start_command)
        wait_for_postgres(self.dsn)


def wait_for_postgres(dsn: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(dsn, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _pg_bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (Debian package 'postgresql')")
    return found[-1]


@contextlib.contextmanager
def postgres_cluster() -> Iterator[Cluster]:
    bin_dir = _pg_bin()
    version = bin_dir.split("/")[4]
    port = free_port()
    password = secrets.token_hex(12)
    if os.geteuid() == 0:
        name = f"iskload{os.getpid()}"
        created = _run(["pg_createcluster", version, name, "-p", str(port), "--start",
                        "--", "--auth-local=peer", "--auth-host=scram-sha-256"])
        if created.returncode != 0:
            raise RuntimeError("pg_createcluster failed: " + created.stderr)
        try:
            sql = (f"CREATE ROLE isk_load LOGIN PASSWORD '{password}';"
                   "CREATE DATABASE isk_load OWNER isk_load;")
            for statement in sql.split(";")[:-1]:
                result = _run(["su", "postgres", "-c", f"psql -q -p {port} -c \"{statement}\""])
                if result.returncode != 0:
                    raise RuntimeError(result.stderr)
            dsn = f"postgresql://isk_load:{password}@127.0.0.1:{port}/isk_load"
            wait_for_postgres(dsn)
            yield Cluster(dsn, ["pg_ctlcluster", version, name, "stop", "-m", "fast"],
                          ["pg_ctlcluster", version, name, "start"], True)
        finally:
            _run(["pg_dropcluster", "--stop", version, name])
        return
    data = tempfile.mkdtemp(prefix="isk-load-pg-")
    try:
        initdb = _run([f"{bin_dir}/initdb", "-D", data, "-U", "isk_load", "--auth=trust",
                       "-E", "UTF8"])
        if initdb.returncode != 0:
            raise RuntimeError("initdb failed: " + initdb.stderr)
        options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1"
        start = [f"{bin_dir}/pg_ctl", "-D", data, "-o", options, "-l", f"{data}/log", "-w",
                 "start"]
        stop = [f"{bin_dir}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"]
        if _run(start).returncode != 0:
            raise RuntimeError("pg_ctl start failed")
        admin = f"postgresql://isk_load@127.0.0.1:{port}/postgres"
        wait_for_postgres(admin)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE isk_load")
        yield Cluster(f"postgresql://isk_load@127.0.0.1:{port}/isk_load", stop, start, False)
    finally:
        if os.geteuid() != 0:
            _run([f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "stop"])
            shutil.rmtree(data, ignore_errors=True)


@contextlib.contextmanager
def database(kind: str) -> Iterator[tuple[str, Cluster | None]]:
    """A new, empty database: ("sqlite:///...", None) or (postgresql URL, its cluster)."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="isk-load-sqlite-")
        try:
            yield f"sqlite:///{folder}/isk.sqlite3", None
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    with postgres_cluster() as cluster:
        yield cluster.dsn, cluster


# --- ISK --------------------------------------------------------------------------------------


def environment(database_url: str, files_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "ISK_DATABASE_URL": database_url,
        "ISK_SECRET_KEY": "load-test-secret-" + "x" * 32,
        "ISK_FILES_DIR": files_dir,
        # One client address and one account for every simulated user: throttling would
        # measure itself, not the app.
        "ISK_LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
        "ISK_LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
        "PYTHONPATH": str(ROOT),
        "FLASK_APP": "isk",
    })
    return env


def prepare(database_url: str, files_dir: str) -> None:
    """Migrate and load the demo data, as `make run` does."""
    env = environment(database_url, files_dir)
    for command in (["db", "upgrade"], ["isk", "demo"]):
        result = _run([str(BIN / "flask"), *command], env=env, cwd=ROOT)
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(command)}: {result.stderr[-2000:]}")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def workers(self) -> list[int]:
        listed = _run(["pgrep", "-P", str(self.process.pid)]).stdout.split()
        return [int(pid) for pid in listed]

    def kill_workers(self) -> list[int]:
        """SIGKILL every worker (the master starts new ones), as a crash or the OOM killer."""
        killed = self.workers()
        for pid in killed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return killed


@contextlib.contextmanager
def gunicorn(database_url: str, files_dir: str, workers: int = 2) -> Iterator[Server]:
    port = free_port()
    log = Path(files_dir) / f"gunicorn-{port}.log"
    Path(files_dir).mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--timeout", "120", "--graceful-timeout", "5", "isk:create_app()"],
            env=environment(database_url, files_dir), cwd=ROOT, stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(url + "/logga-in", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start:\n" + log.read_text()[-3000:])
            time.sleep(0.2)
        yield Server(process, url, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def logged_in(url: str, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD
              ) -> tuple[requests.Session, str]:
    """A browser-like session logged in through the form, and its CSRF token."""
    session = requests.Session()
    token = TOKEN.search(session.get(url + "/logga-in", timeout=30).text).group(1)
    response = session.post(url + "/logga-in", data={
        "email": email, "password": password, "csrf_token": token}, allow_redirects=False,
        timeout=30)
    if response.status_code != 302:
        raise RuntimeError(f"login failed: {response.status_code}")
    token = TOKEN.search(session.get(url + "/", timeout=30).text).group(1)
    return session, token


def app_for(database_url: str, files_dir: str):  # type: ignore[no-untyped-def]
    """The app in this process, to seed and to check what the server wrote."""
    from isk import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "FILES_DIR": files_dir,
                       "SECRET_KEY": "load-check", "SQLALCHEMY_ENGINE_OPTIONS": {
                           "pool_pre_ping": True}})
