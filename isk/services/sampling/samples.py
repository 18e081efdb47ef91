"""Stickprov on a control: keeping the population, storing a draw, recording and evaluating results.

The statistics, the reading of files and the draw itself live in sampling_stats, population,
sample_draw and sample_export; this module stores what they produce. A population file is kept
under `<files dir>/populations/<sha256>.<csv|xlsx>` (with a small JSON description beside it)
only once it has been read through without a problem, so "dra igen" can re-read it and check
that its checksum is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import (
    Control,
    ItemOutcome,
    ItemSelection,
    Sample,
    SampleItem,
)
from ...models.types import utcnow
from .. import audit_log
from ..controls import guard
from ..controls.evidence import files_dir
from ..errors import ControlError, ProblemsError, check_version
from ..storage import has_checksum, write_whole
from .draw import DrawError, DrawResult, DrawSpec, redraw
from .population import PopulationSummary, inspect_population
from .stats import SampleEvaluation, SampleSizeResult, SamplingError, evaluate
from .worklist import read_results_xlsx, write_sample_xlsx

CHECKSUM = re.compile(r"[0-9a-f]{64}")


class SampleError(ProblemsError, ControlError):
    """The stickprov cannot be drawn or its results taken in; `problems` lists each reason."""


# --- population files -----------------------------------------------------------------------


@dataclass(frozen=True)
class StoredPopulation:
    checksum: str
    path: Path
    filename: str
    file_format: str
    file_size: int
    row_count: int
    header: list[str]


def _population_dir() -> Path:
    return files_dir() / "populations"


def keep_population(stream: BinaryIO, filename: str, id_column: str | None) -> StoredPopulation:
    """Read the whole file; only if it is a valid population, keep it named by its checksum.

    Raises `PopulationError` (from the reader) and writes nothing when the file is not usable.
    A kept file is written to a temporary name and renamed into place once complete, so a
    crash never leaves half a file under a checksum's name; a file already there is reused
    only if its bytes still have that checksum (otherwise it is written anew).
    """
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spooled:
        shutil.copyfileobj(stream, spooled)
        spooled.seek(0)
        summary = inspect_population(spooled, filename, id_column=id_column or None)
        folder = _population_dir()
        path = folder / f"{summary.checksum}.{summary.file_format.value}"
        if not has_checksum(path, summary.checksum):
            spooled.seek(0)
            write_whole(path, spooled, "file")
        description = json.dumps(_describe(summary, filename), ensure_ascii=False)
        write_whole(folder / f"{summary.checksum}.json", description.encode("utf-8"), "file")
    return stored_population(summary.checksum)  # type: ignore[return-value]


def _describe(summary: PopulationSummary, filename: str) -> dict[str, Any]:
    return {
        "filename": Path(filename or "").name or f"population.{summary.file_format.value}",
        "file_format": summary.file_format.value,
        "file_size": summary.file_size,
        "row_count": summary.row_count,
        "header": [summary.id_column, *summary.columns],
    }


def stored_population(checksum: str) -> StoredPopulation | None:
    """The kept population with this checksum, or None. Drawing checks that it is whole."""
    if not CHECKSUM.fullmatch(checksum or ""):
        return None
    description = _population_dir() / f"{checksum}.json"
    try:
        info = json.loads(description.read_text(encoding="utf-8"))
        path = _population_dir() / f"{checksum}.{info['file_format']}"
        if not path.is_file():
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return StoredPopulation(checksum, path, info["filename"], info["file_format"],
                            info["file_size"], info["row_count"], info["header"])


def _check_kept_file(population: StoredPopulation) -> None:
    """Refuse to draw from a kept file whose bytes no longer have its checksum."""
    if not has_checksum(population.path, population.checksum):
        raise SampleError([_("Den sparade populationsfilen är skadad eller ändrad sedan den "
                             "laddades upp (kontrollsumman stämmer inte). Ladda upp filen "
                             "igen.")])


# --- drawing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawChoices:
    """What the controller chose on the draw form, apart from the size."""

    id_column: str
    amount_column: str | None = None
    strata_column: str | None = None
    band_edges: tuple[Decimal, ...] = ()
    threshold: Decimal | None = None
    seed: str | None = None


def draw_for_control(
    control: Control,
    population: StoredPopulation,
    size: SampleSizeResult,
    choices: DrawChoices,
    risk: Fraction,
    tolerable: Fraction | None,
) -> Sample:
    """Draw the sample from the kept population and store it with everything needed to redo it."""
    guard(control.plan)
    if control.archived_at is not None:
        raise ControlError(_("Kontrollen är arkiverad."))
    spec_args: dict[str, Any] = {
        "size": size.size,
        "id_column": choices.id_column,
        "amount_column": choices.amount_column or None,
        "strata_column": choices.strata_column or None,
        "band_edges": tuple(choices.band_edges),
        "threshold": choices.threshold,
    }
    if choices.seed and choices.seed.strip():
        spec_args["seed"] = choices.seed.strip()
    _check_kept_file(population)
    try:
        # Drawn with the checksum checked in the same read: what is drawn is what was kept.
        result = redraw(population.path, DrawSpec(**spec_args), population.checksum,
                        population.filename)
    except DrawError as error:
        raise SampleError([str(error)]) from error
    sample = _store(control, population, size, result, risk, tolerable)
    audit_log.record(
        "sample_drawn", sample, control=control.id, size=size.size, seed=result.spec.seed,
        checksum=population.checksum, algorithm=result.spec.algorithm,
    )
    return sample


def _store(
    control: Control,
    population: StoredPopulation,
    size: SampleSizeResult,
    result: DrawResult,
    risk: Fraction,
    tolerable: Fraction | None,
) -> Sample:
    spec = result.spec
    sample = Sample(
        control=control,
        created_by=audit_log.current_actor(),
        size=size.size,
        size_method=size.method,
        size_reason=size.reason or None,
        risk=str(risk),
        tolerable=str(tolerable) if tolerable is not None else None,
        expected=str(size.expected) if size.expected is not None else None,
        tolerated_deviations=size.tolerated_deviations,
        seed=spec.seed,
        algorithm=spec.algorithm,
        population_checksum=result.population.checksum,
        population_file_name=population.filename,
        population_file_size=result.population.file_size,
        population_format=result.population.file_format.value,
        row_count=result.population.row_count,
        id_column=result.population.id_column,
        amount_column=result.population.amount_column,
        columns=list(result.columns),
        spec={
            "strata_column": spec.strata_column,
            "band_edges": [str(edge) for edge in spec.band_edges],
            "threshold": str(spec.threshold) if spec.threshold is not None else None,
        },
        strata=[
            {"label": s.label, "population": s.population, "drawn": s.drawn} for s in result.strata
        ],
        full_review_count=result.full_review_count,
    )
    db.session.add(sample)
    db.session.flush()
    db.session.add_all(
        SampleItem(
            sample_id=sample.id,
            position=position,
            item_id=item.item_id,
            row_number=item.row_number,
            values=list(item.values),
            amount=item.amount,
            stratum=item.stratum,
            selection=item.selection,
        )
        for position, item in enumerate(result.items, start=1)
    )
    db.session.flush()
    return sample


def spec_of(sample: Sample) -> DrawSpec:
    """The stored draw's inputs, as the draw takes them."""
    stored = sample.spec or {}
    return DrawSpec(
        size=sample.size,
        seed=sample.seed,
        id_column=sample.id_column,
        amount_column=sample.amount_column,
        columns=tuple(sample.columns),
        strata_column=stored.get("strata_column"),
        band_edges=tuple(Decimal(edge) for edge in stored.get("band_edges") or ()),
        threshold=Decimal(stored["threshold"]) if stored.get("threshold") else None,
        algorithm=sample.algorithm,
    )


