"""The audit trail (granskningslogg): who did what, when, from where; append-only, hash-chained.

Each entry's `id` is its position in the chain: 1, 2, 3 … without gaps, given by ISK under the
chain head's lock when the entry is flushed (services/audit/chain.py), never by the database's
counter, so that a missing id is a deleted entry. `previous_hash` is the `entry_hash` of the
entry before it and `entry_hash` covers the entry's content together with `previous_hash`;
`AuditChainHead` holds the last id and hash, so a cut-off tail shows too. On PostgreSQL a
trigger refuses UPDATE and DELETE on the table (see the migration that added the chain).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .org import OrgUnit
from .types import UTCDateTime, utcnow
from .user import User

GENESIS_HASH = "0" * 64  # what the first entry's `previous_hash` is


class AuditEntry(db.Model):
    """One recorded event (granskningslogg)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    event: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[int | None] = mapped_column(Integer)
    # The unit the object belongs to (a login: the user's), so the log can be read per unit.
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    previous_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()
    org_unit: Mapped[OrgUnit | None] = relationship()


class AuditChainHead(db.Model):
    """The one row that says where the chain ends; appending locks it first."""

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_entry_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
