"""Reporting periods of a plan year, when a control is planned, and "Utfört" as people write it.

The one place that defines them:

| period | months     | reported in                     |
|--------|------------|---------------------------------|
| T1     | Jan - Apr  | tertial report 1                |
| T2     | May - Aug  | tertial report 2                |
| T3     | Sep - Dec  | tertial report 3                |
| delår  | Jan - Aug  | delårsrapport                   |
| helår  | Jan - Dec  | verksamhetsberättelse           |

A control is planned for one or more *occurrences*, each a code: "T1".."T3", a month "01".."12",
"delar", "helar" or an ISO date. An occurrence is due at the end of its days (T2 → 31 August,
"03" → 31 March) and belongs to the report of each period in which it falls due; a control
planned with no occurrence is due once, by the end of the year.

"Utfört" is kept as written; `parse_performed` reads the days it stands for: a date ("2025-03-14",
"14 mars", "14/3"), a week ("vecka 12", "v. 12"), a month ("mars"), a tertial ("T1",
"tertial 1"), a quarter ("kvartal 2", "Q2"), "delår", "helår" ("löpande", "hela året"), lists
of them ("T1, T2, T3", "mars och oktober"), ranges ("T1–T3", "vecka 10–12") or "Ej utfört".
"""

from __future__ import annotations

import calendar
import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


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
        return _months(year, self.months[0], self.months[-1])


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

    def overlaps(self, other: PeriodRange) -> bool:
        return self.start <= other.end and other.start <= self.end


def _months(year: int, first: int, last: int) -> PeriodRange:
    return PeriodRange(date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1]))


MONTH_NAMES = (
    _l("januari"), _l("februari"), _l("mars"), _l("april"), _l("maj"), _l("juni"), _l("juli"),
    _l("augusti"), _l("september"), _l("oktober"), _l("november"), _l("december"),
)

# --- occurrences -----------------------------------------------------------------------------

TERTIALS = ("T1", "T2", "T3")
MONTHS = tuple(f"{month:02d}" for month in range(1, 13))
INTERIM, ANNUAL = "delar", "helar"
# The order a form offers them in and a list prints them in.
OCCURRENCE_ORDER = (*TERTIALS, INTERIM, ANNUAL, *MONTHS)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def is_occurrence(code: str) -> bool:
    if code in OCCURRENCE_ORDER:
        return True
    if _ISO_DATE.match(code):
        try:
            date.fromisoformat(code)
        except ValueError:
            return False
        return True
    return False


def occurrence_range(code: str, year: int) -> PeriodRange:
    """The days of the plan year an occurrence stands for."""
    if code in TERTIALS:
        return Period(code).date_range(year)
    if code == INTERIM:
        return Period.INTERIM.date_range(year)
    if code == ANNUAL:
        return Period.ANNUAL.date_range(year)
    if code in MONTHS:
        return _months(year, int(code), int(code))
    day = date.fromisoformat(code)
    return PeriodRange(day, day)


def occurrence_label(code: str) -> str:
    """As a plan says it: "T2", "mars", "delår", "helår", "2026-05-10"."""
    if code in MONTHS:
        return str(MONTH_NAMES[int(code) - 1])
    if code == INTERIM:
        return _("delår")
    if code == ANNUAL:
        return _("helår")
    return code


def sort_occurrences(codes: Iterable[str]) -> list[str]:
    def key(code: str) -> tuple[int, str]:
        return (OCCURRENCE_ORDER.index(code), "") if code in OCCURRENCE_ORDER else (99, code)

    return sorted(set(codes), key=key)


def occurrences_text(codes: Sequence[str]) -> str:
    """"T1, T2, T3"; a control planned without an occurrence is done "under året"."""
    if not codes:
        return _("under året")
    return ", ".join(occurrence_label(code) for code in codes)


def planned_occurrences(codes: Sequence[str]) -> list[str]:
    """A control's occurrences; one planned without any is due once, by the end of the year."""
    return list(codes) or [ANNUAL]


def is_due_in(code: str, period: Period, year: int) -> bool:
    """Whether an occurrence falls due in the period (its last day lies in it)."""
    return occurrence_range(code, year).end in period.date_range(year)


def due_date(code: str, year: int) -> date:
    return occurrence_range(code, year).end


# --- "Utfört" --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Performed:
    """What an "Utfört" cell says: performed on which days, or not performed."""

    text: str
    performed: bool
    spans: tuple[PeriodRange, ...] = ()

    @property
    def start(self) -> date | None:
        return min(span.start for span in self.spans) if self.spans else None

    @property
    def end(self) -> date | None:
        return max(span.end for span in self.spans) if self.spans else None

    def covers(self, code: str, year: int) -> bool:
        """Whether the performance falls on the days of a planned occurrence."""
        days = occurrence_range(code, year)
        return any(span.overlaps(days) for span in self.spans)


class PerformedError(ValueError):
    """An "Utfört" text that names no days ISK can read; the message says what it expects."""


NOT_PERFORMED = re.compile(r"^(ej|inte)\s+(utfört|utförd|utförts|genomfört|genomförd)\b", re.I)
_MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4, "apr": 4,
    "maj": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augusti": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