# --- reperformance: what a revisor redoes without changing anything ---------------------------


@dataclass(frozen=True)
class Redraw:
    """The stored items and those the same draw gives again, position by position."""

    stored: list[str]
    redrawn: list[str]

    @property
    def same(self) -> bool:
        return self.stored == self.redrawn

    @property
    def differing(self) -> int:
        return sum(a != b for a, b in zip(self.stored, self.redrawn, strict=False)) + abs(
            len(self.stored) - len(self.redrawn))


def redraw_sample(sample: Sample) -> Redraw:
    """Draw again from the kept file with the stored seed and method, changing nothing.

    Only the audit entry is written: that it was done, and whether the very same items came
    out. Raises SampleError if the file is gone or is no longer the same population.
    """
    population = stored_population(sample.population_checksum)
    if population is None:
        raise SampleError([_("Populationsfilen finns inte längre kvar; urvalet kan inte dras "
                             "igen här.")])
    try:
        result = redraw(population.path, spec_of(sample), sample.population_checksum,
                        population.filename)
    except DrawError as error:
        raise SampleError([str(error)]) from error
    outcome = Redraw([item.item_id for item in sample.items], list(result.item_ids))
    audit_log.record("sample_redrawn", sample, identical=outcome.same)
    return outcome


def verify_redraw(sample: Sample) -> bool:
    """True if drawing again gives the very same items in the same order (see redraw_sample)."""
    return redraw_sample(sample).same


