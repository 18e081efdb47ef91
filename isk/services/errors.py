"""The one shape of a domain refusal, and the one path for a stale edit.

Services raise a `DomainError` (or a subclass per area) when a rule refuses a change: the
message is Swedish and for the user, `field` names the form input it concerns (None: the whole
form), and `status` is the HTTP answer a view gives. `ProblemsError` carries a list of
problems (an import's bad rows, a file's reasons). Views turn them into form errors with
`blueprints.forms.show_refusal`, the CLI into a `ClickException` with `cli.refused`.

A stale edit is always a `ConflictError` (409): the form carried the version it was opened
on (`check_version`), or the database found the row changed under the flush (`flush`).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db


class DomainError(ValueError):
    """A domain rule refused the change; the message is for the user."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field

    @property
    def problems(self) -> list[str]:
        return [str(self)]


class ProblemsError(DomainError):
    """Refused for several reasons at once (a file's bad rows): each one for the user."""

    def __init__(self, problems: list[str], field: str | None = None):
        super().__init__("\n".join(problems), field)
        self._problems = list(problems)

    @property
    def problems(self) -> list[str]:
        return self._problems


class FieldProblems(DomainError):
    """Refused for several reasons at once, each on the form field it concerns (None: the
    whole form), so that the user sees every problem in one go."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__("\n".join(message for _field, message in errors))
        self.errors = list(errors)

    @property
    def problems(self) -> list[str]:
        return [message for _field, message in self.errors]


def stale_message() -> str:
    return _("Någon annan har ändrat uppgiften sedan du öppnade formuläret. Dina ändringar har "
             "inte sparats. Ladda om sidan och gör om ändringen.")


class ConflictError(DomainError):
    """Someone else changed the item since the form was opened (or the state moved on)."""

    status = 409

    def __init__(self, message: str | None = None, field: str | None = None):
        super().__init__(message or stale_message(), field)


def check_version(item: Any, expected: int | None) -> None:
    """Refuse a change made on an out-of-date form (it carries the version it showed)."""
    if expected is not None and item.version_id != expected:
        raise ConflictError()


def flush() -> None:
    """Flush, turning a concurrent update (a version mismatch in the database) into a 409."""
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ConflictError() from error


# --- the areas' refusals: each area's services raise their own, all handled alike -------------


class PlanError(DomainError):
    """A rule on plans was broken."""


class ControlError(DomainError):
    """A rule on controls, kontrollutfall or stickprov was broken."""


class SamError(DomainError):
    """A SAM rule was broken."""


class AccountError(DomainError):
    """A rule on accounts was broken."""


class OrgError(DomainError):
    """A rule of the organisation tree was broken."""


class StorageError(DomainError):
    """A kept file could not be written (a folder ISK may not write to, a full disk)."""

    status = 503
