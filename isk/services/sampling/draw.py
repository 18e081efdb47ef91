"""Drawing a stickprov: seeded, reproducible, independent of row order, in one streaming pass.

Algorithm "isk-bottomk-blake2b-v1" (kept stable: a stored draw must be redrawable years later):

1. key material = BLAKE2b-256 of the seed's UTF-8 bytes, personalised with b"isk-sample-v1";
2. each item's key = the 8-byte keyed BLAKE2b of its id's UTF-8 bytes (compared as bytes, i.e.
   as big-endian integers); ties (practically never) are broken by the id itself;
3. the sample is the n items with the smallest keys ("bottom-k"). This is a simple random
   sample without replacement, since the keys behave as independent uniform draws, and it
   depends only on the seed and the set of ids, so the same file in any row order gives the
   same items;
4. with a threshold, every item whose amount is at least the threshold is taken in full
   ("totalgranskning", 100 %) and the n random items are drawn from the rest;
5. stratified, n is allocated across the strata in proportion to their sizes by the
   largest-remainder method, at least one per non-empty stratum when n allows, and each
   stratum's share is its bottom-k.

Stratification needs the strata sizes before the allocation, which a single pass only knows at
the end. Rather than read the file twice, each stratum keeps a bounded heap of its n smallest
keys (no stratum can be allocated more than n), and the heaps are cut to their allocations
afterwards: the bottom-a of a stratum is the first a of its bottom-n. Memory is at most
strata × n rows, which MAX_STRATA bounds.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from flask_babel import gettext as _

from ..errors import DomainError
from ..spreadsheets import cell_text
from .population import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    PopulationReader,
    PopulationRow,
    PopulationSource,
    PopulationSummary,
)
from .stats import MAX_SAMPLE_SIZE

ALGORITHM = "isk-bottomk-blake2b-v1"
MAX_STRATA = 50
MAX_FULL_REVIEW = 10_000
MAX_SEED_LENGTH = 200


class DrawError(DomainError):
    """The sample cannot be drawn as asked; the message is for the user."""


class Selection(StrEnum):
    RANDOM = "random"
    FULL_REVIEW = "full_review"

    @property
    def label(self) -> str:
        return _("Slumpmässigt urval") if self is Selection.RANDOM else _("Totalgranskning")


def new_seed() -> str:
    """A fresh seed: 128 random bits as 32 hex digits."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class DrawSpec:
    """Everything that decides which items are drawn, apart from the file itself."""

    size: int
    seed: str = field(default_factory=new_seed)
    id_column: str | None = None
    amount_column: str | None = None
    columns: tuple[str, ...] | None = None  # the columns kept per item; None keeps them all
    strata_column: str | None = None
    band_edges: tuple[Decimal, ...] = ()
    threshold: Decimal | None = None
    algorithm: str = ALGORITHM


@dataclass(frozen=True)
class DrawnItem:
    item_id: str
    row_number: int
    values: tuple[str, ...]
    amount: Decimal | None
    stratum: str | None
    selection: Selection
    key: str


@dataclass(frozen=True)
class StratumSize:
    label: str
    population: int
    drawn: int


@dataclass(frozen=True)
class DrawResult:
    """The drawn items in a stable order: the full review first, then stratum by stratum by key."""

    spec: DrawSpec
    population: PopulationSummary
    columns: tuple[str, ...]
    full_review_count: int
    strata: tuple[StratumSize, ...]
    items: tuple[DrawnItem, ...]

    @property
    def item_ids(self) -> list[str]:
        return [item.item_id for item in self.items]


# --- allocation -----------------------------------------------------------------------------------


