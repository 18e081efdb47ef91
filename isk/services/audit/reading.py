"""Reading the granskningslogg: filters, pages, and entries put in words (before → after).

The page, its export and a record's own history all go through `AuditFilter`: by user, unit
(and the units below it), object type and id, event, and date (calendar days in Sweden). A
filter comes from the query string and goes back into links, so a filtered view can be
bookmarked, paged and exported as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import AuditEntry, OrgUnit, User
from ..clock import LOCAL_TIME
from .labels import event_label, field_label, mapper_for, object_label, show_value

OBJECT_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,59}")
EVENT_CODE = re.compile(r"[a-z][a-z0-9_]{0,59}")
DIGITS = re.compile(r"[0-9]{1,12}")
# Query-string names, in Swedish like the rest of the URLs.
ARGS = {
    "actor_id": "anvandare", "unit_id": "enhet", "object_type": "objekttyp",
    "object_id": "objekt", "event": "handelse", "date_from": "fran", "date_to": "till",
}
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    unit_id: int | None = None
    object_type: str | None = None
    object_id: int | None = None
    event: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AuditFilter:
        """What the query string asks for; a value that makes no sense is left out."""

        def number(name: str) -> int | None:
            value = (args.get(ARGS[name]) or "").strip()
            return int(value) if DIGITS.fullmatch(value) and 0 < int(value) <= MAX_ID else None

        def day(name: str) -> date | None:
            try:
                value = date.fromisoformat((args.get(ARGS[name]) or "").strip())
            except ValueError:
                return None
            return value if 1900 <= value.year <= 2999 else None

        def matching(name: str, pattern: re.Pattern[str]) -> str | None:
            value = (args.get(ARGS[name]) or "").strip()
            return value if pattern.fullmatch(value) else None

        return cls(
            actor_id=number("actor_id"),
            unit_id=number("unit_id"),
            object_type=matching("object_type", OBJECT_TYPE),
            object_id=number("object_id"),
            event=matching("event", EVENT_CODE),
            date_from=day("date_from"),
            date_to=day("date_to"),
        )

    def to_args(self) -> dict[str, str]:
        """The filter as query-string arguments (for links that keep it)."""
        result = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is not None:
                result[ARGS[item.name]] = value.isoformat() if isinstance(value, date) else str(
                    value)
        return result

    @property
    def active(self) -> bool:
        return any(getattr(self, item.name) is not None for item in fields(self))

    def apply(self, statement: Select[Any]) -> Select[Any]:
        if self.actor_id is not None:
            statement = statement.where(AuditEntry.actor_id == self.actor_id)
        if self.unit_id is not None:
            below = select(OrgUnit.id).where(
                OrgUnit.path.startswith(
                    select(OrgUnit.path).where(OrgUnit.id == self.unit_id).scalar_subquery()
                )
            )
            statement = statement.where(AuditEntry.org_unit_id.in_(below))
        if self.object_type is not None:
            statement = statement.where(AuditEntry.object_type == self.object_type)
        if self.object_id is not None:
            statement = statement.where(AuditEntry.object_id == self.object_id)
        if self.event is not None:
            statement = statement.where(AuditEntry.event == self.event)
        if self.date_from is not None:
            statement = statement.where(AuditEntry.occurred_at >= _start_of(self.date_from))
        if self.date_to is not None:
            statement = statement.where(
                AuditEntry.occurred_at < _start_of(self.date_to + timedelta(days=1)))
        return statement


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TIME)


# --- pages --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryPage:
    entries: list[EntryView]
    number: int
    pages: int
    total: int
    per_page: int

    @property
    def first(self) -> int:
        return (self.number - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.entries) - 1

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def count(audit_filter: AuditFilter) -> int:
    return db.session.scalar(audit_filter.apply(select(func.count(AuditEntry.id)))) or 0


def page_of(audit_filter: AuditFilter, number: int, per_page: int) -> EntryPage | None:
    """One page, newest first; None if there is no such page (the first always exists)."""
    total = count(audit_filter)
    pages = max(1, -(-total // per_page))
    if number < 1 or number > pages:
        return None
    entries = db.session.scalars(
        audit_filter.apply(select(AuditEntry))
        .options(selectinload(AuditEntry.actor), selectinload(AuditEntry.org_unit))
        .order_by(AuditEntry.id.desc())
        .offset((number - 1) * per_page).limit(per_page)
    ).all()
    return EntryPage(present(entries), number, pages, total, per_page)


def all_of(audit_filter: AuditFilter, batch: int = 1000) -> Iterator[EntryView]:
    """Every matching entry, newest first, read in batches (for the export)."""
    before = None
    while True:
        statement = audit_filter.apply(select(AuditEntry))
        if before is not None:
            statement = statement.where(AuditEntry.id < before)
        entries = db.session.scalars(
            statement.options(selectinload(AuditEntry.actor), selectinload(AuditEntry.org_unit))
            .order_by(AuditEntry.id.desc()).limit(batch)
        ).all()
        yield from present(entries)
        if len(entries) < batch:
            return
        before = entries[-1].id


# --- entries in words ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class RelatedChange:
    label: str
    object_type: str
    object_id: Any
    changes: list[Change]
    deleted: bool = False


@dataclass
class EntryView:
    entry: AuditEntry
    event: str
    object: str
    object_name: str | None = None  # a user's or unit's name, as it is now
    details: list[tuple[str, str]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    values: list[tuple[str, str]] = field(default_factory=list)
    related: list[RelatedChange] = field(default_factory=list)
    related_omitted: int = 0

    @property
    def actor_name(self) -> str:
        return self.entry.actor.name if self.entry.actor else ""

    def changes_text(self) -> str:
        parts = [f"{c.label}: {c.before} → {c.after}" for c in self.changes]
        parts += [f"{label}: {value}" for label, value in self.values]
        for related in self.related:
            inner = ", ".join(f"{c.label}: {c.before} → {c.after}" for c in related.changes)
            parts.append(f"{related.label}: {inner}" if inner else related.label)
        return "; ".join(parts)

    def details_text(self) -> str:
        return "; ".join(f"{label}: {value}" for label, value in self.details)


STRUCTURED = ("changes", "values", "related", "related_omitted")
OBJECT_NAME = "__object__"


def present(entries: Iterable[AuditEntry]) -> list[EntryView]:
    """The entries in words; people and units named (one query each for the whole list)."""
    entries = list(entries)
    names = _reference_names(entries)
    views = []
    for entry in entries:
        details = entry.details or {}
        kind = entry.object_type

        def shown(name: str, value: Any, object_type: str | None = kind) -> str:
            named = names.get((object_type, name, value)) if isinstance(value, int) else None
            return named or show_value(value, object_type, name)

        view = EntryView(entry, event_label(entry.event), object_label(kind),
                         names.get((kind, OBJECT_NAME, entry.object_id)))
        view.details = [(field_label(k), show_value(v, kind, k)) for k, v in details.items()
                        if k not in STRUCTURED]
        view.changes = [Change(field_label(k), shown(k, pair[0]), shown(k, pair[1]))
                        for k, pair in (details.get("changes") or {}).items()]
        view.values = [(field_label(k), shown(k, v))
                       for k, v in (details.get("values") or {}).items()]
        for related in details.get("related") or []:
            other = related.get("type")
            view.related.append(RelatedChange(
                label=f"{object_label(other)} {related.get('id')}",
                object_type=other, object_id=related.get("id"),
                changes=[Change(field_label(k), shown(k, pair[0], other), shown(k, pair[1], other))
                         for k, pair in (related.get("changes") or {}).items()],
                deleted=bool(related.get("deleted")),
            ))
        view.related_omitted = int(details.get("related_omitted") or 0)
        views.append(view)
    return views


@cache
def _references(object_type: str | None) -> dict[str, type]:
    """The object's columns that name a user or a unit: field → model."""
    mapper = mapper_for(object_type)
    found: dict[str, type] = {}
    if mapper is None:
        return found
    for prop in mapper.column_attrs:
        for column in prop.columns:
            for foreign_key in column.foreign_keys:
                table = foreign_key.column.table.name
                if table == User.__tablename__:
                    found[prop.key] = User
                elif table == OrgUnit.__tablename__:
                    found[prop.key] = OrgUnit
    return found


