"""Sending generated files (PDF, XLSX, CSV) to the browser."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response

from ..extensions import db
from ..services import audit_log


def download(content: bytes, mimetype: str, filename: str) -> Response:
    """An attachment with a correctly encoded file name, never cached.

    A type that names its charset is sent as it is (as `mimetype`, Werkzeug would add a
    second charset to a text type).
    """
    if "charset=" in mimetype:
        response = Response(content, content_type=mimetype)
    else:
        response = Response(content, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def recorded_download(content: bytes, mimetype: str, filename: str, event: str, obj: Any,
                      **details: Any) -> Response:
    """`download`, after recording in the granskningslogg who took what (the file's checksum).

    The entry is committed before the file goes out: an export that cannot be recorded is
    not sent.
    """
    audit_log.record(event, obj, file=filename, bytes=len(content),
                     sha256=hashlib.sha256(content).hexdigest(), **details)
    db.session.commit()
    return download(content, mimetype, filename)