def allocate(size: int, counts: Sequence[int]) -> list[int]:
    """Split `size` across strata in proportion to `counts` by largest remainder.

    Every non-empty stratum gets at least one item when `size` is at least the number of
    non-empty strata; ties go to the earlier stratum. No stratum gets more than it holds.
    """
    total = sum(counts)
    if not 0 <= size <= total:
        raise ValueError("size must be between 0 and the population size")
    quotas = [Fraction(size * count, total) for count in counts]
    shares = [int(quota) for quota in quotas]
    by_remainder = sorted(range(len(counts)), key=lambda i: (-(quotas[i] - shares[i]), i))
    for i in by_remainder[: size - sum(shares)]:
        shares[i] += 1
    non_empty = [i for i, count in enumerate(counts) if count > 0]
    if size >= len(non_empty):
        for i in non_empty:
            if shares[i] == 0:
                # Take one from the stratum that got most over its quota and can spare it.
                donor = max(
                    (j for j in non_empty if shares[j] > 1),
                    key=lambda j: (shares[j] - quotas[j], -j),
                )
                shares[donor] -= 1
                shares[i] = 1
    return shares


# --- the draw -------------------------------------------------------------------------------------


class _Last:
    """An entry that sorts last when it is largest, so a min-heap keeps the largest on top."""

    __slots__ = ("item_id", "key", "row")

    def __init__(self, key: bytes, row: PopulationRow):
        self.key = key
        self.item_id = row.item_id
        self.row = row

    def __lt__(self, other: _Last) -> bool:
        return (self.key, self.item_id) > (other.key, other.item_id)


class _BottomK:
    """The k entries with the smallest (key, id) seen so far.

    `bound` is the largest key held once full (until then above every key), so a caller can
    skip most items with one comparison.
    """

    __slots__ = ("bound", "capacity", "heap")

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.heap: list[_Last] = []
        self.bound = b"\xff" * 9

    def offer(self, key: bytes, row: PopulationRow) -> None:
        heap = self.heap
        if len(heap) < self.capacity:
            heapq.heappush(heap, _Last(key, row))
        elif (key, row.item_id) < (heap[0].key, heap[0].item_id):
            heapq.heapreplace(heap, _Last(key, row))
        else:
            return
        if len(heap) == self.capacity:
            self.bound = heap[0].key

    def smallest(self, count: int) -> list[tuple[bytes, PopulationRow]]:
        ordered = sorted(self.heap, key=lambda entry: (entry.key, entry.item_id))
        return [(entry.key, entry.row) for entry in ordered[:count]]


def _check_spec(spec: DrawSpec) -> None:
    if spec.algorithm != ALGORITHM:
        raise DrawError(
            _("Urvalsmetoden ”%(algorithm)s” stöds inte av ISK.", algorithm=spec.algorithm)
        )
    if spec.size < 1:
        raise DrawError(_("Urvalet måste omfatta minst en post."))
    if spec.size > MAX_SAMPLE_SIZE:
        raise DrawError(_("Urvalet får omfatta högst %(max)s poster.", max="2 000"))
    if not spec.seed.strip() or len(spec.seed) > MAX_SEED_LENGTH:
        raise DrawError(_("Fröet måste vara 1-200 tecken långt."))
    if (spec.band_edges or spec.threshold is not None) and not spec.amount_column:
        raise DrawError(
            _(
                "Ange beloppskolumnen för att kunna dela in i beloppsintervall eller använda "
                "tröskel."
            )
        )
    if spec.band_edges and list(spec.band_edges) != sorted(set(spec.band_edges)):
        raise DrawError(_("Beloppsgränserna måste vara olika och stå i stigande ordning."))
    if spec.band_edges and spec.strata_column:
        raise DrawError(
            _("Dela in i strata antingen efter en kolumn eller efter belopp, inte båda.")
        )


def _keyed_hasher(seed: str) -> hashlib.blake2b:
    material = hashlib.blake2b(
        seed.encode("utf-8"), digest_size=32, person=b"isk-sample-v1"
    ).digest()
    return hashlib.blake2b(key=material, digest_size=8)


