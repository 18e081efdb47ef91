"""The hash chain that makes the granskningslogg tamper-evident, and its verification.

Content hash. An entry's hash is SHA-256 over the format name ("isk-audit-v1"), a newline and
the entry's canonical form: sorted-key, compact JSON (UTF-8) of its id, time (UTC, ISO 8601 with
microseconds), actor, event, object type and id, unit, details, remote address and the
previous entry's hash. Changing any of them, or moving the entry to another place in the chain,
changes the hash. The format never changes for stored entries; a new one would get a new name.

Appending. `link` runs when a flush is about to write new entries (a `before_flush` session
event, so services only call `audit_log.record`). It first updates the single
`audit_chain_head` row, which locks it until the transaction ends: on PostgreSQL a second
writer waits there and then sees the first one's committed head, so two transactions never
link to the same previous entry; SQLite has a single writer anyway. The entries then get the
next ids (their chain positions), the time, `previous_hash` and `entry_hash`, and the head
gets the last hash. A rolled-back transaction undoes the head update with its entries, so the
chain keeps no gap. The head lock is held until commit: keep work after the last audited
change of a request short.

Verification. `verify` reads the head, then every entry in id order (in batches), and stops
at the first entry that does not hold: a missing id is a deleted entry (borttagen); an entry
whose `previous_hash` is the hash of another entry is out of place (omordnad); an entry whose
content does not give its hash, or whose successor's link no longer matches it, is edited
(ändrad); a head beyond the last entry means the end was cut off. An unkeyed hash chain shows
editing by anyone who does not also recompute every later hash; a revisor who notes the last
id and hash (`verify-audit` prints them) can later check them with `--anchor`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.orm import Session

from ...extensions import db
from ...models import GENESIS_HASH, AuditChainHead, AuditEntry
from ...models.types import utcnow

CHAIN_FORMAT = "isk-audit-v1"
HEAD_ID = 1
BATCH = 1000
HASHED_FIELDS = (
    "id", "occurred_at", "actor_id", "event", "object_type", "object_id", "org_unit_id",
    "details", "remote_addr", "previous_hash",
)


class AuditChainError(RuntimeError):
    """The chain cannot be appended to (its head is gone while entries remain)."""


# --- the content hash -------------------------------------------------------------------------


def timestamp(moment: datetime) -> str:
    """The canonical time: UTC, ISO 8601, microseconds (a zone-less value is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def normalised_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """The details exactly as they will read back from the JSON column (string keys and all)."""
    return json.loads(json.dumps(dict(details or {}), default=str, allow_nan=False))


def canonical(fields: Mapping[str, Any]) -> bytes:
    content = {name: fields[name] for name in HASHED_FIELDS}
    content["occurred_at"] = timestamp(content["occurred_at"])
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def content_hash(fields: Mapping[str, Any]) -> str:
    """The hash an entry with these fields must carry."""
    return hashlib.sha256(CHAIN_FORMAT.encode("ascii") + b"\n" + canonical(fields)).hexdigest()


def _fields_of(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in HASHED_FIELDS}


# --- appending ----------------------------------------------------------------------------------


def link(session: Session, entries: Sequence[AuditEntry]) -> None:
    """Give the new entries their places in the chain; called from `before_flush`."""
    if not entries:
        return
    connection = session.connection(bind_arguments={"mapper": AuditEntry.__mapper__})
    head = AuditChainHead.__table__
    count = len(entries)
    locked = connection.execute(
        update(head).where(head.c.id == HEAD_ID)
        .values(last_entry_id=head.c.last_entry_id + count)
        .returning(head.c.last_entry_id, head.c.last_hash)
    ).first()
    if locked is None:
        last_id, previous = _start_chain(connection, count), GENESIS_HASH
    else:
        last_id, previous = locked.last_entry_id - count, locked.last_hash
    now = utcnow()
    for position, entry in enumerate(entries, start=last_id + 1):
        if entry.actor is not None and entry.actor.id is not None:
            entry.actor_id = entry.actor.id
        entry.id = position
        entry.occurred_at = now
        entry.details = normalised_details(entry.details)
        entry.previous_hash = previous
        entry.entry_hash = previous = content_hash(_fields_of(entry))
    connection.execute(update(head).where(head.c.id == HEAD_ID).values(last_hash=previous))


def _start_chain(connection: Connection, count: int) -> int:
    """The first entries ever (or after a test emptied the tables): create the head."""
    if connection.execute(select(func.max(AuditEntry.id))).scalar() is not None:
        raise AuditChainError(
            "audit_chain_head is missing although audit entries exist; the log has been "
            "tampered with: run `flask isk verify-audit`"
        )
    connection.execute(
        insert(AuditChainHead.__table__).values(id=HEAD_ID, last_entry_id=count,
                                                last_hash=GENESIS_HASH)
    )
    return 0


# --- verification -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    """The first place where the chain does not hold."""

    kind: str  # edited, deleted, reordered, head_missing, anchor
    entry_id: int
    last_id: int | None = None  # deleted: the last of the missing ids
    expected_hash: str | None = None  # anchor: the hash the revisor noted

    @property
    def message(self) -> str:
        if self.kind == "deleted":
            if self.last_id is not None and self.last_id != self.entry_id:
                return _("Posterna %(first)d–%(last)d är borttagna.", first=self.entry_id,
                         last=self.last_id)
            return _("Post %(id)d är borttagen.", id=self.entry_id)
        if self.kind == "reordered":
            return _("Post %(id)d är omordnad: den pekar på en post som står på en annan plats "
                     "i kedjan.", id=self.entry_id)
        if self.kind == "head_missing":
            return _("Kedjans huvud saknas, så loggens slut kan inte bekräftas (senaste post "
                     "%(id)d).", id=self.entry_id)
        if self.kind == "anchor":
            return _("Post %(id)d stämmer inte med den kontrollsumma som noterats "
                     "(%(hash)s): den är ändrad eller borttagen.", id=self.entry_id,
                     hash=(self.expected_hash or "")[:16])
        return _("Post %(id)d är ändrad: innehållet stämmer inte med kontrollsumman.",
                 id=self.entry_id)


@dataclass(frozen=True)
class Verification:
    checked: int
    last_id: int
    last_hash: str
    problem: ChainProblem | None

    @property
    def whole(self) -> bool:
        return self.problem is None

    @property
    def summary(self) -> str:
        if self.problem is None:
            return _("Granskningsloggen är hel: %(n)d poster kontrollerade.", n=self.checked)
        return _("Granskningsloggen är inte hel. %(problem)s", problem=self.problem.message)

    @property
    def head_text(self) -> str:
        return _("Senaste post: %(id)d, kontrollsumma %(hash)s.", id=self.last_id,
                 hash=self.last_hash)


@dataclass(frozen=True)
class Anchor:
    """An entry id and hash a revisor noted at an earlier check."""

    entry_id: int
    entry_hash: str

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """From "ID:HASH"; ValueError if it is not that."""
        number, _sep, digest = text.strip().partition(":")
        digest = digest.strip().lower()
        if not number.strip().isdigit() or len(digest) != 64 or any(
            c not in "0123456789abcdef" for c in digest
        ):
            raise ValueError(text)
        return cls(int(number), digest)


COLUMNS = [getattr(AuditEntry, name) for name in (*HASHED_FIELDS, "entry_hash")]


def verify(connection: Connection | None = None,
           anchors: Sequence[Anchor] = ()) -> Verification:
    """Check the whole chain, and the noted anchors; see the module docstring."""
    if connection is None:
        with db.engine.connect() as own:
            return verify(own, anchors)
    noted = {anchor.entry_id: anchor.entry_hash for anchor in anchors}
    head_table = AuditChainHead.__table__
    head = connection.execute(
        select(head_table.c.last_entry_id, head_table.c.last_hash)
        .where(head_table.c.id == HEAD_ID)
    ).first()
    checked, expected_id, previous = 0, 1, GENESIS_HASH
    while True:
        rows = connection.execute(
            select(*COLUMNS).where(AuditEntry.id >= expected_id).order_by(AuditEntry.id)
            .limit(BATCH)
        ).all()
        for row in rows:
            problem = _check(connection, row, expected_id, previous)
            if problem is None and head is not None and row.id == head.last_entry_id \
                    and row.entry_hash != head.last_hash:
                problem = ChainProblem("edited", row.id)
            if problem is not None:
                return Verification(checked, expected_id - 1, previous, problem)
            if noted.get(row.id, row.entry_hash) != row.entry_hash:
                return Verification(checked, row.id - 1, previous,
                                    ChainProblem("anchor", row.id, expected_hash=noted[row.id]))
            checked, expected_id, previous = checked + 1, row.id + 1, row.entry_hash
        if len(rows) < BATCH:
            break
    last_id = expected_id - 1
    problem = None
    if head is None and checked:
        problem = ChainProblem("head_missing", last_id)
    elif head is not None and head.last_entry_id > last_id:
        # Entries appended after the head was read are fine; fewer than it names are not.
        problem = ChainProblem("deleted", last_id + 1, head.last_entry_id)
    elif noted and max(noted) > last_id:
        problem = ChainProblem("anchor", max(noted), expected_hash=noted[max(noted)])
    return Verification(checked, last_id, previous, problem)


def _check(connection: Connection, row: Any, expected_id: int,
           previous: str) -> ChainProblem | None:
    if row.id != expected_id:
        return ChainProblem("deleted", expected_id, row.id - 1)
    holds = content_hash(row._mapping) == row.entry_hash
    if row.previous_hash != previous:
        elsewhere = connection.execute(
            select(AuditEntry.id).where(AuditEntry.entry_hash == row.previous_hash).limit(1)
        ).scalar()
        if elsewhere is not None:
            return ChainProblem("reordered", row.id)
        # Its own content holds, so the entry before it was rewritten after it was linked.
        return ChainProblem("edited", max(row.id - 1, 1) if holds else row.id)
    return None if holds else ChainProblem("edited", row.id)
