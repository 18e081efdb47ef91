"""What changed between two versions of an adopted plan: rows added, removed and changed.

A version's snapshot keeps every risk and åtgärd with its id, so a row is the same row in two
versions when its id is, even if its text changed; a row without an id in an old snapshot is
matched by its text. The risk's fields compare through `RiskContent`, the åtgärd's through
`ActionContent`, so a field added to either is compared without a change here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...models import ActionStatus, RiskTreatment, SecurityAspect
from .fields import ActionContent, RiskContent


class ChangeKind(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"

    @property
    def label(self) -> str:
        return str({ChangeKind.ADDED: _l("Tillagd"), ChangeKind.REMOVED: _l("Borttagen"),
                    ChangeKind.CHANGED: _l("Ändrad")}[self])


FIELD_LABELS = {
    "area": _l("Verksamhet"), "text": _l("Text"), "criteria": _l("Kriterier"),
    "aspects": _l("Vad hotas"), "likelihood": _l("Sannolikhet"), "consequence": _l("Konsekvens"),
    "treatment": _l("Hantering"), "accepted_by": _l("Beslutad av"),
    "accepted_on": _l("Beslutsdatum"), "acceptance_reason": _l("Motivering"),
    "source": _l("Källa"), "owner": _l("Riskägare"), "sam_indicator": _l("SAM-indikatorn"),
    "responsible": _l("Ansvarig"), "due_date": _l("Klar senast"), "status": _l("Status"),
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class RowChange:
    """One risk or åtgärd that a version added, removed or changed."""

    kind: ChangeKind
    what: str  # "risk" or "action"
    area: str
    risk: str
    action: str | None = None
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def what_label(self) -> str:
        return _("Risk") if self.what == "risk" else _("Åtgärd")


def _shown(name: str, value: Any) -> str:
    if value in (None, "", []):
        return "–"
    if isinstance(value, list):
        if name == "aspects":
            return ", ".join(SecurityAspect(v).label for v in value)
        return ", ".join(str(v) for v in value)  # criteria: c, d, e
    if name == "status":
        return ActionStatus(value).label
    if name == "treatment":
        return RiskTreatment(value).label
    if isinstance(value, bool):
        return _("ja") if value else _("nej")
    return str(value)


def _risks(snapshot: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for area in snapshot.get("areas", []):
        for risk in area.get("risks", []):
            yield area["name"], risk


def _key(item: dict[str, Any]) -> object:
    return item.get("id") or ("text", item.get("text"))


def _field_changes(names: tuple[str, ...], before: dict[str, Any], after: dict[str, Any]
                   ) -> list[FieldChange]:
    return [FieldChange(str(FIELD_LABELS.get(name, name)), _shown(name, before.get(name)),
                        _shown(name, after.get(name)))
            for name in names if before.get(name) != after.get(name)]


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[RowChange]:
    """The rows a version changed compared with the one before (none for the first)."""
    if before is None:
        return []
    found: list[RowChange] = []
    old = {_key(risk): (area, risk) for area, risk in _risks(before)}
    new = {_key(risk): (area, risk) for area, risk in _risks(after)}
    # The owner by name, as printed, rather than by id.
    risk_fields = tuple("owner" if n == "owner_id" else n for n in RiskContent.field_names())
    action_fields = ActionContent.field_names()
    for key, (area, risk) in new.items():
        if key not in old:
            found.append(RowChange(ChangeKind.ADDED, "risk", area, risk["text"]))
            found += [RowChange(ChangeKind.ADDED, "action", area, risk["text"], a["text"])
                      for a in risk.get("actions", [])]
            continue
        old_area, old_risk = old[key]
        moved = [FieldChange(str(FIELD_LABELS["area"]), old_area, area)] \
            if old_area != area else []
        altered = moved + _field_changes(risk_fields, old_risk, risk)
        if altered:
            found.append(RowChange(ChangeKind.CHANGED, "risk", area, risk["text"],
                                   fields=altered))
        old_actions = {_key(a): a for a in old_risk.get("actions", [])}
        new_actions = {_key(a): a for a in risk.get("actions", [])}
        for action_key, action in new_actions.items():
            if action_key not in old_actions:
                found.append(RowChange(ChangeKind.ADDED, "action", area, risk["text"],
                                       action["text"]))
            else:
                altered = _field_changes(action_fields, old_actions[action_key], action)
                if altered:
                    found.append(RowChange(ChangeKind.CHANGED, "action", area, risk["text"],
                                           action["text"], altered))
        found += [RowChange(ChangeKind.REMOVED, "action", area, risk["text"], a["text"])
                  for action_key, a in old_actions.items() if action_key not in new_actions]
    for key, (area, risk) in old.items():
        if key not in new:
            found.append(RowChange(ChangeKind.REMOVED, "risk", area, risk["text"]))
    return found


@dataclass(frozen=True)
class ChangedAfterAdoption:
    """The newest version of an adopted plan after the decision, as the plan's print says."""

    number: int
    when: str
    reason: str
