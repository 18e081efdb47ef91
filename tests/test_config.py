"""Configuration from the environment and the instance folder."""

from __future__ import annotations

import stat

from isk import create_app
from isk.config import from_environment, load_or_create_secret_key, normalise_database_url


def test_the_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = load_or_create_secret_key(tmp_path)
    second = load_or_create_secret_key(tmp_path)

    assert first == second
    assert len(first) >= 64
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_environment_variables_configure_database_and_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("ISK_DATABASE_URL", "postgresql://isk@db.internal/isk")
    monkeypatch.setenv("ISK_SECRET_KEY", "from-the-environment")

    settings = from_environment(str(tmp_path), given={})

    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://isk@db.internal/isk"
    assert settings["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_without_environment_the_database_is_a_sqlite_file_in_the_instance_folder(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("ISK_DATABASE_URL", raising=False)
    monkeypatch.delenv("ISK_SECRET_KEY", raising=False)

    settings = from_environment(str(tmp_path), given={})

    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/isk.sqlite3"
    assert settings["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()


def test_postgres_urls_use_psycopg_3():
    assert normalise_database_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_database_url("postgresql+psycopg://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_explicit_config_wins(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
            "SECRET_KEY": "explicit",
            "TESTING": True,
        }
    )

    assert app.config["SECRET_KEY"] == "explicit"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/x.db")


def test_login_limits_and_proxies_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ISK_SECRET_KEY", "x")
    monkeypatch.setenv("ISK_LOGIN_MAX_FAILURES", "5")
    monkeypatch.setenv("ISK_LOGIN_LOCK_MINUTES", "30")
    monkeypatch.setenv("ISK_LOGIN_LIMIT_PER_ADDRESS", "10 per minute")
    monkeypatch.setenv("ISK_LOGIN_LIMIT_PER_ACCOUNT", "5 per minute")
    monkeypatch.setenv("ISK_RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setenv("ISK_PROXY_COUNT", "1")

    settings = from_environment(str(tmp_path), given={})

    assert settings["LOGIN_MAX_FAILURES"] == 5 and settings["LOGIN_LOCK_MINUTES"] == 30
    assert settings["LOGIN_LIMIT_PER_ADDRESS"] == "10 per minute"
    assert settings["LOGIN_LIMIT_PER_ACCOUNT"] == "5 per minute"
    assert settings["PROXY_COUNT"] == 1


def test_behind_a_proxy_the_client_address_is_the_forwarded_one(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "SECRET_KEY": "x", "PROXY_COUNT": 1})
    seen = {}

    @app.get("/vem")
    def who():  # a route of the test's own
        from flask import request

        seen["address"] = request.remote_addr
        return ""

    from isk.permissions import PUBLIC, access

    access(PUBLIC)(who)
    app.test_client().get("/vem", headers={"X-Forwarded-For": "10.1.2.3"},
                          environ_base={"REMOTE_ADDR": "127.0.0.1"})

    assert seen["address"] == "10.1.2.3"
