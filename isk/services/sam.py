"""SAM: the manager chain, the annual rounds, each chef's follow-up, the overview and reminders.

Service functions check the rule, change the data, flush and write the audit entry; the
caller commits once. The one exception is `send_reminders`: a sent mail cannot be rolled
back, so it commits each claim before the mail goes out (see SamReminder).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from .. import permissions
from ..extensions import db
from ..models import (
    AnswerValue,
    FollowUpStatus,
    ManagerAssignment,
    ManagerUnit,
    OrgUnit,
    ReminderKind,
    RoundStatus,
    SamAnswer,
    SamFollowUp,
    SamQuestion,
    SamReminder,
    SamReturn,
    SamRound,
    User,
)
from ..models.types import utcnow
from . import audit_log, mail, xlsx
from .exports import set_text_cell

# The annual follow-up every chef answers (DOMAIN.md: SAM); editable per round.
DEFAULT_QUESTIONS = (
    _l("Arbetsmiljöuppgifterna är fördelade till mig skriftligen och jag har förstått dem."),
    _l(
        "Jag har tillräckliga kunskaper och resurser (befogenheter, tid, ekonomi) för att "
        "utföra arbetsmiljöuppgifterna."
    ),
    _l("Riskerna i arbetsmiljön har undersökts och bedömts under året."),
    _l("Åtgärder har vidtagits och följts upp i en handlingsplan."),
    _l("Tillbud och arbetsskador har rapporterats och hanterats."),
    _l("Arbetsmiljöarbetet har bedrivits i samverkan med skyddsombud."),
    _l(
        "Jag vet vad som behöver förbättras i arbetsmiljöarbetet nästa år "
        "(beskriv det i kommentaren)."
    ),
)
MAX_QUESTIONS = 40
MAX_QUESTION_LENGTH = 1000
MAX_COMMENT_LENGTH = 4000
NEEDS_COMMENT = frozenset({AnswerValue.PARTLY, AnswerValue.NO})
TARGET_SHARE = 0.9  # "andel chefer som svarat på årlig uppföljning av SAM": 90-100 %
REMINDER_DAYS_BEFORE_DUE = 7
# A claim this old without a sent mail was abandoned (the run died); the next run retries.
ABANDONED_CLAIM = timedelta(hours=1)
LOCAL_TIME = ZoneInfo("Europe/Stockholm")


class SamError(ValueError):
    """A SAM rule was broken; the message is for the user, `status` the HTTP answer."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class SamConflict(SamError):
    """The object changed since the user loaded it, or its state no longer allows the change."""

    status = 409


