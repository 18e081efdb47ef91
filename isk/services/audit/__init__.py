"""The granskningslogg behind `audit_log.record`: before → after, the hash chain, reading it.

`install` hooks the session events once per process: at each flush the changed objects'
history is collected (changes.py) and new entries get their before → after and their place in
the chain (chain.py). Any model can be recorded; nothing here lists them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from ...models import AuditEntry
from . import chain, changes
from .chain import Anchor, AuditChainError, ChainProblem, Verification, verify

__all__ = [
    "Anchor",
    "AuditChainError",
    "ChainProblem",
    "Verification",
    "install",
    "verify",
]


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    changes.absorb(session)
    entries = [obj for obj in session.new if isinstance(obj, AuditEntry)]
    if entries:
        changes.describe(session, entries)
        chain.link(session, entries)


def _after_flush(session: Session, _context: Any) -> None:
    changes.note_created(session)


HOOKS = (
    ("before_flush", _before_flush),
    ("after_flush", _after_flush),
    ("after_commit", changes.forget),
    ("after_rollback", changes.forget),
)


def install() -> None:
    """Listen on every session (idempotent: create_app may run more than once per process)."""
    for name, hook in HOOKS:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
