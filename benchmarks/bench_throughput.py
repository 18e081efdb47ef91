"""Benchmark: requests per second through gunicorn with 2 workers, ISK's plan page against a
hello-world Flask app on the same server and configuration.

Run: .venv/bin/python benchmarks/bench_throughput.py [--seconds S] [--clients N]
(or through `make bench`, which calls `run`).

Both apps are served by gunicorn with ISK's gunicorn.conf.py (GUNICORN_WORKERS=2, gthread) on
127.0.0.1; a threaded client (http.client, keep-alive, one connection per thread) asks for
the page for a fixed time. ISK serves a plan of 50 risks (3 åtgärder each) from SQLite to a
logged-in controller. Nothing leaves the machine. The client shares the 2 CPUs with the
server, for both apps alike.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from region_data import ROOT, database, filled

SECONDS = 8.0
CLIENTS = 8
HELLO = '''from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
'''


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(app: str, env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--config",
         str(ROOT / "gunicorn.conf.py"), "--chdir", str(cwd), app],
        env={**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2",
             "GUNICORN_ACCESS_LOG": ""},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, port
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError(f"gunicorn did not start for {app}") from None
            time.sleep(0.2)


def _login(port: int, email: str, password: str) -> str:
    """Log in through the form; the session cookie."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/logga-in")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    body = urlencode({"email": email, "password": password,
                      "csrf_token": token.group(1) if token else ""})
    connection.request("POST", "/logga-in", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = connection.getresponse()
    response.read()
    assert response.status == 302, f"login failed: {response.status}"
    connection.close()
    return response.getheader("Set-Cookie", "").split(";")[0]


def _load(port: int, path: str, cookie: str | None, seconds: float, clients: int
          ) -> dict[str, Any]:
    """Requests per second and latencies of `clients` threads asking for `path`."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    headers = {"Cookie": cookie} if cookie else {}

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    mine.append(time.perf_counter() - started)
                else:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies) or [float("nan")]
    return {
        "requests_per_s": len(latencies) / elapsed,
        "median_s": statistics.median(ordered),
        "p95_s": ordered[int(0.95 * (len(ordered) - 1))],
        "errors": errors[0],
    }


def run(sizes: Any = (50,), seconds: float = SECONDS, clients: int = CLIENTS
        ) -> list[dict[str, Any]]:
    from dataclasses import replace

    from isk.services.demo import generate

    preset = replace(generate.PRESETS["small"], name="throughput", namnder=1, years=1, risks=50,
                     areas=5, chefs=2)
    with database("sqlite") as url, tempfile.TemporaryDirectory(prefix="isk-hello-") as hello:
        assert url is not None
        app, _seconds = filled(url, preset)
        with app.app_context():
            from sqlalchemy import select

            from isk.extensions import db
            from isk.models import Plan

            # The nämnd's plan (the region's own plan of the year comes first).
            plan_id = db.session.scalar(select(Plan.id).order_by(Plan.id.desc()))
            db.engine.dispose()
        Path(hello, "hello.py").write_text(HELLO)
        env = {"ISK_DATABASE_URL": url, "ISK_SECRET_KEY": "bench-secret"}

        server, port = _serve("isk:create_app()", env, ROOT)
        try:
            cookie = _login(port, f"kontrollant.n01@{generate.EMAIL_DOMAIN}",
                            generate.GENERATED_PASSWORD)
            _load(port, f"/planer/{plan_id}", cookie, 1.0, clients)  # warm both workers
            isk = _load(port, f"/planer/{plan_id}", cookie, seconds, clients)
        finally:
            server.terminate()
            server.wait(timeout=30)
        server, port = _serve("hello:app", {}, Path(hello))
        try:
            _load(port, "/", None, 1.0, clients)
            baseline = _load(port, "/", None, seconds, clients)
        finally:
            server.terminate()
            server.wait(timeout=30)
    ratio = baseline["requests_per_s"] / isk["requests_per_s"] if isk["requests_per_s"] else None
    note = (f"ISK {isk['requests_per_s']:.0f} req/s (p95 {isk['p95_s'] * 1000:.0f} ms, "
            f"{isk['errors']} errors) vs hello world {baseline['requests_per_s']:.0f} req/s; "
            f"{clients} client threads, {seconds:.0f} s each, client on the same 2 CPUs")
    return [{
        "name": "throughput: plan page, gunicorn 2 workers", "size": 50,
        "median_s": isk["median_s"], "spread_s": isk["p95_s"] - isk["median_s"],
        "peak_mb": None, "statements": None, "baseline_s": baseline["median_s"],
        "ratio": ratio, "target": "report req/s against hello world", "met": None,
        "note": note, "requests_per_s": isk["requests_per_s"],
        "baseline_requests_per_s": baseline["requests_per_s"],
    }]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    args = parser.parse_args()
    [row] = run(seconds=args.seconds, clients=args.clients)
    print(row["note"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
