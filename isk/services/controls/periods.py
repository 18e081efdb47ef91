"""Reporting periods of a plan year, and when in the year a control is due.

The one place that defines them:

| period | months     | reported in                     |
|--------|------------|---------------------------------|
| T1     | Jan - Apr  | tertial report 1                |
| T2     | May - Aug  | tertial report 2                |
| T3     | Sep - Dec  | tertial report 3                |
| delår  | Jan - Aug  | delårsrapport                   |
| helår  | Jan - Dec  | verksamhetsberättelse           |

A control is due in the month its schedule names: month m → m; tertial t → the tertial's last
month (4t); delår → August; helår → December; a date → that date's month. A follow-up report
for a period lists the controls due in it, and the kontrollutfall performed in it (by date).
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...models import Control, ScheduleKind


class Period(enum.StrEnum):
    T1 = "T1"
    T2 = "T2"
    T3 = "T3"
    INTERIM = "delar"
    ANNUAL = "helar"

    @property
    def label(self) -> str:
        labels = {
            Period.T1: _("T1 (januari–april)"),
            Period.T2: _("T2 (maj–augusti)"),
            Period.T3: _("T3 (september–december)"),
            Period.INTERIM: _("Delår (januari–augusti)"),
            Period.ANNUAL: _("Helår (januari–december)"),
        }
        return labels[self]

    @property
    def short_label(self) -> str:
        return {Period.INTERIM: _("Delår"), Period.ANNUAL: _("Helår")}.get(self, self.value)

    @property
    def months(self) -> range:
        return PERIOD_MONTHS[self]

    def date_range(self, year: int) -> PeriodRange:
        first, last = self.months[0], self.months[-1]
        return PeriodRange(
            date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])
        )


PERIOD_MONTHS = {
    Period.T1: range(1, 5),
    Period.T2: range(5, 9),
    Period.T3: range(9, 13),
    Period.INTERIM: range(1, 9),
    Period.ANNUAL: range(1, 13),
}


@dataclass(frozen=True)
class PeriodRange:
    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def due_month(control: Control) -> int:
    """The month of the plan year in which the control is due."""
    kind = control.schedule_kind
    if kind is ScheduleKind.MONTH:
        return int(control.schedule_month or 12)
    if kind is ScheduleKind.TERTIAL:
        return 4 * int(control.schedule_tertial or 3)
    if kind is ScheduleKind.INTERIM:
        return 8
    if kind is ScheduleKind.DATE and control.scheduled_on is not None:
        return control.scheduled_on.month
    return 12


def is_due_in(control: Control, period: Period) -> bool:
    return due_month(control) in period.months


MONTH_NAMES = (
    _l("januari"), _l("februari"), _l("mars"), _l("april"), _l("maj"), _l("juni"), _l("juli"),
    _l("augusti"), _l("september"), _l("oktober"), _l("november"), _l("december"),
)


def schedule_text(control: Control) -> str:
    """When the control is done, as the plan says it: "mars", "T2", "delår", "2026-05-10"."""
    kind = control.schedule_kind
    if kind is ScheduleKind.MONTH and control.schedule_month:
        return str(MONTH_NAMES[control.schedule_month - 1])
    if kind is ScheduleKind.TERTIAL:
        return f"T{control.schedule_tertial}"
    if kind is ScheduleKind.INTERIM:
        return _("delår")
    if kind is ScheduleKind.ANNUAL:
        return _("helår")
    if control.scheduled_on is not None:
        return control.scheduled_on.isoformat()
    return ""