def population_checksum_now(sample: Sample) -> str | None:
    """SHA-256 of the kept population file as it is now; None if the file is gone."""
    population = stored_population(sample.population_checksum)
    if population is None:
        return None
    digest = hashlib.sha256()
    with open(population.path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def population_for_download(sample: Sample) -> StoredPopulation | None:
    """The kept population file (None if gone); the download is recorded with its checksum."""
    population = stored_population(sample.population_checksum)
    if population is None:
        return None
    checksum = population_checksum_now(sample)
    audit_log.record("population_downloaded", sample, file=sample.population_file_name,
                     bytes=population.file_size, sha256=checksum,
                     verified=checksum == sample.population_checksum)
    return population


# --- results per item -----------------------------------------------------------------------


def load_sample(sample_id: int) -> Sample | None:
    return db.session.scalar(
        select(Sample)
        .where(Sample.id == sample_id)
        .options(selectinload(Sample.items), selectinload(Sample.created_by))
    )


@dataclass(frozen=True)
class ItemEntry:
    outcome: ItemOutcome | None
    comment: str


def record_outcomes(
    sample: Sample, entries: Mapping[str, ItemEntry], expected_version: int | None
) -> int:
    """Set the outcome of the named items (by item id); returns how many changed."""
    guard(sample.control.plan)
    check_version(sample, expected_version)
    items = {item.item_id: item for item in sample.items}
    unknown = [item_id for item_id in entries if item_id not in items]
    if unknown:
        raise SampleError([
            _("Posten ”%(id)s” ingår inte i stickprovet.", id=item_id) for item_id in unknown[:20]
        ])
    problems = [
        _("Post ”%(id)s”: kommentaren är längre än 2 000 tecken.", id=item_id)
        for item_id, entry in entries.items() if len(entry.comment) > 2000
    ]
    if problems:
        raise SampleError(problems)
    actor, now, changed = audit_log.current_actor(), utcnow(), 0
    for item_id, entry in entries.items():
        item = items[item_id]
        comment = entry.comment.strip() or None
        if (item.outcome, item.comment) == (entry.outcome, comment):
            continue
        item.outcome, item.comment = entry.outcome, comment
        item.checked_by_id = actor.id if actor and entry.outcome else None
        item.checked_at = now if entry.outcome else None
        changed += 1
    if changed:
        sample.results_changed_at = now  # bumps the version: a concurrent save gets 409
        db.session.flush()
        audit_log.record("sample_results_recorded", sample, changed=changed)
    return changed


def mark_remaining_ok(sample: Sample, expected_version: int | None) -> int:
    """Markera återstående som utan avvikelse: every item not yet examined becomes OK.

    Items already examined keep their outcome and comment. Returns how many were marked.
    """
    remaining = {item.item_id: ItemEntry(ItemOutcome.OK, item.comment or "")
                 for item in sample.items if item.outcome is None}
    if not remaining:
        raise SampleError([_("Alla poster är redan granskade.")])
    return record_outcomes(sample, remaining, expected_version)


def import_results(sample: Sample, data: bytes, expected_version: int | None) -> int:
    """Take in the filled-in worklist, all or nothing."""
    from .worklist import ResultsError

    try:
        results = read_results_xlsx(data, [item.item_id for item in sample.items])
    except ResultsError as error:
        raise SampleError(error.problems, "file") from error
    if not results:
        raise SampleError([_("Filen innehåller inga resultat; skriv OK eller Avvikelse i "
                             "resultatkolumnen.")], "file")
    entries = {
        result.item_id: ItemEntry(
            result.outcome,
            result.comment,
        )
        for result in results
    }
    return record_outcomes(sample, entries, expected_version)


# --- evaluation and export ------------------------------------------------------------------


@dataclass(frozen=True)
class SampleStatus:
    checked: int
    total: int
    random_total: int
    random_deviations: int
    full_review_deviations: int
    evaluation: SampleEvaluation | None

    @property
    def complete(self) -> bool:
        return self.checked == self.total


def status_of(sample: Sample) -> SampleStatus:
    """How far the checking has come, and once every random item is checked, the evaluation."""
    items = sample.items
    random_items = [i for i in items if i.selection is ItemSelection.RANDOM]
    random_deviations = sum(i.outcome is ItemOutcome.DEVIATION for i in random_items)
    evaluation = None
    if random_items and all(i.outcome is not None for i in random_items):
        try:
            evaluation = evaluate(
                Fraction(sample.risk), len(random_items), random_deviations,
                Fraction(sample.tolerable) if sample.tolerable else None,
            )
        except SamplingError:
            evaluation = None
    return SampleStatus(
        checked=sum(i.outcome is not None for i in items),
        total=len(items),
        random_total=len(random_items),
        random_deviations=random_deviations,
        full_review_deviations=sum(
            i.outcome is ItemOutcome.DEVIATION for i in items
            if i.selection is ItemSelection.FULL_REVIEW
        ),
        evaluation=evaluation,
    )


@dataclass(frozen=True)
class _Row:
    item_id: str
    values: list[str]
    amount: Decimal | None
    stratum: str | None
    selection: ItemSelection
    outcome: ItemOutcome | None = None
    comment: str | None = None


def worklist_xlsx(sample: Sample) -> bytes:
    """The items as the XLSX worklist, with how the sample was drawn on a second sheet."""
    rows = [
        _Row(item.item_id, item.values, item.amount, item.stratum, item.selection,
             item.outcome, item.comment)
        for item in sample.items
    ]
    about = [
        (_("Kontroll"), sample.control.description),
        (_("Urvalsmetod"), sample.algorithm),
        (_("Frö"), sample.seed),
        (_("Populationsfil"), sample.population_file_name),
        (_("Kontrollsumma (SHA-256)"), sample.population_checksum),
        (_("Poster i populationen"), str(sample.row_count)),
        (_("Slumpmässigt dragna poster"), str(sample.size)),
    ]
    return write_sample_xlsx(rows, sample.columns, id_header=sample.id_column,
                             amount_column=sample.amount_column, about=about)
