"""Sending generated files (PDF, XLSX, CSV) to the browser."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from flask import Response

from ..extensions import db
from ..services import audit_log


def download(content: bytes | Iterable[bytes], mimetype: str, filename: str) -> Response:
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


def recorded_download(content: bytes | Iterable[bytes], mimetype: str, filename: str,
                      event: str, obj: Any, **details: Any) -> Response:
    """`download`, after recording in the granskningslogg who took what (the file's checksum).

    The entry is committed before the file goes out: an export that cannot be recorded is
    not sent. Content given in pieces is hashed piece by piece and sent as those pieces (a
    streamed response, never joined into one string); the checksum needs them all first.
    """
    if isinstance(content, bytes):
        size, digest = len(content), hashlib.sha256(content)
        body: bytes | list[bytes] = content
    else:
        body, size, digest = [], 0, hashlib.sha256()
        for piece in content:
            body.append(piece)
            digest.update(piece)
            size += len(piece)
    audit_log.record(event, obj, file=filename, bytes=size, sha256=digest.hexdigest(),
                     **details)
    db.session.commit()
    response = download(body, mimetype, filename)
    if not isinstance(body, bytes):
        response.headers["Content-Length"] = str(size)
    return response