def item_key_function(seed: str) -> Callable[[str], bytes]:
    """The 8-byte key of an item id under this seed, as algorithm v1 defines it.

    Keys compare as bytes, which is their order as big-endian integers.
    """
    keyed = _keyed_hasher(seed)

    def key(item_id: str) -> bytes:
        hasher = keyed.copy()
        hasher.update(item_id.encode("utf-8"))
        return hasher.digest()

    return key


def band_labels(edges: Sequence[Decimal]) -> list[str]:
    """Plain-Swedish labels of the amount bands the edges make: under, between, and over."""
    if not edges:
        return []
    text = [amount_text(edge) for edge in edges]
    labels = [_("under %(high)s", high=text[0])]
    labels += [
        _("%(low)s till under %(high)s", low=low, high=high)
        for low, high in itertools.pairwise(text)
    ]
    labels.append(_("%(low)s och över", low=text[-1]))
    return labels


def amount_text(amount: Decimal) -> str:
    """An amount the Swedish way: 1 234 567,5."""
    sign, rest = ("-", -amount) if amount < 0 else ("", amount)
    whole, _dot, fraction = f"{rest:f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", " ")
    return sign + grouped + ("," + fraction if fraction else "")


def draw_sample(
    source: PopulationSource,
    spec: DrawSpec,
    filename: str = "",
    *,
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_FILE_BYTES,
) -> DrawResult:
    """Draw the sample `spec` describes from the population file, in one pass."""
    _check_spec(spec)
    with PopulationReader(
        source,
        filename,
        id_column=spec.id_column,
        amount_column=spec.amount_column,
        columns=spec.columns,
        max_rows=max_rows,
        max_bytes=max_bytes,
    ) as reader:
        return _draw(reader, spec)


def redraw(
    source: PopulationSource, spec: DrawSpec, checksum: str, filename: str = ""
) -> DrawResult:
    """Draw again with a stored draw's inputs; the file must be the very same population.

    `spec` and `checksum` are what was stored: `result.spec` and `result.population.checksum`.
    """
    _check_spec(spec)
    with PopulationReader(
        source,
        filename,
        id_column=spec.id_column,
        amount_column=spec.amount_column,
        columns=spec.columns,
    ) as reader:
        if reader.checksum != checksum:
            raise DrawError(
                _(
                    "Filen är inte samma population som urvalet drogs ur: kontrollsumman skiljer "
                    "sig (%(found)s, inte %(expected)s).",
                    found=reader.checksum[:12],
                    expected=checksum[:12],
                )
            )
        return _draw(reader, spec)