class ManagerImportError(ValueError):
    """The chain file cannot be imported; `problems` lists each bad row, column and reason."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def today() -> date:
    """Today in Sweden: due dates are calendar days where the chefs are."""
    return datetime.now(LOCAL_TIME).date()


def check_version(obj: SamFollowUp | SamRound | ManagerAssignment, expected: int | None) -> None:
    """Refuse a change made on an out-of-date page (the form carries the version it showed)."""
    if expected is not None and obj.version_id != expected:
        raise SamConflict(
            _(
                "Uppgifterna har ändrats av någon annan sedan du öppnade sidan. "
                "Ladda om sidan, kontrollera ändringen och försök igen."
            )
        )


def flush() -> None:
    """Flush, turning a concurrent update (version mismatch in the database) into SamConflict."""
    try:
        db.session.flush()
    except StaleDataError as error:
        raise SamConflict(
            _(
                "Uppgifterna ändrades av någon annan samtidigt. "
                "Ladda om sidan, kontrollera ändringen och försök igen."
            )
        ) from error


# --- The manager chain -------------------------------------------------------------------


def chain() -> Sequence[ManagerAssignment]:
    """The live manager chain with people and units, in a fixed number of queries."""
    return db.session.scalars(
        select(ManagerAssignment)
        .join(ManagerAssignment.user)
        .where(ManagerAssignment.archived_at.is_(None))
        .options(
            selectinload(ManagerAssignment.user).selectinload(User.org_unit),
            selectinload(ManagerAssignment.delegating_manager).selectinload(ManagerAssignment.user),
            selectinload(ManagerAssignment.units).selectinload(ManagerUnit.org_unit),
        )
        .order_by(User.name)
    ).all()


def load_assignment(assignment_id: int) -> ManagerAssignment | None:
    return db.session.scalar(
        select(ManagerAssignment).where(
            ManagerAssignment.id == assignment_id, ManagerAssignment.archived_at.is_(None)
        )
    )


def assignment_for(user: User) -> ManagerAssignment | None:
    return db.session.scalar(select(ManagerAssignment).where(ManagerAssignment.user_id == user.id))


def check_may_be_chef(user: User) -> None:
    if not user.is_active:
        raise SamError(
            _("%(name)s är inaktiverad och kan inte ingå i chefskedjan.", name=user.name)
        )
    if not permissions.has_permission(user, permissions.Permission.RESPOND_SAM):
        raise SamError(
            _(
                "%(name)s har rollen %(role)s; bara användare som kan svara på SAM-uppföljningen "
                "(till exempel rollen Chef) kan ingå i chefskedjan.",
                name=user.name,
                role=user.role.label,
            )
        )


def _creates_cycle(assignment: ManagerAssignment | None, delegating: ManagerAssignment) -> bool:
    """Would `delegating` (or someone above it) be the chef themselves?"""
    seen: set[int] = set()
    current: ManagerAssignment | None = delegating
    while current is not None and current.id not in seen:
        if assignment is not None and current.id == assignment.id:
            return True
        seen.add(current.id)
        current = current.delegating_manager
    return current is not None  # an existing loop further up


def save_assignment(
    user: User,
    units: Iterable[OrgUnit],
    delegating: ManagerAssignment | None,
    *,
    expected_version: int | None = None,
) -> ManagerAssignment:
    """Put a chef in the chain (or change their units and fördelande chef).

    A changed fördelande chef also takes over the chef's follow-ups that are not yet
    avstämda in open rounds, so that nothing waits for someone who no longer confirms.
    """
    check_may_be_chef(user)
    chosen = {unit.id: unit for unit in units}
    if not chosen:
        raise SamError(_("Ange minst en enhet som chefen leder."), "units")
    assignment = assignment_for(user)
    if assignment is not None:
        check_version(assignment, expected_version)
    if delegating is not None:
        if delegating.archived_at is not None:
            raise SamError(_("Den fördelande chefen finns inte i chefskedjan."), "delegating")
        if delegating.user_id == user.id:
            raise SamError(_("En chef kan inte vara sin egen fördelande chef."), "delegating")
        if _creates_cycle(assignment, delegating):
            raise SamError(
                _(
                    "%(name)s står redan under %(chef)s i chefskedjan; kedjan kan inte gå i "
                    "cirkel.",
                    name=delegating.user.name,
                    chef=user.name,
                ),
                "delegating",
            )
    if assignment is None:
        assignment = ManagerAssignment(user=user)
        db.session.add(assignment)
    _apply_assignment(assignment, list(chosen.values()), delegating)
    return assignment


def _apply_assignment(
    assignment: ManagerAssignment,
    units: list[OrgUnit],
    delegating: ManagerAssignment | None,
    **audit: object,
) -> None:
    """Set the units and fördelande chef (already checked), and record it."""
    before = assignment.delegating_manager
    previous = before.user_id if before is not None and assignment.id is not None else None
    assignment.archived_at = None
    assignment.delegating_manager = delegating
    assignment.updated_at = utcnow()
    _sync_units(assignment, {unit.id: unit for unit in units})
    flush()
    now_delegating = delegating.user_id if delegating else None
    if previous != now_delegating:
        _reassign_open_follow_ups(assignment.user, now_delegating)
    audit_log.record(
        "sam_manager_saved",
        assignment,
        chef=assignment.user.email,
        units=sorted(unit.code for unit in units),
        delegating_manager=delegating.user.email if delegating else None,
        **audit,
    )


def _sync_units(assignment: ManagerAssignment, chosen: dict[int, OrgUnit]) -> None:
    now = utcnow()
    existing = {link.org_unit_id: link for link in assignment.units}
    for unit_id, link in existing.items():
        if unit_id in chosen:
            link.archived_at = None
        elif link.archived_at is None:
            link.archived_at = now
    for unit_id, unit in chosen.items():
        if unit_id not in existing:
            db.session.add(ManagerUnit(assignment=assignment, org_unit=unit))


def _reassign_open_follow_ups(chef: User, delegating_user_id: int | None) -> None:
    open_follow_ups = db.session.scalars(
        select(SamFollowUp)
        .join(SamFollowUp.round)
        .where(
            SamFollowUp.chef_id == chef.id,
            SamFollowUp.status != FollowUpStatus.CONFIRMED,
            SamRound.status == RoundStatus.OPEN,
        )
    ).all()
    for follow_up in open_follow_ups:
        follow_up.delegating_manager_id = delegating_user_id
    flush()


def archive_assignment(
    assignment: ManagerAssignment, *, expected_version: int | None = None
) -> None:
    """Take a chef out of the chain; refused while other chefs report to them."""
    check_version(assignment, expected_version)
    reporting = [other.user.name for other in assignment.delegated_to if other.archived_at is None]
    if reporting:
        raise SamConflict(
            _(
                "%(name)s är fördelande chef för %(others)s. Ge dem en annan fördelande chef "
                "först.",
                name=assignment.user.name,
                others=", ".join(sorted(reporting)),
            )
        )
    assignment.archived_at = utcnow()
    flush()
    audit_log.record("sam_manager_archived", assignment, chef=assignment.user.email)


# --- Importing the chain (CSV or XLSX) ---------------------------------------------------

IMPORT_COLUMNS = ("chef", "enheter", "fordelande_chef")
MAX_CHAIN_FILE_BYTES = 5 * 1024 * 1024
UNIT_SEPARATORS = (";", ",", "\n")


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int


def read_table(filename: str, content: bytes) -> list[list[str]]:
    """The rows of a CSV (UTF-8, comma or semicolon) or XLSX file, every cell as text."""
    if len(content) > MAX_CHAIN_FILE_BYTES:
        raise ManagerImportError([_("Filen är för stor: högst %(max)s MB tas emot.",
                                    max=MAX_CHAIN_FILE_BYTES // 1024 // 1024)])
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(content)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _read_csv(content)
    raise ManagerImportError([_("Filen måste vara en CSV- eller XLSX-fil (.csv eller .xlsx).")])


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ManagerImportError(
            [_("Filen är inte UTF-8-kodad. Spara den som ”CSV UTF-8” och försök igen.")]
        ) from error
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = []
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        if len(rows) > MAX_CHAIN_ROWS:
            raise ManagerImportError([_("Filen har fler än %(n)d rader.", n=MAX_CHAIN_ROWS)])
        rows.append(list(row))
    return rows


MAX_CHAIN_ROWS = 20_000


def _read_xlsx(content: bytes) -> list[list[str]]:
    try:
        workbook = xlsx.open_workbook(content)
    except xlsx.UnsafeWorkbook as error:
        raise ManagerImportError(
            [_("Filen kunde inte läsas som en XLSX-arbetsbok (Excel).")]
        ) from error
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in xlsx.sheet_rows(sheet, max_col=10):
            if len(rows) > MAX_CHAIN_ROWS:
                raise ManagerImportError(
                    [_("Filen har fler än %(n)d rader.", n=MAX_CHAIN_ROWS)])
            rows.append(["" if cell.value is None else str(cell.value).strip() for cell in row])
        return rows
    finally:
        workbook.close()


@dataclass
class _ChainRow:
    line: int
    user: User
    units: list[OrgUnit]
    delegating_email: str


def import_chain(rows: list[list[str]]) -> ImportSummary:
    """Create or update the chefs in the file; all or nothing, every bad row reported.

    Columns: chef (e-post), enheter (enhetskoder, separerade med semikolon),
    fordelande_chef (e-post; tom för kedjans topp). Chefs not in the file are kept.
    """
    if not rows:
        raise ManagerImportError([_("Filen är tom.")])
    header = [cell.strip().lower() for cell in rows[0]]
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
    for line, row in enumerate(rows[1:], start=2):
        cells = [cell.strip() for cell in row] + [""] * len(IMPORT_COLUMNS)
        if not any(cells):
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
            check_may_be_chef(users[email])
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
        email: (a.delegating_manager.user.email if a.delegating_manager else None)
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
        _apply_assignment(assignments[row.user.id], row.units, delegating, source="import")
    audit_log.record("sam_managers_imported", created=created, updated=len(parsed) - created)
    return ImportSummary(created=created, updated=len(parsed) - created)


# --- Rounds ------------------------------------------------------------------------------


def clean_questions(texts: Iterable[str]) -> list[str]:
    """The checklist as given, one point per line; refuse an empty, too long or repeated list."""
    questions = [" ".join(text.split()) for text in texts]
    questions = [text for text in questions if text]
    if not questions:
        raise SamError(_("Ange minst en fråga i checklistan."), "questions")
    if len(questions) > MAX_QUESTIONS:
        raise SamError(_("Checklistan får ha högst %(n)d frågor.", n=MAX_QUESTIONS), "questions")
    for number, text in enumerate(questions, start=1):
        if len(text) > MAX_QUESTION_LENGTH:
            raise SamError(
                _(
                    "Fråga %(n)d är för lång (högst %(max)d tecken).",
                    n=number,
                    max=MAX_QUESTION_LENGTH,
                ),
                "questions",
            )
        if text in questions[: number - 1]:
            raise SamError(
                _("Fråga %(n)d finns redan tidigare i checklistan.", n=number), "questions"
            )
    return questions


def chefs_in(unit: OrgUnit) -> list[tuple[ManagerAssignment, OrgUnit]]:
    """Each live chef who leads a unit in this part of the organisation, with their top unit."""
    links = db.session.scalars(
        select(ManagerUnit)
        .join(ManagerUnit.assignment)
        .join(ManagerUnit.org_unit)
        .where(
            ManagerUnit.archived_at.is_(None),
            ManagerAssignment.archived_at.is_(None),
            OrgUnit.path.startswith(unit.path),
        )
        .options(
            selectinload(ManagerUnit.org_unit),
            selectinload(ManagerUnit.assignment).selectinload(ManagerAssignment.user),
            selectinload(ManagerUnit.assignment).selectinload(ManagerAssignment.delegating_manager),
        )
    ).all()
    top: dict[int, tuple[ManagerAssignment, OrgUnit]] = {}
    for link in links:
        user = link.assignment.user
        if not user.is_active or not permissions.has_permission(
            user, permissions.Permission.RESPOND_SAM
        ):
            continue  # a follow-up nobody can answer would only count against the target
        held = top.get(link.assignment_id)
        key = (link.org_unit.path.count("/"), link.org_unit.name)
        if held is None or key < (held[1].path.count("/"), held[1].name):
            top[link.assignment_id] = (link.assignment, link.org_unit)
    return sorted(top.values(), key=lambda pair: (pair[1].path, pair[0].user.name))


def start_round(
    unit: OrgUnit, year: int, due_on: date, questions: Iterable[str], *, started_by: User | None
) -> SamRound:
    """Start the annual follow-up for a part of the organisation: one follow-up per chef."""
    texts = clean_questions(questions)
    if not 2000 <= year <= 2100:
        raise SamError(_("Ange ett år mellan 2000 och 2100."), "year")
    if due_on < today():
        raise SamError(_("Sista dag för svar har redan passerat."), "due_on")
    overlapping = db.session.scalar(
        select(SamRound)
        .join(SamRound.org_unit)
        .where(
            SamRound.year == year,
            SamRound.archived_at.is_(None),
            or_(
                OrgUnit.path.startswith(unit.path),
                func.substr(unit.path, 1, func.length(OrgUnit.path)) == OrgUnit.path,
            ),
        )
        .options(selectinload(SamRound.org_unit))
    )
    if overlapping is not None:
        raise SamError(
            _(
                "Det finns redan en SAM-runda %(year)d för %(unit)s, som överlappar "
                "%(chosen)s. En chef följer upp en gång per år.",
                year=year,
                unit=overlapping.org_unit.name,
                chosen=unit.name,
            ),
            "org_unit",
        )
    chefs = chefs_in(unit)
    if not chefs:
        raise SamError(
            _(
                "Det finns inga chefer i chefskedjan för %(unit)s. Lägg in chefer och deras "
                "enheter först.",
                unit=unit.name,
            ),
            "org_unit",
        )
    already = set(db.session.scalars(
        select(SamFollowUp.chef_id).join(SamFollowUp.round)
        .where(SamRound.year == year, SamRound.archived_at.is_(None))
    ))
    chefs = [(assignment, top) for assignment, top in chefs if assignment.user_id not in already]
    if not chefs:
        raise SamError(_("Alla chefer i %(unit)s följs redan upp i en annan SAM-runda %(year)d.",
                         unit=unit.name, year=year), "org_unit")
    sam_round = SamRound(org_unit=unit, year=year, due_on=due_on, started_by=started_by)
    db.session.add(sam_round)
    for position, text in enumerate(texts):
        db.session.add(SamQuestion(round=sam_round, position=position, text=text))
    for assignment, top_unit in chefs:
        delegating = assignment.delegating_manager
        db.session.add(
            SamFollowUp(
                round=sam_round,
                chef=assignment.user,
                delegating_manager_id=(
                    delegating.user_id
                    if delegating is not None and delegating.archived_at is None
                    else None
                ),
                org_unit=top_unit,
                due_on=due_on,
            )
        )
    flush()
    audit_log.record(
        "sam_round_started",
        sam_round,
        actor=started_by,
        year=year,
        org_unit=unit.code,
        due_on=due_on.isoformat(),
        follow_ups=len(chefs),
        questions=len(texts),
    )
    return sam_round


def replace_questions(
    sam_round: SamRound, texts: Iterable[str], *, expected_version: int | None = None
) -> None:
    """Change the checklist; allowed until the first chef has saved answers."""
    check_version(sam_round, expected_version)
    if not sam_round.is_open:
        raise SamConflict(_("Rundan är avslutad och kan inte ändras."))
    answered = db.session.scalar(
        select(func.count(SamAnswer.id))
        .join(SamAnswer.follow_up)
        .where(SamFollowUp.round_id == sam_round.id)
    )
    if answered:
        raise SamConflict(
            _(
                "Frågorna kan inte ändras längre: chefer har redan börjat svara. "
                "Starta nästa års runda med de nya frågorna."
            )
        )
    new_texts = clean_questions(texts)
    old_texts = [question.text for question in sam_round.live_questions]
    now = utcnow()
    for question in sam_round.live_questions:
        question.archived_at = now
    for position, text in enumerate(new_texts):
        db.session.add(SamQuestion(round=sam_round, position=position, text=text))
    sam_round.updated_at = now
    flush()
    audit_log.record("sam_questions_changed", sam_round, before=old_texts, after=new_texts)


def close_round(sam_round: SamRound, *, expected_version: int | None = None) -> None:
    """Avsluta: the follow-ups are frozen as they stand, and no more reminders go out."""
    check_version(sam_round, expected_version)
    if not sam_round.is_open:
        raise SamConflict(_("Rundan är redan avslutad."))
    sam_round.status = RoundStatus.CLOSED
    sam_round.closed_at = utcnow()
    flush()
    audit_log.record("sam_round_closed", sam_round)


def rounds_visible_to(user: User) -> Sequence[SamRound]:
    """Rounds whose overview the user may read (all or part of), newest first."""
    query = (
        select(SamRound)
        .join(SamRound.org_unit)
        .where(SamRound.archived_at.is_(None))
        .options(selectinload(SamRound.org_unit))
        .order_by(SamRound.year.desc(), OrgUnit.name)
    )
    if not user.is_region_wide:
        if user.org_unit is None:
            return []
        mine = user.org_unit.path
        query = query.where(
            or_(
                OrgUnit.path.startswith(mine),
                func.substr(mine, 1, func.length(OrgUnit.path)) == OrgUnit.path,
            )
        )
    return db.session.scalars(query).all()


def load_round(round_id: int) -> SamRound | None:
    return db.session.scalar(
        select(SamRound)
        .where(SamRound.id == round_id, SamRound.archived_at.is_(None))
        .options(selectinload(SamRound.org_unit), selectinload(SamRound.questions))
    )


# --- A chef's follow-up ------------------------------------------------------------------


def load_follow_up(follow_up_id: int) -> SamFollowUp | None:
    """A follow-up with everything its page shows, in a fixed number of queries."""
    return db.session.scalar(
        select(SamFollowUp)
        .where(SamFollowUp.id == follow_up_id)
        .options(
            selectinload(SamFollowUp.round).selectinload(SamRound.questions),
            selectinload(SamFollowUp.round).selectinload(SamRound.org_unit),
            selectinload(SamFollowUp.answers),
            selectinload(SamFollowUp.returns).selectinload(SamReturn.created_by),
            selectinload(SamFollowUp.chef),
            selectinload(SamFollowUp.delegating_manager),
            selectinload(SamFollowUp.org_unit),
            selectinload(SamFollowUp.acknowledged_by),
            selectinload(SamFollowUp.confirmed_by),
            selectinload(SamFollowUp.sent_back_by),
        )
    )


def is_editable(follow_up: SamFollowUp) -> bool:
    return follow_up.round.is_open and not follow_up.status.is_acknowledged


def _check_editable(follow_up: SamFollowUp) -> None:
    if not follow_up.round.is_open:
        raise SamConflict(_("Rundan är avslutad; uppföljningen kan inte ändras."))
    if follow_up.status.is_acknowledged:
        raise SamConflict(
            _(
                "Uppföljningen är kvitterad och svaren är låsta. Be din fördelande chef att "
                "skicka tillbaka den om något behöver ändras."
            )
        )


@dataclass(frozen=True)
class AnswerInput:
    value: AnswerValue | None
    comment: str


def save_answers(
    follow_up: SamFollowUp,
    answers: dict[int, AnswerInput],
    *,
    expected_version: int | None = None,
) -> None:
    """Save the chef's answers: every point ja, delvis or nej; delvis and nej need a comment."""
    _check_editable(follow_up)
    check_version(follow_up, expected_version)
    questions = follow_up.round.live_questions
    for number, question in enumerate(questions, start=1):
        given = answers.get(question.id)
        if given is None or given.value is None:
            raise SamError(
                _("Svara ja, delvis eller nej på fråga %(n)d.", n=number), f"q{question.id}"
            )
        if given.value in NEEDS_COMMENT and not given.comment.strip():
            raise SamError(
                _(
                    "Fråga %(n)d: beskriv i kommentaren vad som saknas när svaret är %(answer)s.",
                    n=number,
                    answer=given.value.label.lower(),
                ),
                f"q{question.id}",
            )
        if len(given.comment) > MAX_COMMENT_LENGTH:
            raise SamError(
                _(
                    "Fråga %(n)d: kommentaren får vara högst %(max)d tecken.",
                    n=number,
                    max=MAX_COMMENT_LENGTH,
                ),
                f"q{question.id}",
            )
    existing = {answer.question_id: answer for answer in follow_up.answers}
    changed = 0
    for question in questions:
        given = answers[question.id]
        comment = given.comment.strip()
        answer = existing.get(question.id)
        if answer is None:
            db.session.add(
                SamAnswer(
                    follow_up=follow_up, question=question, value=given.value, comment=comment
                )
            )
            changed += 1
        elif (answer.value, answer.comment) != (given.value, comment):
            answer.value, answer.comment = given.value, comment
            changed += 1
    now = utcnow()
    follow_up.answered_at = now
    follow_up.updated_at = now
    if follow_up.status is FollowUpStatus.NOT_STARTED:
        follow_up.status = FollowUpStatus.ANSWERED
    flush()
    audit_log.record("sam_answers_saved", follow_up, changed=changed)


