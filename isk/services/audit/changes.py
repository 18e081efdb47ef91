"""Before → after for every audit entry, taken from SQLAlchemy's attribute history.

Services record an entry naming the object they changed (`audit_log.record("risk_updated",
risk)`); nothing lists fields per service. At each flush (`absorb`, from `before_flush`) the
column changes of every changed object are collected per object, the first "before" and the
last "after" kept across the transaction's flushes. When an entry is flushed (`describe`):

- an object created in this transaction gets its values (`details["values"]`) in its first
  entry;
- an object changed gets the changes collected for it (`details["changes"]`: field →
  [before, after]), which are then claimed so a later entry does not repeat them;
- changes to other objects that no entry claimed (a stickprov's items when its results are
  recorded, a follow-up's answers) and deleted rows go with the last entry of the flush as
  `details["related"]`, at most RELATED_LIMIT of them.

Values are kept small but readable: texts shortened to TEXT_LIMIT characters, lists to
LIST_LIMIT items, enums as their stored value, times in UTC ISO 8601. Secrets and bookkeeping
(password hashes, version counters, the updated_at stamp) are never recorded. A change made
after an object's entry was flushed is claimed by the object's next entry, if any.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import MANYTOONE, Session

from ...extensions import db
from ...models import AuditChainHead, AuditEntry
from ..text import shorten

EXCLUDED_FIELDS = frozenset({
    "id", "version_id", "created_at", "updated_at", "password_hash", "session_version",
    "last_login_at", "lineage_key", "path", "snapshot", "token_hash",
})
TEXT_LIMIT = 300
LIST_LIMIT = 20
RELATED_LIMIT = 20
TRACKER_KEY = "isk_audit_changes"
SUBJECT_ATTRIBUTE = "_isk_audit_subject"

Key = tuple[str, tuple[Any, ...]]


@dataclass
class Tracker:
    """What this transaction changed, per object, not yet claimed by an entry."""

    changes: dict[Key, dict[str, list[Any]]] = field(default_factory=dict)
    created: set[Key] = field(default_factory=set)
    deleted: dict[Key, None] = field(default_factory=dict)


def tracker(session: Session) -> Tracker:
    return session.info.setdefault(TRACKER_KEY, Tracker())


def forget(session: Session, *_args: Any) -> None:
    """after_commit / after_rollback: the next transaction starts with nothing collected."""
    session.info.pop(TRACKER_KEY, None)


def audited(obj: object) -> bool:
    return isinstance(obj, db.Model) and not isinstance(obj, AuditEntry | AuditChainHead)


def key_of(obj: object) -> Key | None:
    """Class name and primary key; None before the object has been inserted."""
    state = inspect(obj, raiseerr=False)
    if state is None or not hasattr(state, "mapper"):
        return None
    identity = state.identity
    if identity is None:  # just inserted: after_flush runs before the identity is set
        identity = tuple(state.dict.get(state.mapper.get_property_by_column(column).key)
                         for column in state.mapper.primary_key)
    if any(part is None for part in identity):
        return None
    return (type(obj).__name__, tuple(identity))


def remember_subject(entry: AuditEntry, obj: object) -> None:
    """Note which object the entry is about, for `describe` at flush."""
    setattr(entry, SUBJECT_ATTRIBUTE, obj)


# --- the session events ---------------------------------------------------------------------


def absorb(session: Session) -> None:
    """before_flush: collect the pending changes of every changed or deleted object."""
    collected = tracker(session)
    for obj in session.dirty:
        key = key_of(obj) if audited(obj) else None
        if key is None:
            continue
        changed = pending_changes(obj)
        if changed:
            _merge(collected.changes.setdefault(key, {}), changed)
    for obj in session.deleted:
        key = key_of(obj) if audited(obj) else None
        if key is not None:
            collected.changes.pop(key, None)
            collected.deleted[key] = None


def note_created(session: Session) -> None:
    """after_flush: the objects just inserted are new in this transaction."""
    collected = tracker(session)
    for obj in session.new:
        key = key_of(obj) if audited(obj) else None
        if key is not None:
            collected.created.add(key)


def describe(session: Session, entries: list[AuditEntry]) -> None:
    """before_flush, for the entries about to be written: their object's values or changes."""
    collected = tracker(session)
    for entry in entries:
        subject = getattr(entry, SUBJECT_ATTRIBUTE, None)
        key = key_of(subject) if subject is not None and audited(subject) else None
        if key is None:
            continue
        changed = collected.changes.pop(key, None)
        if key in collected.created:
            # Its first entry shows what it was created with; later ones what changed since.
            collected.created.discard(key)
            entry.details = {**(entry.details or {}), "values": values_of(subject)}
        elif changed:
            entry.details = {**(entry.details or {}), "changes": changed}
    if entries:
        _attach_unclaimed(collected, entries[-1])


