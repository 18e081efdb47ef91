"""Security headers, set in one place for every response.

The pages use no inline script or style at all, so the Content-Security-Policy allows only
ISK's own files; no page may be framed (clickjacking a form such as adopting a plan); the
address of a page is not sent to other sites. HSTS is sent once cookies are marked secure,
that is, when ISK is served over HTTPS only.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    strict_transport = app.config["SESSION_COOKIE_SECURE"]

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            # A view may set a stricter policy of its own (evidence files: a sandbox).
            response.headers.setdefault(name, value)
        if strict_transport:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