_WHOLE_YEAR = {"helår", "helar", "helåret", "hela året", "löpande", "löpande under året",
               "under året", "årligen", "året"}
_INTERIM = {"delår", "delar", "delåret", "delårsrapport"}
_SEPARATORS = re.compile(r"\s*(?:,|;|/(?!\d)|\boch\b|&|\+)\s*", re.I)
_RANGES = (re.compile(r"^(.+?)\s*(?:–|—|\btill\b)\s*(.+)$", re.I),
           re.compile(r"^(.+?)\s*-\s*(.+)$"))
_YEAR_SUFFIX = re.compile(r"^(.*?)\s*\b(\d{4})$")


def parse_performed(text: str, year: int) -> Performed:
    """Read an "Utfört" cell of the plan year; raises PerformedError with a Swedish message."""
    written = " ".join((text or "").split())
    if not written:
        raise PerformedError(_("Ange när kontrollen utfördes, till exempel ett datum, en vecka, "
                               "en månad, T1 eller ”Ej utfört”."))
    if NOT_PERFORMED.match(written):
        return Performed(written, False)
    spans = []
    for part in _SEPARATORS.split(written.rstrip(".")):
        if part:
            spans.append(_part(part, year, written))
    if not spans:
        raise _unreadable(written)
    return Performed(written, True, tuple(spans))


def _unreadable(written: str) -> PerformedError:
    return PerformedError(_(
        "”%(text)s” går inte att läsa som en tidpunkt. Skriv ett datum (2025-03-14), en vecka "
        "(vecka 12), en månad (mars), en period (T1, delår, helår) eller ”Ej utfört”.",
        text=written))


def _part(part: str, year: int, written: str) -> PeriodRange:
    single = _single(part, year)
    if single is not None:
        return single
    for pattern in _RANGES:
        ranged = pattern.match(part)
        if not ranged:
            continue
        first, last = ranged.group(1).strip(), ranged.group(2).strip()
        if re.fullmatch(r"\d{1,2}", last):  # "vecka 10-12", "T1-3"
            prefix = re.match(r"^(.*?)(\d{1,2})$", first)
            if prefix:
                last = prefix.group(1) + last
        start, end = _single(first, year), _single(last, year)
        if start is not None and end is not None and start.start <= end.end:
            return PeriodRange(start.start, end.end)
    raise _unreadable(written)


def _single(token: str, year: int) -> PeriodRange | None:
    token = token.strip().lower().rstrip(".")
    explicit = None
    suffixed = _YEAR_SUFFIX.match(token)
    if suffixed and not _ISO_DATE.match(token):
        token, explicit = suffixed.group(1).strip(), int(suffixed.group(2))
        if not token:  # a year on its own: the whole of it
            token = "helår"
    if explicit is not None and explicit != year:
        raise PerformedError(_("”%(text)s” ligger inte under planens år, %(year)d.",
                               text=f"{token} {explicit}".strip(), year=year))
    try:
        span = _read(token, year)
    except ValueError:
        return None
    if span is not None and not span.overlaps(Period.ANNUAL.date_range(year)):
        raise PerformedError(_("”%(text)s” ligger inte under planens år, %(year)d.",
                               text=token, year=year))
    return span


def _read(token: str, year: int) -> PeriodRange | None:
    if _ISO_DATE.match(token):
        day = date.fromisoformat(token)
        return PeriodRange(day, day)
    if token in _WHOLE_YEAR:
        return Period.ANNUAL.date_range(year)
    if token in _INTERIM:
        return Period.INTERIM.date_range(year)
    if token in _MONTHS:
        return _months(year, _MONTHS[token], _MONTHS[token])
    found = re.fullmatch(r"(?:t|tertial)\s*([1-3])", token)
    if found:
        return Period(f"T{found.group(1)}").date_range(year)
    found = re.fullmatch(r"(?:q|kv|kvartal)\s*\.?\s*([1-4])", token)
    if found:
        quarter = int(found.group(1))
        return _months(year, 3 * quarter - 2, 3 * quarter)
    found = re.fullmatch(r"(?:v|v\.|vecka|vecka\.)\s*(\d{1,2})", token)
    if found:
        week = int(found.group(1))
        return PeriodRange(date.fromisocalendar(year, week, 1), date.fromisocalendar(year, week, 7))
    found = re.fullmatch(r"(\d{1,2})\s+([a-zåäö]+)", token)
    if found and found.group(2) in _MONTHS:
        day = date(year, _MONTHS[found.group(2)], int(found.group(1)))
        return PeriodRange(day, day)
    found = re.fullmatch(r"(\d{1,2})/(\d{1,2})", token)
    if found:
        day = date(year, int(found.group(2)), int(found.group(1)))
        return PeriodRange(day, day)
    return None


def suggested_occurrences(performed: Performed, planned: Sequence[str], year: int) -> list[str]:
    """The planned occurrences a performance falls on (what a form ticks for the user)."""
    if not performed.performed:
        return []
    return [code for code in planned if performed.covers(code, year)]