def add_return(
    follow_up: SamFollowUp,
    task: str,
    reason: str,
    *,
    by: User,
    expected_version: int | None = None,
) -> SamReturn:
    """Returnering: hand a task back to the fördelande chef, saying why it cannot be done."""
    _check_editable(follow_up)
    check_version(follow_up, expected_version)
    task, reason = " ".join(task.split()), reason.strip()
    if not task:
        raise SamError(_("Ange vilken arbetsmiljöuppgift du returnerar."), "task")
    if len(task) > 500:
        raise SamError(_("Uppgiften får vara högst 500 tecken."), "task")
    if not reason:
        raise SamError(_("Ange skälet till returneringen, till exempel vad som saknas."), "reason")
    if len(reason) > MAX_COMMENT_LENGTH:
        raise SamError(_("Skälet får vara högst %(max)d tecken.", max=MAX_COMMENT_LENGTH), "reason")
    returned = SamReturn(follow_up=follow_up, task=task, reason=reason, created_by=by)
    db.session.add(returned)
    follow_up.updated_at = utcnow()
    flush()
    audit_log.record("sam_task_returned", follow_up, actor=by, task=task, return_id=returned.id)
    return returned


def withdraw_return(
    follow_up: SamFollowUp, returned: SamReturn, *, expected_version: int | None = None
) -> None:
    """Take back a returnering before kvittering (it is kept, marked as withdrawn)."""
    _check_editable(follow_up)
    check_version(follow_up, expected_version)
    if returned.follow_up_id != follow_up.id or returned.archived_at is not None:
        raise SamConflict(_("Returneringen finns inte längre."))
    returned.archived_at = utcnow()
    follow_up.updated_at = returned.archived_at
    flush()
    audit_log.record("sam_return_withdrawn", follow_up, task=returned.task, return_id=returned.id)


