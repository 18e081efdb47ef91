"""Today and now, in one place, so that date rules can be tested without the wall clock.

Due dates, overdue follow-ups and decision dates are calendar days where the users are
(Europe/Stockholm). `ISK_TODAY` (config `TODAY`, an ISO date) fixes today for a demo or a
test; `frozen_today` does the same for a block of code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

LOCAL_TIME = ZoneInfo("Europe/Stockholm")
_frozen: ContextVar[date | None] = ContextVar("isk_today", default=None)


def today() -> date:
    """Today in Sweden, unless fixed by `frozen_today` or the TODAY setting."""
    fixed = _frozen.get()
    if fixed is not None:
        return fixed
    if has_app_context():
        configured = current_app.config.get("TODAY")
        if configured:
            return configured if isinstance(configured, date) else date.fromisoformat(configured)
    return datetime.now(LOCAL_TIME).date()


def local(moment: datetime) -> datetime:
    """A stored UTC timestamp as Swedish local time."""
    return moment.astimezone(LOCAL_TIME)


def utcnow() -> datetime:
    return datetime.now(UTC)


@contextmanager
def frozen_today(day: date) -> Iterator[None]:
    """Within the block, `today()` is `day`."""
    token = _frozen.set(day)
    try:
        yield
    finally:
        _frozen.reset(token)
