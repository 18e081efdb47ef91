"""Importing the manager chain from CSV or XLSX: every row checked, then all or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import (
    ManagerAssignment,
    OrgUnit,
    User,
)
from .. import audit_log, spreadsheets
from ..errors import ProblemsError, flush
from .chain import apply_assignment, chain, check_may_be_manager
from .common import (
    SamError,
)


class ManagerImportError(ProblemsError):
    """The chain file cannot be imported; `problems` lists each bad row, column and reason."""


IMPORT_COLUMNS = ("chef", "enheter", "fordelande_chef")
MAX_CHAIN_FILE_BYTES = 5 * 1024 * 1024
MAX_CHAIN_ROWS = 20_000
CHAIN_LIMITS = spreadsheets.Limits(max_bytes=MAX_CHAIN_FILE_BYTES, max_rows=MAX_CHAIN_ROWS,
                                   max_columns=10)
UNIT_SEPARATORS = (";", ",", "\n")


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int


def read_table(filename: str, source: spreadsheets.Source) -> list[spreadsheets.Row]:
    """The rows of a CSV (UTF-8, comma or semicolon) or XLSX file, every cell as text."""
    if not filename.lower().endswith((".csv", ".txt", ".xlsx")):
        raise ManagerImportError([_("Filen måste vara en CSV- eller XLSX-fil (.csv eller .xlsx).")])
    with spreadsheets.Spreadsheet(source, filename, limits=CHAIN_LIMITS,
                                  error=ManagerImportError) as table:
        return list(table.rows())


@dataclass
class _ChainRow:
    line: int
    user: User
    units: list[OrgUnit]
    delegating_email: str


def import_chain(rows: list[spreadsheets.Row]) -> ImportSummary:
    """Create or update the chefs in the file; all or nothing, every bad row reported.

    Columns: chef (e-post), enheter (enhetskoder, separerade med semikolon),
    fordelande_chef (e-post; tom för kedjans topp). Chefs not in the file are kept.
    """
    if not rows:
        raise ManagerImportError([_("Filen är tom.")])
    _number, first, refusals = rows[0]
    if refusals:
        raise ManagerImportError(spreadsheets.cell_problems(1, refusals))
    header = [cell.strip().lower() for cell in first]
    while header and not header[-1]:
        header.pop()
    if tuple(header) != IMPORT_COLUMNS:
        raise ManagerImportError(
            [
                _(
                    "Rad 1: kolumnerna ska vara %(expected)s, men filen har %(found)s.",
                    expected=", ".join(IMPORT_COLUMNS),
                    found=", ".join(header) or _("inga"),
                )
            ]
        )
    users = {user.email: user for user in db.session.scalars(select(User))}
    units = {unit.code.lower(): unit for unit in db.session.scalars(select(OrgUnit))}
    problems: list[str] = []
    parsed: list[_ChainRow] = []
    seen: dict[str, int] = {}
    for line, row, refusals in rows[1:]:
        cells = [cell.strip() for cell in row] + [""] * len(IMPORT_COLUMNS)
        if not any(cells):
            continue
        if refusals:
            problems.extend(spreadsheets.cell_problems(line, refusals, IMPORT_COLUMNS))
            continue
        if any(cells[len(IMPORT_COLUMNS) : len(row)]):
            problems.append(
                _(
                    "Rad %(n)d: raden har fler än %(count)d kolumner.",
                    n=line,
                    count=len(IMPORT_COLUMNS),
                )
            )
            continue
        email, unit_codes, delegating_email = (cells[0].lower(), cells[1], cells[2].lower())
        row_problems = _check_chain_row(line, email, unit_codes, delegating_email, users, units)
        if email and email in seen:
            row_problems.append(
                _(
                    "Rad %(n)d, kolumn chef: %(email)s finns redan på rad %(first)d.",
                    n=line,
                    email=email,
                    first=seen[email],
                )
            )
        seen.setdefault(email, line)
        if row_problems:
            problems.extend(row_problems)
            continue
        parsed.append(
            _ChainRow(
                line, users[email], [units[c.lower()] for c in _codes(unit_codes)], delegating_email
            )
        )
    problems.extend(_check_delegations(parsed, users, seen))
    if problems:
        raise ManagerImportError(problems)
    return _apply_chain_rows(parsed, users)


def _codes(value: str) -> list[str]:
    for separator in UNIT_SEPARATORS[1:]:
        value = value.replace(separator, UNIT_SEPARATORS[0])
    return [code.strip() for code in value.split(UNIT_SEPARATORS[0]) if code.strip()]


def _check_chain_row(
    line: int,
    email: str,
    unit_codes: str,
    delegating_email: str,
    users: dict[str, User],
    units: dict[str, OrgUnit],
) -> list[str]:
    problems: list[str] = []
    if not email:
        problems.append(_("Rad %(n)d, kolumn chef: värdet saknas.", n=line))
    elif email not in users:
        problems.append(
            _("Rad %(n)d, kolumn chef: det finns ingen användare %(email)s.", n=line, email=email)
        )
    else:
        try:
            check_may_be_manager(users[email])
        except SamError as error:
            problems.append(_("Rad %(n)d, kolumn chef: %(reason)s", n=line, reason=error))
    codes = _codes(unit_codes)
    if not codes:
        problems.append(_("Rad %(n)d, kolumn enheter: ange minst en enhetskod.", n=line))
    for code in codes:
        if code.lower() not in units:
            problems.append(
                _(
                    "Rad %(n)d, kolumn enheter: det finns ingen enhet med koden ”%(code)s”.",
                    n=line,
                    code=code,
                )
            )
    if delegating_email and delegating_email == email:
        problems.append(
            _(
                "Rad %(n)d, kolumn fordelande_chef: en chef kan inte vara sin egen fördelande "
                "chef.",
                n=line,
            )
        )
    elif delegating_email and delegating_email not in users:
        problems.append(
            _(
                "Rad %(n)d, kolumn fordelande_chef: det finns ingen användare %(email)s.",
                n=line,
                email=delegating_email,
            )
        )
    return problems


def _check_delegations(
    parsed: list[_ChainRow], users: dict[str, User], in_file: dict[str, int]
) -> list[str]:
    """Each fördelande chef must be in the chain (already or in the file), with no cycle."""
    current = {a.user.email: a for a in chain()}
    above: dict[str, str | None] = {
        email: (a.delegating_assignment.user.email if a.delegating_assignment else None)
        for email, a in current.items()
    }
    for row in parsed:
        above[row.user.email] = row.delegating_email or None
    problems: list[str] = []
    for row in parsed:
        target = row.delegating_email
        if target and target not in in_file and target not in current:
            problems.append(
                _(
                    "Rad %(n)d, kolumn fordelande_chef: %(email)s finns inte i chefskedjan; "
                    "lägg till en rad för hen.",
                    n=row.line,
                    email=target,
                )
            )
            continue
        if target and _reaches(above, target, row.user.email):
            problems.append(
                _(
                    "Rad %(n)d, kolumn fordelande_chef: %(email)s står under %(chef)s i "
                    "chefskedjan; kedjan kan inte gå i cirkel.",
                    n=row.line,
                    email=target,
                    chef=row.user.email,
                )
            )
    return problems


def _reaches(above: dict[str, str | None], start: str, goal: str) -> bool:
    """Walking up from `start` through fördelande chefer, do we meet `goal`?"""
    seen: set[str] = set()
    current: str | None = start
    while current is not None and current not in seen:
        if current == goal:
            return True
        seen.add(current)
        current = above.get(current)
    return False


def _apply_chain_rows(parsed: list[_ChainRow], users: dict[str, User]) -> ImportSummary:
    """Apply checked rows; the chain was validated as a whole, so order does not matter."""
    assignments = {a.user_id: a for a in db.session.scalars(select(ManagerAssignment))}
    created = 0
    for row in parsed:  # every chef exists before anyone points at them
        if row.user.id not in assignments or assignments[row.user.id].archived_at is not None:
            created += 1
        if row.user.id not in assignments:
            assignments[row.user.id] = ManagerAssignment(user=row.user)
            db.session.add(assignments[row.user.id])
    flush()
    for row in parsed:
        delegating = assignments[users[row.delegating_email].id] if row.delegating_email else None
        apply_assignment(assignments[row.user.id], row.units, delegating, source="import")
    audit_log.record("sam_managers_imported", created=created, updated=len(parsed) - created)
    return ImportSummary(created=created, updated=len(parsed) - created)
