"""An uploaded file kept between an import's preview and the user's confirmation.

Each upload is kept under a random token with what it is for (`kind`: "plan", "followup"),
the plan and the user; only that user, importing that kind into that plan, gets it back.
Uploads older than a day are removed when the next one is kept.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

from flask_babel import gettext as _

from ..models import Plan
from .errors import ProblemsError

STASH_MAX_AGE_SECONDS = 24 * 3600


def _stash_dir(instance_path: str) -> Path:
    path = Path(instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def stash_upload(instance_path: str, plan: Plan, user_id: int, filename: str,
                 data: bytes, kind: str = "plan") -> str:
    """Keep an upload until the user confirms the preview; returns the token that names it."""
    directory = _stash_dir(instance_path)
    now = time.time()
    for old in directory.glob("*.json"):
        if now - old.stat().st_mtime > STASH_MAX_AGE_SECONDS:
            old.unlink(missing_ok=True)
            old.with_suffix(".bin").unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (directory / f"{token}.bin").write_bytes(data)
    (directory / f"{token}.json").write_text(json.dumps(
        {"plan_id": plan.id, "user_id": user_id, "filename": filename, "kind": kind}),
        encoding="utf-8")
    return token


def load_stash(instance_path: str, token: str, plan: Plan, user_id: int, kind: str = "plan",
               error: type[ProblemsError] = ProblemsError) -> tuple[str, bytes]:
    """The stashed upload for this plan, user and kind, or `error` if it is gone."""
    gone = error([_("Förhandsgranskningen har gått ut. Ladda upp filen igen.")])
    if not token or not all(c.isalnum() or c in "-_" for c in token):
        raise gone
    directory = _stash_dir(instance_path)
    meta_path = directory / f"{token}.json"
    if not meta_path.exists():
        raise gone
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if (meta["plan_id"], meta["user_id"], meta.get("kind", "plan")) != (plan.id, user_id, kind):
        raise gone
    return meta["filename"], (directory / f"{token}.bin").read_bytes()


def drop_stash(instance_path: str, token: str) -> None:
    directory = _stash_dir(instance_path)
    (directory / f"{token}.json").unlink(missing_ok=True)
    (directory / f"{token}.bin").unlink(missing_ok=True)
