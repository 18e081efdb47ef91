"""Writing the audit trail: one call per event, made by the service that does the change.

`record(event, obj, **details)` adds an entry to the session; the caller's single commit makes
it durable together with the change, and a rollback leaves nothing. Before → after, the time
and the entry's place in the hash chain are filled in when the session flushes it (see
services/audit). Event codes are snake_case ("risk_updated") and each has a Swedish label in
services/audit/labels.py; a test checks that every code used has one.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import AuditEntry, OrgUnit, User
from .audit import changes
from .text import shorten

# Where an object's unit is found: the object itself, or the first of these it belongs to.
PARENT_ATTRIBUTES = (
    "plan", "process_area", "risk", "control", "sample", "result", "follow_up", "sam_round",
    "assignment", "user",
)


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
    """Add an audit entry to the session (the caller's commit makes it durable with the change).

    A new object is flushed first, so that the entry can name it by id.
    """
    if actor is None:
        actor = current_actor()
    if any(_pending(x) for x in (obj, actor)):
        db.session.flush()
    with db.session.no_autoflush:
        unit_id = unit_of(obj) if obj is not None else unit_of(actor)
    entry = AuditEntry(
        event=event,
        actor=actor,
        actor_id=actor.id if actor is not None else None,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        org_unit_id=unit_id,
        details={key: value for key, value in details.items() if value is not None},
        remote_addr=request.remote_addr if has_request_context() else None,
    )
    changes.remember_subject(entry, obj)
    db.session.add(entry)
    return entry


def record_refusal(event: str, **details: Any) -> None:
    """Record a refused request (403, CSRF) in a transaction of its own.

    Whatever the request had started is rolled back first; if the entry cannot be written the
    refusal is still shown, and the failure goes to the application log.
    """
    db.session.rollback()
    try:
        record(
            event,
            http_method=request.method,
            path=shorten(request.full_path.rstrip("?"), 300),
            endpoint=request.endpoint,
            **details,
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("could not record the refused request (%s)", event)


def unit_of(obj: Any, depth: int = 0) -> int | None:
    """The org unit an object belongs to, found through its parents; None if it has none."""
    if obj is None or depth > 6 or not isinstance(obj, db.Model):
        return None
    if isinstance(obj, OrgUnit):
        return obj.id
    unit = getattr(obj, "org_unit", None)
    if isinstance(unit, OrgUnit):
        return unit.id
    unit_id = getattr(obj, "org_unit_id", None)
    if isinstance(unit_id, int):
        return unit_id
    for name in PARENT_ATTRIBUTES:
        parent = getattr(obj, name, None)
        if isinstance(parent, db.Model):
            return unit_of(parent, depth + 1)
    return None


def _pending(obj: Any) -> bool:
    state = inspect(obj, raiseerr=False) if obj is not None else None
    return state is not None and state.pending
