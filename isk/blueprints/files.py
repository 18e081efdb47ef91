"""Sending generated files (PDF, XLSX, CSV) to the browser."""

from __future__ import annotations

from flask import Response


def download(content: bytes, mimetype: str, filename: str) -> Response:
    """An attachment with a correctly encoded file name, never cached."""
    response = Response(content, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