def acknowledge(follow_up: SamFollowUp, *, by: User, expected_version: int | None = None) -> None:
    """Kvittera: the chef signs the answers; from now on they are frozen."""
    _check_editable(follow_up)
    check_version(follow_up, expected_version)
    answered = {answer.question_id for answer in follow_up.answers}
    missing = [
        number
        for number, question in enumerate(follow_up.round.live_questions, start=1)
        if question.id not in answered
    ]
    if missing:
        raise SamError(
            _(
                "Svara på alla frågor och spara innan du kvitterar (saknas: fråga %(numbers)s).",
                numbers=", ".join(str(n) for n in missing),
            )
        )
    now = utcnow()
    follow_up.status = FollowUpStatus.ACKNOWLEDGED
    follow_up.acknowledged_at = now
    follow_up.acknowledged_by = by
    follow_up.updated_at = now
    flush()
    audit_log.record(
        "sam_follow_up_acknowledged",
        follow_up,
        actor=by,
        returns=len(follow_up.live_returns),
        answers={str(a.question_id): a.value.value for a in follow_up.answers},
    )


def _check_reviewable(follow_up: SamFollowUp) -> None:
    if not follow_up.round.is_open:
        raise SamConflict(_("Rundan är avslutad; uppföljningen kan inte ändras."))
    if follow_up.status is not FollowUpStatus.ACKNOWLEDGED:
        raise SamConflict(
            _(
                "Bara en kvitterad uppföljning kan stämmas av eller skickas tillbaka "
                "(den är nu %(status)s).",
                status=follow_up.status.label.lower(),
            )
        )