def _attach_unclaimed(collected: Tracker, entry: AuditEntry) -> None:
    related: list[dict[str, Any]] = []
    for key, changed in collected.changes.items():
        if key not in collected.created and changed:
            related.append({"type": key[0], "id": _identity(key), "changes": changed})
    related += [{"type": key[0], "id": _identity(key), "deleted": True}
                for key in collected.deleted]
    collected.changes.clear()
    collected.deleted.clear()
    if not related:
        return
    details = {**(entry.details or {}), "related": related[:RELATED_LIMIT]}
    if len(related) > RELATED_LIMIT:
        details["related_omitted"] = len(related) - RELATED_LIMIT
    entry.details = details


def _identity(key: Key) -> Any:
    identity = key[1]
    return identity[0] if len(identity) == 1 else list(identity)


def _merge(into: dict[str, list[Any]], changed: dict[str, list[Any]]) -> None:
    for name, (before, after) in changed.items():
        if name in into:
            into[name][1] = after
            if into[name][0] == after:
                del into[name]
        else:
            into[name] = [before, after]


# --- reading an object ----------------------------------------------------------------------


def pending_changes(obj: object) -> dict[str, list[Any]]:
    """Column changes not yet flushed: field → [before, after]; a new reference by its id."""
    state = inspect(obj)
    mapper = state.mapper
    changed: dict[str, list[Any]] = {}
    for attribute in mapper.column_attrs:
        if attribute.key in EXCLUDED_FIELDS:
            continue
        history = state.attrs[attribute.key].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before != after:
            changed[attribute.key] = [jsonable(before), jsonable(after)]
    for relation in mapper.relationships:
        if relation.direction is not MANYTOONE or len(relation.local_columns) != 1:
            continue
        history = state.attrs[relation.key].history
        if not history.has_changes():
            continue
        column_key = mapper.get_property_by_column(next(iter(relation.local_columns))).key
        if column_key in changed or column_key in EXCLUDED_FIELDS:
            continue
        # The foreign key is set from the relationship only during the flush: still the old id.
        before = state.dict.get(column_key)
        target = history.added[0] if history.added else None
        target_state = inspect(target) if target is not None else None
        after = target_state.identity[0] if target_state and target_state.identity else None
        if before != after:
            changed[column_key] = [before, after]
    return changed


def values_of(obj: object) -> dict[str, Any]:
    """An object's stored values, without empty ones, for an entry about its creation."""
    state = inspect(obj)
    values = {}
    for attribute in state.mapper.column_attrs:
        value = state.dict.get(attribute.key)
        if attribute.key in EXCLUDED_FIELDS or value is None or value == "":
            continue
        values[attribute.key] = jsonable(value)
    return values


def jsonable(value: Any) -> Any:
    """A small JSON value that reads back as written."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str):
        return shorten(value, TEXT_LIMIT)
    if isinstance(value, set | frozenset):
        value = sorted(value, key=str)
    if isinstance(value, list | tuple):
        items = [jsonable(item) for item in value[:LIST_LIMIT]]
        if len(value) > LIST_LIMIT:
            items.append(f"… (+{len(value) - LIST_LIMIT})")
        return items
    if isinstance(value, dict):
        pairs = list(value.items())
        return {str(k): jsonable(v) for k, v in pairs[:LIST_LIMIT]}
    key = key_of(value)
    if key is not None:
        return f"{key[0]} {_identity(key)}"
    return shorten(str(value), TEXT_LIMIT)
