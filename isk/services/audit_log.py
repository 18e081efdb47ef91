"""Writing the audit trail."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from ..extensions import db
from ..models import AuditEntry, User


def current_actor() -> User | None:
    if has_request_context() and current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def record(
    event: str,
    obj: Any = None,
    *,
    actor: User | None = None,
    **details: Any,
) -> AuditEntry:
    """Add an audit entry to the session (the caller's commit makes it durable with the change)."""
    if actor is None:
        actor = current_actor()
    entry = AuditEntry(
        event=event,
        actor=actor,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        details={key: value for key, value in details.items() if value is not None},
        remote_addr=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry
