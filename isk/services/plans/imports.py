"""Importing an IK-plan from CSV or XLSX: read, check every row, preview, then write all or nothing.

Two layouts are read alike: the seed layout, where Verksamhet and Risk are repeated on
every row, and the layout pasted from Word, where they are left blank on continuation rows.
Region-wide rows (`regionovergripande` = ja) belong to the region's plan of the year: rows
the region plan already has are shared, not copied; new ones are added there only by a
user who may edit the region plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ...extensions import db
from ...models import (
    ActionStatus,
    Criterion,
    Plan,
    PlanStatus,
    Risk,
    RiskTreatment,
    SecurityAspect,
    User,
)
from .. import audit_log, org, spreadsheets
from ..errors import ProblemsError
from ..text import shorten
from .content import add_action, add_process_area, add_risk
from .fields import ActionContent, RiskContent
from .lifecycle import Transition, create_plan, transition_refusal
from .reading import live, region_plan_for, region_root_id
from .revisions import dependent_plans
from .table import (
    ALL_COLUMNS,
    ASPECT_WORDS,
    REQUIRED_COLUMNS,
    STATUS_WORDS,
    TREATMENT_WORDS,
    normalise_header,
)

MAX_IMPORT_BYTES = 20 * 1024 * 1024  # a plan of 5,000 risks and 10,000 åtgärder is ~8 MB of CSV
MAX_IMPORT_ROWS = 20_000
MAX_REPORTED_PROBLEMS = 200
YES_VALUES = frozenset({"ja", "j", "yes", "x", "1", "sant", "true"})
NO_VALUES = frozenset({"nej", "n", "no", "", "0", "falskt", "false"})
IMPORT_LIMITS = spreadsheets.Limits(
    max_bytes=MAX_IMPORT_BYTES, max_rows=MAX_IMPORT_ROWS,
    max_columns=len(ALL_COLUMNS) + spreadsheets.SPARE_COLUMNS,
)


class PlanImportError(ProblemsError):
    """The file cannot be imported; `problems` lists each reason for the user."""


@dataclass
class ActionDraft(ActionContent):
    """An åtgärd read from a row of the file."""

    region_wide: bool = False
    row: int = 0


@dataclass
class RiskDraft(RiskContent):
    """A risk read from the file: what it says, where it goes, and on which row it stood."""

    area: str = ""
    row: int = 0
    region_wide: bool = False
    actions: list[ActionDraft] = field(default_factory=list)
    owner_email: str | None = None


def read_rows(filename: str, source: spreadsheets.Source) -> Iterator[spreadsheets.Row]:
    """The rows of a CSV or XLSX file, refusing what cannot be read safely (the gate's rules)."""
    with spreadsheets.Spreadsheet(source, filename, limits=IMPORT_LIMITS,
                                  error=PlanImportError) as table:
        yield from table.rows()


def parse_rows(rows: Iterable[spreadsheets.Row]) -> list[RiskDraft]:
    """Group rows into risks with their åtgärder, checking every cell; all problems at once."""
    problems: list[str] = []
    names, iterator = spreadsheets.split_header(rows, PlanImportError)
    header = [normalise_header(name) for name in names]
    while header and not header[-1]:
        header.pop()
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in ALL_COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        raise PlanImportError([
            _("Rad 1: kolumnerna ska vara %(expected)s (och valfritt %(optional)s), men filen har "
              "%(found)s.", expected=", ".join(REQUIRED_COLUMNS),
              optional=", ".join(name for name in ALL_COLUMNS if name not in REQUIRED_COLUMNS),
              found=", ".join(name.strip() for name in names if name.strip()) or _("inga"))
        ])
    drafts: list[RiskDraft] = []
    current_area = ""
    current: RiskDraft | None = None
    for number, raw, refusals in iterator:
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) > len(header) and any(cell.strip() for cell in raw[len(header):]):
            problems.append(_("Rad %(n)d: raden har fler kolumner än rubrikraden.", n=number))
            continue
        row = {name: (raw[i].strip() if i < len(raw) else "") for i, name in enumerate(header)}
        row_problems = spreadsheets.cell_problems(number, refusals, header)
        refused = {header[r.column] for r in refusals if r.column < len(header)}

        def problem(column: str, reason: str, row_number: int = number,
                    sink: list[str] = row_problems) -> None:
            sink.append(_("Rad %(n)d, kolumn %(col)s: %(reason)s",
                          n=row_number, col=column, reason=reason))

        for name, value in row.items():
            if name not in refused and len(value) > 10_000:
                problem(name, _("texten är längre än 10 000 tecken."))
        area = row["verksamhet"] or current_area
        if len(area) > 200:
            problem("verksamhet", _("namnet får vara högst 200 tecken."))
        flag = row.get("regionovergripande", "").lower()
        if flag not in YES_VALUES | NO_VALUES:
            problem("regionovergripande", _("”%(value)s” ska vara ja eller nej.",
                                            value=row["regionovergripande"]))
        region_wide = flag in YES_VALUES
        if row["risk"]:
            if not area:
                problem("verksamhet", _("värdet saknas."))
            risk = RiskDraft(area=area, text=row["risk"], row=number, region_wide=region_wide)
            same_as_current = (
                current is not None and (current.area, current.text) == (area, row["risk"])
            )
            if not same_as_current:
                _read_risk_columns(risk, row, problem)
        elif row["atgard"]:
            if current is None:
                problem("risk", _("värdet saknas, och det finns ingen risk ovanför att fortsätta."))
        else:
            problem("risk", _("värdet saknas."))
        action = None
        if row["atgard"]:
            action = ActionDraft(text=row["atgard"], region_wide=region_wide, row=number)
            _read_action_columns(action, row, problem)
        problems.extend(row_problems)
        if row_problems:
            continue
        current_area = area
        if row["risk"] and not (current and (current.area, current.text) == (area, row["risk"])):
            current = risk
            drafts.append(current)
        assert current is not None
        if region_wide != current.region_wide:
            problems.append(_("Rad %(n)d, kolumn regionovergripande: en risk och dess åtgärder "
                              "måste vara antingen alla regionövergripande eller ingen.", n=number))
        if action is not None:
            current.actions.append(action)
    if not drafts and not problems:
        problems.append(_("Filen har inga risker, bara en rubrikrad."))
    if problems:
        if len(problems) > MAX_REPORTED_PROBLEMS:
            more = len(problems) - MAX_REPORTED_PROBLEMS
            problems = [*problems[:MAX_REPORTED_PROBLEMS],
                        ngettext("… och %(num)d fel till.", "… och %(num)d fel till.", more)]
        raise PlanImportError(problems)
    return drafts


def _read_risk_columns(risk: RiskDraft, row: dict[str, str],
                       problem: Callable[[str, str], None]) -> None:
    if row.get("kriterier"):
        letters = {part.strip().lower().rstrip(")") for part in
                   row["kriterier"].replace(";", ",").split(",") if part.strip()}
        if not letters or not letters <= {"c", "d", "e"}:
            problem("kriterier", _("”%(value)s” ska vara en lista av c, d och e.",
                                   value=row["kriterier"]))
        else:
            risk.criteria = {Criterion(letter) for letter in letters}
    if row.get("informationssakerhet"):
        words = {part.strip().lower() for part in row["informationssakerhet"].replace(";", ",")
                 .split(",") if part.strip()}
        by_word = {word: SecurityAspect(key) for key, word in ASPECT_WORDS.items()}
        unknown = words - by_word.keys()
        if unknown:
            problem("informationssakerhet", _(
                "”%(value)s” är inte konfidentialitet, riktighet, tillgänglighet eller spårbarhet.",
                value=", ".join(sorted(unknown))))
        risk.aspects = {by_word[word] for word in words if word in by_word}
    for column in ("sannolikhet", "konsekvens"):
        value = row.get(column, "")
        if value:
            if value not in {"1", "2", "3", "4"}:
                problem(column, _("”%(value)s” ska vara en siffra 1-4.", value=value))
            elif column == "sannolikhet":
                risk.likelihood = int(value)
            else:
                risk.consequence = int(value)
    if (risk.likelihood is None) != (risk.consequence is None) and not (
        row.get("sannolikhet", "") and row.get("konsekvens", "")
    ):
        problem("sannolikhet", _("ange både sannolikhet och konsekvens, eller ingen av dem."))
    treatment = row.get("hantering", "").lower()
    if treatment:
        by_word = {word: RiskTreatment(key) for key, word in TREATMENT_WORDS.items()}
        if treatment not in by_word:
            problem("hantering", _("”%(value)s” ska vara åtgärdas eller accepteras.",
                                   value=row["hantering"]))
        else:
            risk.treatment = by_word[treatment]
    risk.accepted_by = row.get("accepterad_av") or None
    risk.acceptance_reason = row.get("motivering") or None
    risk.accepted_on = _date_cell(row, "accepterad_datum", problem)
    if risk.treatment is RiskTreatment.ACCEPT and not (
        risk.accepted_by and risk.accepted_on and risk.acceptance_reason
    ):
        problem("hantering", _("en accepterad risk ska ange accepterad_av, accepterad_datum och "
                               "motivering."))
    risk.source = row.get("kalla") or None
    for column, limit in (("kalla", 300), ("accepterad_av", 200), ("riskagare", 254)):
        if len(row.get(column, "")) > limit:
            problem(column, _("texten får vara högst %(n)d tecken.", n=limit))
    risk.owner_email = (row.get("riskagare") or "").lower() or None


def _read_action_columns(action: ActionDraft, row: dict[str, str],
                         problem: Callable[[str, str], None]) -> None:
    action.responsible = row.get("atgard_ansvarig") or None
    if len(action.responsible or "") > 200:
        problem("atgard_ansvarig", _("texten får vara högst %(n)d tecken.", n=200))
    action.due_date = _date_cell(row, "atgard_klar_senast", problem)
    status = row.get("atgard_status", "").lower()
    if status:
        by_word = {word: ActionStatus(key) for key, word in STATUS_WORDS.items()}
        if status not in by_word:
            problem("atgard_status", _("”%(value)s” ska vara en av: %(allowed)s.",
                                       value=row["atgard_status"],
                                       allowed=", ".join(STATUS_WORDS.values())))
        else:
            action.status = by_word[status]


def _date_cell(row: dict[str, str], column: str,
               problem: Callable[[str, str], None]) -> date | None:
    value = row.get(column, "")
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        problem(column, _("”%(value)s” är inte ett datum på formen ÅÅÅÅ-MM-DD.", value=value))
        return None


@dataclass
class ImportPlan:
    """What an import will do, shown to the user before anything is written."""

    own: list[RiskDraft]
    region_new: list[RiskDraft]
    region_shared: list[RiskDraft]
    region_new_actions: list[tuple[int, ActionDraft]]  # (region risk id, action)
    warnings: list[str]

    @property
    def risk_count(self) -> int:
        return len(self.own) + len(self.region_new)

    @property
    def action_count(self) -> int:
        return (sum(len(d.actions) for d in self.own + self.region_new)
                + len(self.region_new_actions))


def prepare(
    plan: Plan,
    drafts: list[RiskDraft],
    *,
    may_edit_region: bool,
) -> ImportPlan:
    """Check the drafts against the plan and the region plan; raise with every problem."""
    problems: list[str] = []
    refusal = transition_refusal(plan, Transition.IMPORT)
    if refusal is not None:
        raise PlanImportError([refusal])
    region_plan = region_plan_for(plan)
    existing = {}
    if region_plan is not None:
        for area in live(region_plan.process_areas):
            for risk in live(area.risks):
                existing[(area.name, risk.text)] = risk
    # New region-wide content goes into the region's plan only while nothing decided prints it.
    region_open = region_plan is None or (
        region_plan.status is PlanStatus.DRAFT and not dependent_plans(region_plan))
    may_add_to_region = may_edit_region and region_open
    own, region_new, region_shared = [], [], []
    region_new_actions: list[tuple[int, ActionDraft]] = []
    owners = _owners(drafts, plan)
    for draft in drafts:
        if draft.owner_email and draft.owner_email not in owners:
            problems.append(_("Rad %(n)d, kolumn riskagare: %(email)s är inte en användare i "
                              "%(unit)s eller enheterna under den.", n=draft.row,
                              email=draft.owner_email, unit=plan.org_unit.name))
        if not draft.region_wide or plan.is_region_plan:
            own.append(draft)
            continue
        shared = existing.get((draft.area, draft.text))
        if shared is None:
            if may_add_to_region:
                region_new.append(draft)
            elif may_edit_region:
                problems.append(_(
                    "Rad %(n)d: den regionövergripande risken ”%(risk)s” finns inte i regionens "
                    "plan för %(year)d, och den planen ingår redan i fastställda planer. Lägg in "
                    "den i regionens plan med en motivering först.",
                    n=draft.row, risk=shorten(draft.text, 70), year=plan.year))
            else:
                problems.append(_(
                    "Rad %(n)d: den regionövergripande risken ”%(risk)s” finns inte i regionens "
                    "plan för %(year)d. Be en systemförvaltare lägga in den där, eller markera "
                    "raden som nej i kolumnen regionovergripande.",
                    n=draft.row, risk=shorten(draft.text, 70), year=plan.year))
            continue
        region_shared.append(draft)
        known = {action.text for action in live(shared.actions)}
        for action in draft.actions:
            if action.text in known:
                continue
            if may_add_to_region:
                region_new_actions.append((shared.id, action))
            else:
                problems.append(_(
                    "Rad %(n)d: den regionövergripande åtgärden ”%(action)s” finns inte i "
                    "regionens plan för %(year)d.", n=action.row, action=shorten(action.text, 70),
                    year=plan.year))
    if problems:
        raise PlanImportError(problems)
    warnings = [
        _("Rad %(n)d: risken ”%(risk)s” har ingen åtgärd. Planen kan inte fastställas förrän "
          "den har en åtgärd eller har accepterats.", n=d.row, risk=shorten(d.text, 70))
        for d in own + region_new
        if d.treatment is RiskTreatment.MITIGATE and not d.actions
    ]
    # Nothing is made up: a risk the file gives no criteria has none until someone says.
    missing = [d for d in own + region_new if not d.criteria]
    if missing:
        warnings.append(ngettext(
            "%(num)d risk har inget kriterium (c, d eller e) i filen: kriterium saknas tills "
            "någon anger det, och planen kan inte fastställas förrän varje risk har ett.",
            "%(num)d risker har inget kriterium (c, d eller e) i filen: kriterium saknas tills "
            "någon anger det, och planen kan inte fastställas förrän varje risk har ett.",
            len(missing)))
    warnings += [
        _("Rad %(n)d: risken ”%(risk)s” gäller informationssäkerhet (e) men anger inte vad som "
          "hotas (konfidentialitet, riktighet, tillgänglighet, spårbarhet).", n=d.row,
          risk=shorten(d.text, 70))
        for d in own + region_new if Criterion.E in d.criteria and not d.aspects
    ]
    return ImportPlan(own, region_new, region_shared, region_new_actions, warnings)


def _owners(drafts: list[RiskDraft], plan: Plan) -> dict[str, User]:
    """Riskägare named in the file: live users of the plan's unit or below, as in the form."""
    emails = {d.owner_email for d in drafts if d.owner_email}
    if not emails:
        return {}
    query = (select(User).join(User.org_unit)
             .where(User.email.in_(emails), User.archived_at.is_(None),
                    org.within(plan.org_unit)))
    return {u.email: u for u in db.session.scalars(query)}


def apply(plan: Plan, prepared: ImportPlan, *, filename: str) -> None:
    """Write the import; the caller commits once, so it lands whole or not at all."""
    owners = _owners(prepared.own + prepared.region_new, plan)
    region_plan = region_plan_for(plan) if prepared.region_new else None
    if prepared.region_new and region_plan is None:
        region_unit = db.session.get(type(plan.org_unit), region_root_id(plan.org_unit))
        region_plan = create_plan(region_unit, plan.year)
    for target, drafts in ((region_plan, prepared.region_new), (plan, prepared.own)):
        for draft in drafts:
            assert target is not None
            _write_risk(target, draft, owners)
    for risk_id, action in prepared.region_new_actions:
        add_action(db.session.get(Risk, risk_id), ActionContent.of(action))
    db.session.flush()
    audit_log.record("plan_imported", plan, file=filename, risks=prepared.risk_count,
                     actions=prepared.action_count)


def _write_risk(plan: Plan, draft: RiskDraft, owners: dict[str, User]) -> None:
    area = add_process_area(plan, draft.area)
    content = RiskContent.of(draft)
    owner = owners.get(draft.owner_email or "")
    content.owner_id = owner.id if owner else None
    risk = add_risk(area, content, complete=False)  # criteria as the file gives them
    for action in draft.actions:
        add_action(risk, ActionContent.of(action))


def import_file(
    plan: Plan, filename: str, data: spreadsheets.Source, *, may_edit_region: bool,
) -> ImportPlan:
    """Read, check and write in one go (the CLI and the demo); raises before writing anything."""
    drafts = parse_rows(read_rows(filename, data))
    prepared = prepare(plan, drafts, may_edit_region=may_edit_region)
    apply(plan, prepared, filename=filename)
    return prepared
