"""The one description of what a risk and an åtgärd say.

`RiskContent` and `ActionContent` list the fields a user edits, an import fills in, a copy to
next year carries over and the printed plan shows. Each field has the name of the model's
attribute and of the form's field, so that reading a model, writing one, filling a form and
reading it back are loops over these fields, not lists copied by hand: adding a field to a
risk is one column on `Risk`, one field here and one field on `RiskForm`
(tests/test_plan_fields.py checks that the three agree).
"""

from __future__ import annotations

import enum
import functools
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from typing import Any, Self

from ...models import ActionStatus, Criterion, RiskTreatment, SecurityAspect


class Content:
    """Copying a content dataclass's fields from and to anything with the same attributes."""

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(item.name for item in fields(cls))  # type: ignore[arg-type]

    @classmethod
    def of(cls, source: Any) -> Self:
        """The content of a model object (or a form, or another content)."""
        return cls(**{name: _plain(getattr(source, name)) for name in cls.field_names()})

    def apply_to(self, target: Any) -> None:
        """Write every field onto a model object (or a form's fields' data)."""
        for name in self.field_names():
            setattr(target, name, getattr(self, name))

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.field_names()}


def _plain(value: Any) -> Any:
    """A model's list-like value (criteria, aspects) as a list, so contents compare equal."""
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return value


@dataclass
class ActionContent(Content):
    """What an åtgärd says."""

    text: str
    responsible: str | None = None
    due_date: date | None = None
    status: ActionStatus = ActionStatus.PLANNED


@dataclass
class RiskContent(Content):
    """What a risk says: the event, the criteria it threatens, its assessment and handling."""

    text: str
    criteria: list[Criterion] = field(default_factory=list)
    aspects: list[SecurityAspect] = field(default_factory=list)
    likelihood: int | None = None
    consequence: int | None = None
    treatment: RiskTreatment = RiskTreatment.MITIGATE
    accepted_by: str | None = None
    accepted_on: date | None = None
    acceptance_reason: str | None = None
    source: str | None = None
    owner_id: int | None = None
    sam_indicator: bool = False

    def __post_init__(self) -> None:
        self.tidy()

    def tidy(self) -> None:
        """Criteria and aspects as lists in their enum's order, each once."""
        self.criteria = _sorted(self.criteria, Criterion)
        self.aspects = _sorted(self.aspects, SecurityAspect)

    @property
    def risk_score(self) -> int | None:
        """Riskvärde: sannolikhet × konsekvens, 1-16; None until assessed."""
        if self.likelihood is None or self.consequence is None:
            return None
        return self.likelihood * self.consequence

    @property
    def is_accepted(self) -> bool:
        return self.treatment is RiskTreatment.ACCEPT


def _sorted(values: Iterable[Any] | None, kind: type[enum.Enum]) -> list[Any]:
    """Each value once, in the enum's own order (c, d, e), whatever order it came in."""
    if not values:
        return []
    return sorted({kind(value) for value in values}, key=_order(kind).__getitem__)


@functools.cache
def _order(kind: type[enum.Enum]) -> dict[Any, int]:
    return {member: index for index, member in enumerate(kind)}


# --- from JSON (a stored plan version) --------------------------------------------------------


def from_json(cls: type[Any], data: dict[str, Any]) -> Any:
    """Rebuild a dataclass from `dataclasses.asdict` output stored as JSON.

    Values are converted by the field's declared type (dates, enums, nested dataclasses,
    lists of them); a field the stored data lacks (an older version) takes its default.
    """
    hints = typing.get_type_hints(cls)
    given = {}
    for item in fields(cls):
        if item.name in data:
            given[item.name] = _convert(hints[item.name], data[item.name])
    return cls(**given)


def _convert(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _convert(options[0], value)
    if origin is list:
        (item_kind,) = typing.get_args(kind)
        return [_convert(item_kind, item) for item in value]
    if kind is date:
        return date.fromisoformat(value)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(value)
    if is_dataclass(kind):
        return from_json(kind, value)  # type: ignore[arg-type]
    return value