def confirm(follow_up: SamFollowUp, *, by: User, expected_version: int | None = None) -> None:
    """Avstämd: the fördelande chef has reviewed the follow-up and agrees."""
    _check_reviewable(follow_up)
    check_version(follow_up, expected_version)
    now = utcnow()
    follow_up.status = FollowUpStatus.CONFIRMED
    follow_up.confirmed_at = now
    follow_up.confirmed_by = by
    follow_up.updated_at = now
    flush()
    audit_log.record("sam_follow_up_confirmed", follow_up, actor=by, chef=follow_up.chef.email)


def send_back(
    follow_up: SamFollowUp, comment: str, *, by: User, expected_version: int | None = None
) -> None:
    """Återsänd: the fördelande chef asks the chef to complete or change the answers."""
    _check_reviewable(follow_up)
    check_version(follow_up, expected_version)
    comment = comment.strip()
    if not comment:
        raise SamError(_("Skriv vad chefen behöver komplettera eller ändra."), "comment")
    if len(comment) > MAX_COMMENT_LENGTH:
        raise SamError(
            _("Kommentaren får vara högst %(max)d tecken.", max=MAX_COMMENT_LENGTH), "comment"
        )
    now = utcnow()
    follow_up.status = FollowUpStatus.SENT_BACK
    # The chef acknowledges again after completing; the earlier one stays in the audit log.
    follow_up.acknowledged_at = None
    follow_up.acknowledged_by = None
    follow_up.sent_back_at = now
    follow_up.sent_back_by = by
    follow_up.sent_back_comment = comment
    follow_up.updated_at = now
    flush()
    audit_log.record("sam_follow_up_sent_back", follow_up, actor=by, comment=comment)


@dataclass(frozen=True)
class Inbox:
    """What a person has to do in SAM: their own follow-ups, and those waiting for them."""

    own: Sequence[SamFollowUp]
    to_confirm: Sequence[SamFollowUp]

    def __bool__(self) -> bool:
        return bool(self.own or self.to_confirm)


