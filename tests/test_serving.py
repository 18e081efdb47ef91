"""Production serving: /healthz, compression, cache-busted static files, gunicorn's settings."""

from __future__ import annotations

import gzip
import http.client
import multiprocessing
import os
import re
import runpy
import socket
import subprocess
import sys
import time
from pathlib import Path

import brotli
import pytest

from isk import create_app
from isk.config import from_environment
from isk.extensions import db, limiter
from isk.models import Role

from .conftest import base_config

ROOT = Path(__file__).resolve().parents[1]
UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-isk-dir/isk.sqlite3",
    "postgresql": "postgresql+psycopg://isk:isk@127.0.0.1:9/isk?connect_timeout=2",
}


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_healthz_sets_no_cookie_for_a_logged_in_caller(client, auth, make_user):
    make_user("admin@example.org", Role.ADMIN)
    auth.login("admin@example.org")

    response = client.get("/healthz")

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_healthz_is_not_throttled(backend, database_urls, tmp_path):
    config = base_config(database_urls[backend](), tmp_path)
    app = create_app({**config, "RATELIMIT_DEFAULT": "2 per minute"})
    client = app.test_client()
    try:
        assert [client.get("/healthz").status_code for _ in range(5)] == [200] * 5
        # The default limit does apply elsewhere: the exemption is what lets /healthz through.
        assert [client.get("/logga-in").status_code for _ in range(3)][-1] == 429
    finally:
        # The limiter is one object for the process: later apps must not inherit the limit.
        limiter.limit_manager.set_default_limits([])
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("kind", sorted(UNREACHABLE))
def test_healthz_is_503_when_the_database_does_not_answer(kind, tmp_path):
    app = create_app(base_config(UNREACHABLE[kind], tmp_path))

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "unreachable"}
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        db.engine.dispose()


def test_pages_are_compressed_for_browsers_that_accept_it(client):
    plain = client.get("/logga-in", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers

    brotli_page = client.get("/logga-in", headers={"Accept-Encoding": "br"})
    gzip_page = client.get("/logga-in", headers={"Accept-Encoding": "gzip"})

    assert brotli_page.headers["Content-Encoding"] == "br"
    assert gzip_page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in brotli_page.headers["Vary"]
    for page, decode in ((brotli_page, brotli.decompress), (gzip_page, gzip.decompress)):
        html = decode(page.data).decode()
        assert "<form" in html
        assert len(page.data) < len(html.encode())
    css = client.get("/static/isk.css", headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip"
    assert b"{" in gzip.decompress(css.get_data())


def test_compression_can_be_left_to_the_proxy(backend, database_urls, tmp_path, monkeypatch):
    monkeypatch.setenv("ISK_COMPRESS", "0")
    assert from_environment(str(tmp_path), {})["COMPRESS_RESPONSES"] is False
    config = base_config(database_urls[backend](), tmp_path)
    app = create_app({**config, **from_environment(str(tmp_path), config)})

    response = app.test_client().get("/logga-in", headers={"Accept-Encoding": "br, gzip"})

    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    with app.app_context():
        db.engine.dispose()


def test_static_urls_carry_the_content_hash_and_are_cached_for_a_year(client):
    page = client.get("/logga-in").get_data(as_text=True)
    match = re.search(r'href="(/static/isk\.css\?v=([0-9a-f]+))"', page)
    assert match, "the stylesheet's URL has no version"

    versioned = client.get(match.group(1))
    assert versioned.status_code == 200
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert versioned.headers["X-Frame-Options"] == "DENY"  # the security headers still apply
    assert "Content-Security-Policy" in versioned.headers
    versioned.close()
    for path in ("/static/isk.css", "/static/isk.css?v=0000000000"):
        response = client.get(path)
        assert "immutable" not in response.headers.get("Cache-Control", ""), path
        response.close()


def _gunicorn_settings(monkeypatch, **env: str) -> dict:
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_settings_and_their_environment_overrides(monkeypatch):
    default = _gunicorn_settings(monkeypatch)
    assert default["workers"] == 2 * multiprocessing.cpu_count() + 1
    assert default["worker_class"] == "gthread"
    assert default["threads"] >= 2
    assert default["preload_app"] is False
    assert default["graceful_timeout"] < default["timeout"]
    assert "%(M)s" in default["access_log_format"]

    chosen = _gunicorn_settings(monkeypatch, GUNICORN_WORKERS="3", GUNICORN_THREADS="8",
                                GUNICORN_TIMEOUT="30")
    assert (chosen["workers"], chosen["threads"], chosen["timeout"]) == (3, 8, 30)


def test_a_worker_keeps_what_it_built_at_start_out_of_the_garbage_collectors_walks():
    script = ("import gc, runpy; import isk; isk.create_app(); "
              "before = gc.get_freeze_count(); "
              "runpy.run_path('gunicorn.conf.py')['post_worker_init'](None); "
              "print(before, gc.get_freeze_count())")
    env = {**os.environ, "ISK_SECRET_KEY": "x", "ISK_DATABASE_URL": "sqlite://"}
    output = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True).stdout
    before, after = map(int, output.split())
    assert before == 0 and after > 10_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_serves_isk_with_its_configuration(database_urls, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "ISK_DATABASE_URL": database_urls["sqlite"](),
        "ISK_SECRET_KEY": "test-secret-key-not-for-production",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--config", "gunicorn.conf.py"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz", headers={"Accept-Encoding": "gzip"})
                response = connection.getresponse()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert response.status == 200
        assert response.read() == b'{"database":"ok","status":"ok"}\n'
        connection.close()
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert "GET /healthz" in output  # the access log
