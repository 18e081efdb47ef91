"""Start-up: heavy libraries are imported where they are used, not when ISK starts.

Structural checks in fresh processes (no timing here: benchmarks time things): what creating
the app imports, and what `flask isk --help` imports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from isk.cli import ROLE_CHOICES, UNIT_KIND_CHOICES
from isk.models import OrgUnitKind, Role

ROOT = Path(__file__).resolve().parents[1]
FLASK = str(Path(sys.executable).with_name("flask"))


def modules_after_create_app(tmp_path: Path) -> set[str]:
    script = (
        "import json, sys\n"
        "from isk import create_app\n"
        f"create_app({{'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/s.sqlite3',"
        " 'SECRET_KEY': 'x'})\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    output = subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    return set(json.loads(output))


def test_creating_the_app_does_not_import_alembic(tmp_path):
    loaded = modules_after_create_app(tmp_path)

    assert "flask" in loaded and "sqlalchemy" in loaded
    # Flask-Migrate (and with it Alembic and Mako) only when a migration runs.
    assert not {"alembic", "mako", "flask_migrate"} & loaded


def test_creating_the_app_does_not_import_reportlab_or_openpyxl(tmp_path):
    loaded = modules_after_create_app(tmp_path)

    assert "reportlab" not in loaded
    assert "openpyxl" not in loaded


def test_flask_isk_help_needs_neither_the_app_nor_sqlalchemy(tmp_path):
    env = {**os.environ, "ISK_DATABASE_URL": f"sqlite:///{tmp_path}/none.sqlite3",
           "ISK_SECRET_KEY": "x"}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", FLASK, "--app", "isk", "isk", "--help"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )

    assert "create-user" in result.stdout and "generate" in result.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:")}
    for heavy in ("sqlalchemy", "isk.models", "reportlab", "openpyxl", "alembic"):
        assert heavy not in imported, heavy
    assert not Path(tmp_path, "none.sqlite3").exists()  # no app, no database


def test_flask_db_still_lists_and_runs_migrations(tmp_path):
    env = {**os.environ, "ISK_DATABASE_URL": f"sqlite:///{tmp_path}/m.sqlite3",
           "ISK_SECRET_KEY": "x"}

    listing = subprocess.run([FLASK, "--app", "isk", "db", "--help"], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True).stdout
    upgraded = subprocess.run([FLASK, "--app", "isk", "db", "upgrade"], cwd=ROOT, env=env,
                              capture_output=True, text=True)
    current = subprocess.run([FLASK, "--app", "isk", "db", "current"], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True).stdout

    assert "upgrade" in listing and "--directory" in listing
    assert upgraded.returncode == 0, upgraded.stderr
    assert "(head)" in current


def test_the_cli_choices_are_the_enums():
    assert set(ROLE_CHOICES) == {role.value for role in Role}
    assert set(UNIT_KIND_CHOICES) == {kind.value for kind in OrgUnitKind}