def inbox(user: User) -> Inbox:
    """Open follow-ups the user answers, and kvitterade ones the user stämmer av."""
    if not permissions.has_permission(user, permissions.Permission.RESPOND_SAM):
        return Inbox([], [])
    options = (
        selectinload(SamFollowUp.round).selectinload(SamRound.org_unit),
        selectinload(SamFollowUp.chef),
        selectinload(SamFollowUp.org_unit),
    )
    base = (
        select(SamFollowUp)
        .join(SamFollowUp.round)
        .where(SamRound.status == RoundStatus.OPEN, SamRound.archived_at.is_(None))
        .options(*options)
        .order_by(SamFollowUp.due_on, SamFollowUp.id)
    )
    own = db.session.scalars(
        base.where(
            SamFollowUp.chef_id == user.id,
            SamFollowUp.status.not_in([FollowUpStatus.ACKNOWLEDGED, FollowUpStatus.CONFIRMED]),
        )
    ).all()
    waiting = base.where(
        SamFollowUp.status == FollowUpStatus.ACKNOWLEDGED, SamFollowUp.chef_id != user.id
    )
    if permissions.has_permission(user, permissions.Permission.MANAGE_SAM):
        waiting = waiting.where(
            or_(
                SamFollowUp.delegating_manager_id == user.id,
                SamFollowUp.delegating_manager_id.is_(None),
            )
        )
    else:
        waiting = waiting.where(SamFollowUp.delegating_manager_id == user.id)
    to_confirm = [
        follow_up
        for follow_up in db.session.scalars(waiting).all()
        if permissions.may_confirm_follow_up(user, follow_up)
    ]
    return Inbox(own, to_confirm)


# --- The overview ------------------------------------------------------------------------


@dataclass
class UnitRow:
    """One org unit's counts, including every unit below it."""

    unit: OrgUnit
    depth: int
    total: int = 0
    answered: int = 0
    acknowledged: int = 0
    confirmed: int = 0
    overdue: int = 0

    def share(self, count: int) -> float | None:
        return count / self.total if self.total else None

    @property
    def answered_share(self) -> float | None:
        return self.share(self.answered)

    @property
    def acknowledged_share(self) -> float | None:
        return self.share(self.acknowledged)

    @property
    def confirmed_share(self) -> float | None:
        return self.share(self.confirmed)

    @property
    def meets_target(self) -> bool:
        return self.answered_share is not None and self.answered_share >= TARGET_SHARE


@dataclass(frozen=True)
class Concern:
    """An answer delvis or nej: input to the follow-up of the HR risk."""

    follow_up: SamFollowUp
    number: int
    question: SamQuestion
    answer: SamAnswer


@dataclass
class Overview:
    round: SamRound
    unit: OrgUnit
    today: date
    rows: list[UnitRow]
    follow_ups: list[SamFollowUp]
    overdue: list[SamFollowUp] = field(default_factory=list)
    concerns: list[Concern] = field(default_factory=list)
    returns: list[SamReturn] = field(default_factory=list)

    @property
    def total(self) -> UnitRow:
        return self.rows[0]


def build_overview(sam_round: SamRound, unit: OrgUnit, when: date | None = None) -> Overview:
    """Shares per org unit, the overdue list and the delvis/nej answers, for `unit` and below.

    Loads in a fixed number of queries whatever the size of the round.
    """
    when = when or today()
    units = db.session.scalars(
        select(OrgUnit).where(OrgUnit.path.startswith(unit.path)).order_by(OrgUnit.path)
    ).all()
    follow_ups = db.session.scalars(
        select(SamFollowUp)
        .join(SamFollowUp.org_unit)
        .join(SamFollowUp.chef)
        .where(SamFollowUp.round_id == sam_round.id, OrgUnit.path.startswith(unit.path))
        .options(
            selectinload(SamFollowUp.round),
            selectinload(SamFollowUp.chef),
            selectinload(SamFollowUp.org_unit),
            selectinload(SamFollowUp.delegating_manager),
            selectinload(SamFollowUp.answers),
            selectinload(SamFollowUp.returns),
        )
        .order_by(OrgUnit.path, User.name)
    ).all()
    rows = {u.id: UnitRow(u, u.path.count("/") - unit.path.count("/")) for u in units}
    for follow_up in follow_ups:
        overdue = follow_up.is_overdue(when)
        # The unit's path lists it and every unit above it ("/1/4/9/").
        for unit_id in follow_up.org_unit.path.strip("/").split("/"):
            row = rows.get(int(unit_id))
            if row is not None:
                row.total += 1
                row.answered += follow_up.status.is_answered
                row.acknowledged += follow_up.status.is_acknowledged
                row.confirmed += follow_up.status is FollowUpStatus.CONFIRMED
                row.overdue += overdue
    questions = sam_round.live_questions
    numbers = {question.id: number for number, question in enumerate(questions, start=1)}
    by_id = {question.id: question for question in questions}
    concerns = [
        Concern(follow_up, numbers[answer.question_id], by_id[answer.question_id], answer)
        for follow_up in follow_ups
        if follow_up.status.is_acknowledged
        for answer in follow_up.answers
        if answer.value in NEEDS_COMMENT and answer.question_id in by_id
    ]
    concerns.sort(key=lambda c: (c.number, c.follow_up.org_unit.path, c.follow_up.chef.name))
    return Overview(
        round=sam_round,
        unit=unit,
        today=when,
        rows=[row for row in rows.values() if row.total or row.unit.id == unit.id],
        follow_ups=list(follow_ups),
        overdue=[f for f in follow_ups if f.is_overdue(when)],
        concerns=concerns,
        returns=[
            returned
            for follow_up in follow_ups
            if follow_up.status.is_acknowledged
            for returned in follow_up.live_returns
        ],
    )


# --- Reminders ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderDraft:
    """Everything one reminder mail needs, read before the sending starts."""

    follow_up_id: int
    kind: ReminderKind
    recipient: str
    chef_name: str
    year: int
    unit_name: str
    due_on: date
    delegating_name: str | None


@dataclass
class ReminderReport:
    sent: list[ReminderDraft] = field(default_factory=list)
    failed: list[tuple[ReminderDraft, str]] = field(default_factory=list)


