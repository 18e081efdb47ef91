"""Small rules for user text that several services apply alike."""

from __future__ import annotations

from flask_babel import gettext as _

from .errors import DomainError


def shorten(text: str, length: int = 80) -> str:
    """The text on one line, cut with an ellipsis so that it fits in a message or a list."""
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def clean(value: str | None) -> str | None:
    """Stripped text, or None when nothing is left."""
    value = (value or "").strip()
    return value or None


def check_length(value: str | None, limit: int, label: str, field: str) -> None:
    if value and len(value) > limit:
        raise DomainError(_("%(label)s får vara högst %(n)d tecken.", label=label, n=limit), field)
