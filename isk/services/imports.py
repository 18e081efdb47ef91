"""Reading IK-plans from the seed layout (`verksamhet,risk,atgard,regionovergripande`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..models import Criterion, Plan
from . import plans

SEED_COLUMNS = ("verksamhet", "risk", "atgard", "regionovergripande")
YES_VALUES = frozenset({"ja", "j", "yes", "x", "1", "sant", "true"})
NO_VALUES = frozenset({"nej", "n", "no", "", "0", "falskt", "false"})


class PlanImportError(ValueError):
    """The file cannot be imported; `problems` lists each bad row for the user."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class RiskDraft:
    area: str
    text: str
    actions: list[tuple[str, bool]] = field(default_factory=list)
    flags: list[bool] = field(default_factory=list)

    @property
    def region_wide(self) -> bool:
        return bool(self.flags) and all(self.flags)


def parse_seed_csv(text: str) -> list[RiskDraft]:
    """Group the rows into risks, in file order; consecutive rows of one risk share it."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [column.strip().lower() for column in next(reader, [])]
    if tuple(header) != SEED_COLUMNS:
        raise PlanImportError(
            [
                _(
                    "Rad 1: kolumnerna ska vara %(expected)s, men filen har %(found)s.",
                    expected=", ".join(SEED_COLUMNS),
                    found=", ".join(header) or _("inga"),
                )
            ]
        )
    problems: list[str] = []
    drafts: list[RiskDraft] = []
    for line_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(SEED_COLUMNS):
            problems.append(
                _(
                    "Rad %(n)d: raden har %(found)d kolumner i stället för %(expected)d.",
                    n=line_number,
                    found=len(row),
                    expected=len(SEED_COLUMNS),
                )
            )
            continue
        area, risk_text, action_text, flag = (cell.strip() for cell in row)
        if not area:
            problems.append(_("Rad %(n)d, kolumn verksamhet: värdet saknas.", n=line_number))
        if not risk_text:
            problems.append(_("Rad %(n)d, kolumn risk: värdet saknas.", n=line_number))
        if flag.lower() not in YES_VALUES | NO_VALUES:
            problems.append(
                _(
                    "Rad %(n)d, kolumn regionovergripande: ”%(value)s” ska vara ja eller nej.",
                    n=line_number,
                    value=flag,
                )
            )
        if not area or not risk_text:
            continue
        region_wide = flag.lower() in YES_VALUES
        current = drafts[-1] if drafts else None
        if current is None or (current.area, current.text) != (area, risk_text):
            current = RiskDraft(area, risk_text)
            drafts.append(current)
        current.flags.append(region_wide)
        if action_text:
            current.actions.append((action_text, region_wide))
    if problems:
        raise PlanImportError(problems)
    return drafts


def populate_plan(
    plan: Plan,
    drafts: Iterable[RiskDraft],
    criteria_for: Callable[[str], Iterable[Criterion]],
) -> None:
    """Add the drafted verksamheter, risks and åtgärder to the plan, keeping their order."""
    for draft in drafts:
        area = plans.add_process_area(plan, draft.area)
        risk = plans.add_risk(
            area, draft.text, criteria_for(draft.area), region_wide=draft.region_wide
        )
        for text, region_wide in draft.actions:
            plans.add_action(risk, text, region_wide=region_wide)
