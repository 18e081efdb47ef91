"""One blueprint per area, and what their views share about requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request

F = TypeVar("F", bound=Callable[..., Any])
BODY_LIMIT_ATTRIBUTE = "isk_max_content_length"


def body_limit(max_bytes: int) -> Callable[[F], F]:
    """Let this route take a larger body than MAX_CONTENT_LENGTH (a population file).

    Applied by `apply_body_limit` before anything reads the form: the CSRF check reads it
    before the view runs, so a limit set inside the view would come too late.
    """

    def decorate(view: F) -> F:
        setattr(view, BODY_LIMIT_ATTRIBUTE, max_bytes)
        return view

    return decorate


def apply_body_limit() -> None:
    """before_request, ahead of the CSRF check: the matched route's own limit, if any."""
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, BODY_LIMIT_ATTRIBUTE, None)
    if limit is not None:
        request.max_content_length = limit
