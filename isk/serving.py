"""Serving in production: compressed answers, cache-busted static files, and `/healthz`.

- Compression (Flask-Compress): zstd, br or gzip, by what the browser accepts, for HTML, CSS,
  JavaScript, JSON, CSV and SVG. `ISK_COMPRESS=0` leaves it to the reverse proxy.
- Static files: `url_for('static', ...)` adds `?v=<content hash>`; a request for the current
  version is cached for a year (`immutable`), since a changed file gets a new URL.
- `/healthz`: `{"status": "ok", "database": "ok"}` after a `SELECT 1`, 503 when the database
  does not answer. Public, never throttled, and it neither reads nor sets a session.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from .extensions import db, limiter
from .permissions import PUBLIC, access

# What is worth compressing: text. Images, PDF, XLSX (a zip) are compressed already.
COMPRESS_MIMETYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/csv",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
]
IMMUTABLE = "public, max-age=31536000, immutable"
VERSION_ARGUMENT = "v"

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@access(PUBLIC)
@limiter.exempt
def healthz() -> tuple[Response, int]:
    """For the load balancer and monitoring: is ISK up, and does its database answer?"""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except SQLAlchemyError:
        current_app.logger.exception("healthz: the database does not answer")
        try:
            db.session.rollback()
        except SQLAlchemyError:
            db.session().invalidate()
        answer, status = jsonify(status="error", database="unreachable"), 503
    else:
        answer, status = jsonify(status="ok", database="ok"), 200
    answer.headers["Cache-Control"] = "no-store"
    return answer, status


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    if app.config["COMPRESS_RESPONSES"]:
        from flask_compress import Compress

        app.config.setdefault("COMPRESS_MIMETYPES", COMPRESS_MIMETYPES)
        app.config.setdefault("COMPRESS_ALGORITHM", ["zstd", "br", "gzip"])
        Compress(app)
    compress = app.config["COMPRESS_RESPONSES"]
    versions: dict[str, tuple[float, str | None]] = {}

    def static_version(filename: str) -> str | None:
        """A short hash of the file's content; re-read only when the file changes."""
        path = safe_join(app.static_folder or "", filename)
        if path is None:
            return None
        try:
            mtime = Path(path).stat().st_mtime
        except OSError:
            return None
        known = versions.get(filename)
        if known is None or known[0] != mtime:
            digest = hashlib.blake2b(Path(path).read_bytes(), digest_size=6).hexdigest()
            known = versions[filename] = (mtime, digest)
        return known[1]

    @app.url_defaults
    def version_static_urls(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and VERSION_ARGUMENT not in values and "filename" in values:
            version = static_version(values["filename"])
            if version is not None:
                values[VERSION_ARGUMENT] = version

    @app.after_request
    def cache_versioned_static(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code not in (200, 206, 304):
            return response
        asked = request.args.get(VERSION_ARGUMENT)
        filename = (request.view_args or {}).get("filename", "")
        if asked is not None and asked == static_version(filename):
            response.headers["Cache-Control"] = IMMUTABLE
        if compress and response.status_code == 200:
            # Read the (small) file now and close it, so that it is compressed in one piece
            # with a Content-Length, rather than as a stream that leaves the file to the GC.
            opened = getattr(response.response, "close", None)
            response.direct_passthrough = False
            response.make_sequence()
            if opened is not None:
                opened()
        return response