def due_reminders(when: date, days_before: int = REMINDER_DAYS_BEFORE_DUE) -> list[ReminderDraft]:
    """Follow-ups not yet kvitterade that are due within `days_before` days, or overdue.

    One reminder of each kind per follow-up: "due" in the days before the last day,
    "overdue" once the last day has passed (a chef first reminded late gets only that one).
    """
    follow_ups = db.session.scalars(
        select(SamFollowUp)
        .join(SamFollowUp.round)
        .join(SamFollowUp.chef)
        .where(
            SamRound.status == RoundStatus.OPEN,
            SamRound.archived_at.is_(None),
            SamFollowUp.status.not_in([FollowUpStatus.ACKNOWLEDGED, FollowUpStatus.CONFIRMED]),
            SamFollowUp.due_on <= when + timedelta(days=days_before),
            User.active.is_(True),
            User.archived_at.is_(None),
        )
        .options(
            selectinload(SamFollowUp.round),
            selectinload(SamFollowUp.chef),
            selectinload(SamFollowUp.org_unit),
            selectinload(SamFollowUp.delegating_manager),
        )
        .order_by(SamFollowUp.id)
    ).all()
    sent = {
        (follow_up_id, kind)
        for follow_up_id, kind in db.session.execute(
            select(SamReminder.follow_up_id, SamReminder.kind).where(
                SamReminder.sent_at.is_not(None),
                SamReminder.follow_up_id.in_([f.id for f in follow_ups]),
            )
        )
    }
    drafts = []
    for follow_up in follow_ups:
        kind = ReminderKind.OVERDUE if follow_up.due_on < when else ReminderKind.DUE
        if (follow_up.id, kind) in sent:
            continue
        drafts.append(
            ReminderDraft(
                follow_up_id=follow_up.id,
                kind=kind,
                recipient=follow_up.chef.email,
                chef_name=follow_up.chef.name,
                year=follow_up.round.year,
                unit_name=follow_up.org_unit.name,
                due_on=follow_up.due_on,
                delegating_name=(
                    follow_up.delegating_manager.name if follow_up.delegating_manager else None
                ),
            )
        )
    return drafts