def _reference_names(entries: list[AuditEntry]) -> dict[tuple[str | None, str, Any], str]:
    """(object type, field, id) → "Name (id)" for user and unit ids in changes and values,
    and for users and units that are entries' objects (field OBJECT_NAME)."""
    wanted: dict[type, set[int]] = {User: set(), OrgUnit: set()}
    found: list[tuple[str | None, str, int, type]] = []

    def collect(object_type: str | None, pairs: Mapping[str, Any], paired: bool) -> None:
        references = _references(object_type)
        for name, value in pairs.items():
            model = references.get(name)
            if model is None:
                continue
            for item in (value if paired else [value]):
                if isinstance(item, int) and not isinstance(item, bool):
                    wanted[model].add(item)
                    found.append((object_type, name, item, model))

    for entry in entries:
        details = entry.details or {}
        model = {"User": User, "OrgUnit": OrgUnit}.get(entry.object_type or "")
        if model is not None and entry.object_id is not None:
            wanted[model].add(entry.object_id)
            found.append((entry.object_type, OBJECT_NAME, entry.object_id, model))
        collect(entry.object_type, details.get("changes") or {}, True)
        collect(entry.object_type, details.get("values") or {}, False)
        for related in details.get("related") or []:
            collect(related.get("type"), related.get("changes") or {}, True)
    loaded: dict[tuple[type, int], str] = {}
    for model, ids in wanted.items():
        if ids:
            for key, name in db.session.execute(
                select(model.id, model.name).where(model.id.in_(ids))
            ):
                loaded[(model, key)] = f"{name} ({key})"
    return {(t, n, i): loaded[(m, i)] for t, n, i, m in found if (m, i) in loaded}