def _draw(reader: PopulationReader, spec: DrawSpec) -> DrawResult:
    copy_hasher = _keyed_hasher(spec.seed).copy
    edges, strata_column, threshold = spec.band_edges, spec.strata_column, spec.threshold
    stratified = bool(edges or strata_column)
    labels = band_labels(edges)
    full_review: list[tuple[bytes, PopulationRow]] = []
    heaps: dict[str, _BottomK] = {} if stratified else {"": _BottomK(spec.size)}
    heap = heaps.get("")
    counts: dict[str, int] = {}
    unstratified_count = 0
    strata_index: int | None = None
    empty_label = _("(tomt)")
    # The hot loop: a million rows, so the per-row work is kept to a few operations.
    for row_number, item_id, cells, amount in reader.raw_rows():
        hasher = copy_hasher()
        hasher.update(item_id.encode("utf-8"))
        key = hasher.digest()
        # With a threshold there is an amount column, and the reader requires every amount.
        if threshold is not None and amount >= threshold:
            full_review.append((key, _row(reader, row_number, item_id, cells, amount)))
            if len(full_review) > MAX_FULL_REVIEW:
                raise DrawError(
                    _(
                        "Fler än %(max)s poster når upp till tröskeln; höj tröskeln.",
                        max=f"{MAX_FULL_REVIEW:,}".replace(",", " "),
                    )
                )
            continue
        if stratified:
            if edges:
                stratum = labels[_band(amount, edges)]
            else:
                if strata_index is None:
                    strata_index = _column_index(reader, strata_column)
                value = cells[strata_index]
                stratum = value.strip() if isinstance(value, str) else cell_text(value)
                stratum = stratum or empty_label
            heap = heaps.get(stratum)
            if heap is None:
                heap = _new_stratum(heaps, counts, stratum, spec)
            counts[stratum] += 1
        else:
            unstratified_count += 1
        if key > heap.bound:  # the common case: not among the smallest keys so far
            continue
        heap.offer(key, _row(reader, row_number, item_id, cells, amount))
    if not stratified:
        counts[""] = unstratified_count
    summary = reader.summary
    assert summary is not None
    remaining = sum(counts.values())
    if spec.size > remaining:
        if full_review:
            message = _(
                "Urvalet (%(size)s poster) är större än de %(population)s poster som ligger "
                "under tröskeln.",
                size=spec.size,
                population=remaining,
            )
        else:
            message = _(
                "Urvalet (%(size)s poster) är större än populationen (%(population)s poster).",
                size=spec.size,
                population=remaining,
            )
        raise DrawError(message)
    order = _strata_order(list(counts), labels)
    shares = allocate(spec.size, [counts[label] for label in order])
    items = [
        _item(row, key, None, Selection.FULL_REVIEW)
        for key, row in sorted(full_review, key=lambda entry: (entry[0], entry[1].item_id))
    ]
    strata = []
    for label, share in zip(order, shares, strict=True):
        chosen = heaps[label].smallest(share)
        items += [
            _item(row, key, label if stratified else None, Selection.RANDOM) for key, row in chosen
        ]
        if stratified:
            strata.append(StratumSize(label, counts[label], share))
    return DrawResult(
        spec=spec,
        population=summary,
        columns=summary.columns,
        full_review_count=len(full_review),
        strata=tuple(strata),
        items=tuple(items),
    )


def _new_stratum(
    heaps: dict[str, _BottomK], counts: dict[str, int], stratum: str, spec: DrawSpec
) -> _BottomK:
    if len(heaps) >= MAX_STRATA:
        raise DrawError(
            _(
                "Kolumnen ”%(column)s” har fler än %(max)s olika värden; välj en "
                "kolumn med färre strata.",
                column=spec.strata_column,
                max=MAX_STRATA,
            )
        )
    heap = heaps[stratum] = _BottomK(spec.size)
    counts[stratum] = 0
    return heap


def _band(amount: Decimal | None, edges: Sequence[Decimal]) -> int:
    assert amount is not None  # the reader requires amounts when an amount column is named
    for index, edge in enumerate(edges):
        if amount < edge:
            return index
    return len(edges)


def _strata_order(found: list[str], labels: list[str]) -> list[str]:
    if labels:
        return [label for label in labels if label in found]
    return sorted(found, key=lambda label: (label.casefold(), label))


def _column_index(reader: PopulationReader, name: str) -> int:
    lowered = [column.lower() for column in reader.header]
    if name.strip().lower() not in lowered:
        raise DrawError(
            _(
                "Kolumnen ”%(name)s” att dela in i strata efter finns inte i filen. Filens "
                "kolumner är: %(columns)s.",
                name=name,
                columns=", ".join(reader.header),
            )
        )
    return lowered.index(name.strip().lower())


def _row(
    reader: PopulationReader,
    row_number: int,
    item_id: str,
    cells: list[object],
    amount: Decimal | None,
) -> PopulationRow:
    return PopulationRow(row_number, item_id, reader.kept_values(cells), amount)


def _item(row: PopulationRow, key: bytes, stratum: str | None, selection: Selection) -> DrawnItem:
    return DrawnItem(
        item_id=row.item_id,
        row_number=row.row_number,
        values=row.values,
        amount=row.amount,
        stratum=stratum,
        selection=selection,
        key=key.hex(),
    )