def _claim(draft: ReminderDraft) -> SamReminder | None:
    """Take the right to send this reminder; None if another run has it or it was sent.

    The unique (follow-up, kind) row is the lock, committed before the mail goes out, so two
    runs (even at the same moment) never both send.
    """
    now = utcnow()
    existing = db.session.scalar(
        select(SamReminder).where(
            SamReminder.follow_up_id == draft.follow_up_id, SamReminder.kind == draft.kind
        )
    )
    if existing is None:
        claim = SamReminder(
            follow_up_id=draft.follow_up_id,
            kind=draft.kind,
            recipient=draft.recipient,
            claimed_at=now,
            attempts=1,
        )
        db.session.add(claim)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return None
        return claim
    taken = db.session.execute(
        update(SamReminder)
        .where(
            SamReminder.id == existing.id,
            SamReminder.sent_at.is_(None),
            or_(
                SamReminder.claimed_at.is_(None),
                SamReminder.claimed_at < now - ABANDONED_CLAIM,
            ),
        )
        .values(claimed_at=now, attempts=SamReminder.attempts + 1, recipient=draft.recipient)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return existing if taken.rowcount == 1 else None


def reminder_message(draft: ReminderDraft, link: str, sender: str) -> EmailMessage:
    """The Swedish reminder mail with the link to the follow-up."""
    due = format_date(draft.due_on, "d MMMM yyyy")
    if draft.kind is ReminderKind.OVERDUE:
        subject = _(
            "Försenad: din årliga uppföljning av SAM %(year)d (sista dag var %(due)s)",
            year=draft.year,
            due=due,
        )
        status_line = _(
            "Sista dag var %(due)s och din uppföljning är ännu inte kvitterad. Svara och "
            "kvittera så snart du kan.",
            due=due,
        )
    else:
        subject = _(
            "Påminnelse: din årliga uppföljning av SAM %(year)d – sista dag %(due)s",
            year=draft.year,
            due=due,
        )
        status_line = _("Uppföljningen ska vara besvarad och kvitterad senast %(due)s.", due=due)
    lines = [
        _("Hej %(name)s!", name=draft.chef_name),
        "",
        _(
            "Det är dags för den årliga uppföljningen av ditt systematiska arbetsmiljöarbete "
            "(SAM) %(year)d för %(unit)s.",
            year=draft.year,
            unit=draft.unit_name,
        ),
        status_line,
        "",
        _("Svara på frågorna och kvittera här:"),
        link,
        "",
    ]
    if draft.delegating_name:
        lines += [
            _(
                "Din fördelande chef, %(name)s, stämmer sedan av uppföljningen med dig.",
                name=draft.delegating_name,
            ),
            "",
        ]
    lines.append(_("Det här är ett automatiskt meddelande från ISK. Svara inte på det."))
    return mail.build_message(sender, draft.recipient, subject, "\n".join(lines) + "\n")


def send_reminders(
    when: date, settings: mail.SmtpSettings, link_for: Callable[[int], str]
) -> ReminderReport:
    """Send each due reminder once, recording it; safe to run again or concurrently.

    Commits per mail (claim, then result): see the module docstring.
    """
    report = ReminderReport()
    drafts = due_reminders(when)
    db.session.commit()  # end the read transaction before the claims
    if not drafts:
        return report
    with mail.Mailer(settings) as mailer:
        for draft in drafts:
            claim = _claim(draft)
            if claim is None:
                continue
            message = reminder_message(draft, link_for(draft.follow_up_id), settings.sender)
            try:
                mailer.send(message)
            except mail.MailError as error:
                claim.claimed_at = None
                claim.last_error = str(error)
                db.session.commit()
                report.failed.append((draft, str(error)))
                continue
            claim.sent_at = utcnow()
            claim.last_error = None
            audit_log.record(
                "sam_reminder_sent",
                claim,
                follow_up_id=draft.follow_up_id,
                kind=draft.kind.value,
                recipient=draft.recipient,
            )
            db.session.commit()
            report.sent.append(draft)
    return report


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for mail, built from ISK_BASE_URL (there is no request to ask)."""
    from urllib.parse import urlsplit

    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


# --- Helpers for pages and exports -------------------------------------------------------


def all_units() -> Sequence[OrgUnit]:
    """Every live org unit in tree order."""
    return db.session.scalars(
        select(OrgUnit).where(OrgUnit.archived_at.is_(None)).order_by(OrgUnit.path)
    ).all()


def units_in_scope_of(user: User) -> Sequence[OrgUnit]:
    """The units a user may start a round for: all for region-wide roles, else their subtree."""
    if user.is_region_wide:
        return all_units()
    if user.org_unit is None:
        return []
    return db.session.scalars(
        select(OrgUnit)
        .where(OrgUnit.archived_at.is_(None), OrgUnit.path.startswith(user.org_unit.path))
        .order_by(OrgUnit.path)
    ).all()


def units_above(unit: OrgUnit) -> Sequence[OrgUnit]:
    """The unit and those above it, from the top (for breadcrumbs)."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    units = {u.id: u for u in db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [units[i] for i in ids if i in units]


def possible_chefs(assignment: ManagerAssignment | None) -> list[User]:
    """Users who may be put in the chain (or the assignment's own chef when editing)."""
    if assignment is not None:
        return [assignment.user]
    in_chain = select(ManagerAssignment.user_id).where(ManagerAssignment.archived_at.is_(None))
    users = db.session.scalars(
        select(User)
        .where(User.active.is_(True), User.archived_at.is_(None), User.id.not_in(in_chain))
        .order_by(User.name)
    ).all()
    return [
        user
        for user in users
        if permissions.has_permission(user, permissions.Permission.RESPOND_SAM)
    ]


def own_follow_ups(user: User) -> Sequence[SamFollowUp]:
    """Every follow-up of the user as chef, newest round first."""
    return db.session.scalars(
        select(SamFollowUp)
        .join(SamFollowUp.round)
        .where(SamFollowUp.chef_id == user.id, SamRound.archived_at.is_(None))
        .options(
            selectinload(SamFollowUp.round).selectinload(SamRound.org_unit),
            selectinload(SamFollowUp.org_unit),
            selectinload(SamFollowUp.delegating_manager),
        )
        .order_by(SamRound.year.desc(), SamFollowUp.id.desc())
    ).all()


def export_filename(sam_round: SamRound, unit: OrgUnit, extension: str) -> str:
    return f"SAM-uppfoljning-{sam_round.year}-{unit.code}.{extension}"


def overview_xlsx(overview: Overview) -> bytes:
    """The overview as an XLSX workbook: shares per unit, every follow-up, delvis/nej, returns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: Iterable[list[object]], first: bool = False):
        ws = workbook.active if first else workbook.create_sheet()
        ws.title = title
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        for row_number, row in enumerate(rows, start=2):
            for column_number, value in enumerate(row, start=1):
                set_text_cell(ws.cell(row=row_number, column=column_number), value)
        ws.freeze_panes = "A2"
        for column, title_text in zip(ws.columns, header, strict=True):
            width = max([len(title_text)] + [len(str(c.value or "")) for c in column])
            ws.column_dimensions[column[0].column_letter].width = min(60, width + 2)

    def percent(value: float | None) -> object:
        return round(value * 100) if value is not None else ""

    sheet(
        _("Översikt"),
        [
            _("Enhet"),
            _("Chefer"),
            _("Svarat"),
            _("Svarat (%)"),
            _("Kvitterat"),
            _("Kvitterat (%)"),
            _("Avstämt"),
            _("Avstämt (%)"),
            _("Försenade"),
        ],
        (
            [
                "  " * row.depth + row.unit.name,
                row.total,
                row.answered,
                percent(row.answered_share),
                row.acknowledged,
                percent(row.acknowledged_share),
                row.confirmed,
                percent(row.confirmed_share),
                row.overdue,
            ]
            for row in overview.rows
        ),
        first=True,
    )
    sheet(
        _("Uppföljningar"),
        [
            _("Chef"),
            _("E-post"),
            _("Enhet"),
            _("Fördelande chef"),
            _("Status"),
            _("Sista dag"),
            _("Försenad"),
            _("Kvitterad"),
            _("Avstämd"),
        ],
        (
            [
                f.chef.name,
                f.chef.email,
                f.org_unit.name,
                f.delegating_manager.name if f.delegating_manager else "",
                f.status.label,
                f.due_on,
                _("Ja") if f.is_overdue(overview.today) else _("Nej"),
                _local(f.acknowledged_at),
                _local(f.confirmed_at),
            ]
            for f in overview.follow_ups
        ),
    )
    sheet(
        _("Delvis och nej"),
        [_("Fråga nr"), _("Fråga"), _("Svar"), _("Kommentar"), _("Chef"), _("Enhet")],
        (
            [
                c.number,
                c.question.text,
                c.answer.value.label,
                c.answer.comment,
                c.follow_up.chef.name,
                c.follow_up.org_unit.name,
            ]
            for c in overview.concerns
        ),
    )
    sheet(
        _("Returneringar"),
        [_("Uppgift"), _("Skäl"), _("Chef"), _("Enhet"), _("Fördelande chef")],
        (
            [
                r.task,
                r.reason,
                r.follow_up.chef.name,
                r.follow_up.org_unit.name,
                r.follow_up.delegating_manager.name if r.follow_up.delegating_manager else "",
            ]
            for r in overview.returns
        ),
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _local(moment: datetime | None) -> datetime | str:
    """A timestamp as Swedish local time without zone (spreadsheets cannot hold zones)."""
    if moment is None:
        return ""
    return moment.astimezone(LOCAL_TIME).replace(tzinfo=None, microsecond=0)
