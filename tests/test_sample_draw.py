"""Drawing a stickprov: reproducible, order-independent, stratified, and the XLSX worklist."""

from __future__ import annotations

import hashlib
import io
import random
from collections import Counter
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from isk.services.sampling import draw as sample_draw
from isk.services.sampling.draw import (
    DrawError,
    DrawSpec,
    ItemSelection,
    allocate,
    draw_sample,
    redraw,
)
from isk.services.sampling.population import PopulationError
from isk.services.sampling.worklist import (
    ItemOutcome,
    ResultsError,
    export_draw,
    read_results_xlsx,
    write_sample_xlsx,
)

ACCOUNTS = ("4010", "4020", "5410", "6110")


def population_rows(count: int, seed: int = 7) -> list[tuple[str, str, str, str]]:
    rnd = random.Random(seed)
    return [
        (
            f"F{i:05d}",
            f"{rnd.randint(100, 5_000_000) / 100:.2f}".replace(".", ","),
            f"2025-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
            rnd.choice(ACCOUNTS),
        )
        for i in range(count)
    ]


def population_csv(rows: list[tuple[str, ...]]) -> bytes:
    lines = ["id;belopp;datum;konto", *(";".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def population_xlsx(rows: list[tuple[str, ...]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["id", "belopp", "datum", "konto"])
    for row in rows:
        sheet.append(list(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


ROWS = population_rows(2000)
CSV = population_csv(ROWS)


def draw(data: bytes = CSV, filename: str = "population.csv", **spec) -> sample_draw.DrawResult:
    spec.setdefault("size", 60)
    spec.setdefault("seed", "ik-2025-t1")
    return draw_sample(data, DrawSpec(**spec), filename)


# --- reproducibility ------------------------------------------------------------------------------


def test_the_same_seed_and_file_give_the_same_items():
    first, second = draw(), draw()

    assert first.item_ids == second.item_ids
    assert len(first.item_ids) == len(set(first.item_ids)) == 60
    assert first.population.checksum == hashlib.sha256(CSV).hexdigest()
    assert first.spec.algorithm == "isk-bottomk-blake2b-v1"


def test_draw_again_with_the_stored_inputs_gives_the_same_items():
    first = draw(seed=sample_draw.new_seed())

    again = redraw(CSV, first.spec, first.population.checksum, "population.csv")

    assert again.item_ids == first.item_ids
    assert again.spec == first.spec


def test_draw_again_from_another_file_is_refused():
    first = draw()
    changed = population_csv([*ROWS[:-1], ("F99999", "1,00", "2025-01-01", "4010")])

    with pytest.raises(DrawError, match="inte samma population"):
        redraw(changed, first.spec, first.population.checksum)


def test_a_different_seed_gives_different_items():
    assert set(draw(seed="ett").item_ids) != set(draw(seed="två").item_ids)


def test_a_fresh_seed_is_made_when_none_is_given():
    first, second = DrawSpec(size=5), DrawSpec(size=5)

    assert len(first.seed) == 32
    assert first.seed != second.seed


def test_the_row_order_does_not_change_the_draw():
    shuffled = ROWS[:]
    random.Random(3).shuffle(shuffled)

    assert set(draw(population_csv(shuffled)).item_ids) == set(draw().item_ids)
    assert draw(population_csv(shuffled)).item_ids == draw().item_ids


def test_csv_and_xlsx_of_the_same_population_give_the_same_draw():
    rows = ROWS[:300]

    from_csv = draw(population_csv(rows), size=20)
    from_xlsx = draw(population_xlsx(rows), "population.xlsx", size=20)

    assert from_xlsx.item_ids == from_csv.item_ids


def test_the_item_key_is_the_documented_keyed_blake2b():
    material = hashlib.blake2b("frö".encode(), digest_size=32, person=b"isk-sample-v1").digest()
    expected = hashlib.blake2b(b"F00042", key=material, digest_size=8).digest()

    assert sample_draw.item_key_function("frö")("F00042") == expected


def test_the_sample_is_the_items_with_the_smallest_keys_in_key_order():
    key = sample_draw.item_key_function("ik-2025-t1")
    expected = sorted((row[0] for row in ROWS), key=key)[:60]

    result = draw()

    assert result.item_ids == expected
    assert [item.key for item in result.items] == [key(i).hex() for i in expected]


def test_every_item_is_equally_likely_to_be_drawn():
    ids = [f"P{i}" for i in range(20)]
    counts: Counter[str] = Counter()
    for seed in range(2000):
        key = sample_draw.item_key_function(str(seed))
        counts.update(sorted(ids, key=key)[:5])

    # Each item is expected 500 times (2000 draws × 5/20); the standard deviation is about 19.
    assert all(400 < counts[item_id] < 600 for item_id in ids), counts


def test_drawn_items_keep_their_columns_and_amounts():
    result = draw(amount_column="belopp", size=3)
    by_id = {row[0]: row for row in ROWS}

    for item in result.items:
        source = by_id[item.item_id]
        assert item.values == source[1:]
        assert item.amount == Decimal(source[1].replace(",", "."))
        assert item.selection is ItemSelection.RANDOM
    assert result.columns == ("belopp", "datum", "konto")


def test_the_kept_columns_can_be_chosen():
    result = draw(amount_column="belopp", columns=("konto", "belopp"), size=3)

    assert result.columns == ("konto", "belopp")
    assert all(len(item.values) == 2 for item in result.items)


# --- bad input ------------------------------------------------------------------------------------


def test_a_sample_larger_than_the_population_is_refused():
    with pytest.raises(DrawError, match=r"Urvalet \(61 poster\) är större än populationen \(50"):
        draw(population_csv(ROWS[:50]), size=61)


def test_a_sample_of_the_whole_population_is_allowed():
    assert sorted(draw(population_csv(ROWS[:50]), size=50).item_ids) == [r[0] for r in ROWS[:50]]


@pytest.mark.parametrize(("size", "message"), [(0, "minst en post"), (2001, "högst 2 000")])
def test_a_size_outside_the_limits_is_refused(size, message):
    with pytest.raises(DrawError, match=message):
        draw(size=size)


def test_an_empty_population_is_refused():
    with pytest.raises(PopulationError, match="inga poster"):
        draw(b"id;belopp\n")


def test_a_population_with_duplicate_ids_draws_nothing():
    with pytest.raises(PopulationError, match="”F00001” förekommer flera gånger: rad 3, 2002"):
        draw(population_csv([*ROWS, ROWS[1]]))


def test_a_wrong_id_column_is_refused():
    with pytest.raises(PopulationError, match="”fakturanummer” finns inte"):
        draw(id_column="fakturanummer")


def test_bands_and_a_threshold_need_the_amount_column():
    with pytest.raises(DrawError, match="beloppskolumnen"):
        draw(threshold=Decimal(1000))


# --- stratification and threshold -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "counts", "shares"),
    [
        (60, [500, 300, 200], [30, 18, 12]),
        (10, [1000, 5, 5], [8, 1, 1]),
        (7, [10, 10, 10], [3, 2, 2]),
        (2, [10, 10, 10], [1, 1, 0]),
        (5, [0, 10, 3], [0, 4, 1]),
        (13, [10, 0, 3], [10, 0, 3]),
    ],
)
def test_the_sample_is_allocated_to_strata_by_largest_remainder(size, counts, shares):
    assert allocate(size, counts) == shares


def test_allocation_always_adds_up_and_fits_the_strata():
    rnd = random.Random(11)
    for _ in range(500):
        counts = [rnd.choice([0, 1, 2, 5, 40, 300]) for _ in range(rnd.randint(1, 6))]
        if not sum(counts):
            continue
        size = rnd.randint(0, sum(counts))
        shares = allocate(size, counts)
        non_empty = sum(1 for count in counts if count)
        assert sum(shares) == size
        assert all(0 <= share <= count for share, count in zip(shares, counts, strict=True))
        if size >= non_empty:
            assert all(share >= 1 for share, count in zip(shares, counts, strict=True) if count)


def test_a_draw_stratified_by_a_column_draws_each_stratum_in_proportion():
    result = draw(strata_column="Konto", size=40)
    population = Counter(row[3] for row in ROWS)
    drawn = Counter(item.stratum for item in result.items)

    assert [s.label for s in result.strata] == sorted(ACCOUNTS)
    assert [s.population for s in result.strata] == [population[a] for a in sorted(ACCOUNTS)]
    assert [s.drawn for s in result.strata] == allocate(
        40, [population[a] for a in sorted(ACCOUNTS)]
    )
    assert {label: drawn[label] for label in ACCOUNTS} == {s.label: s.drawn for s in result.strata}


def test_each_stratum_gets_its_own_smallest_keys():
    result = draw(strata_column="konto", size=40)
    key = sample_draw.item_key_function("ik-2025-t1")

    for stratum in result.strata:
        ids = sorted((row[0] for row in ROWS if row[3] == stratum.label), key=key)
        assert [i.item_id for i in result.items if i.stratum == stratum.label] == ids[
            : stratum.drawn
        ]


def test_a_draw_stratified_by_amount_bands_labels_the_bands():
    result = draw(amount_column="belopp", band_edges=(Decimal(10_000), Decimal(25_000)), size=30)

    assert [s.label for s in result.strata] == [
        "under 10 000",
        "10 000 till under 25 000",
        "25 000 och över",
    ]
    for item in result.items:
        band = 0 if item.amount < 10_000 else 1 if item.amount < 25_000 else 2
        assert item.stratum == result.strata[band].label


def test_a_stratum_column_that_does_not_exist_is_refused():
    with pytest.raises(DrawError, match=r"”kostnadsställe”.*finns inte"):
        draw(strata_column="kostnadsställe")


def test_items_at_or_above_the_threshold_are_all_taken_and_the_rest_drawn():
    threshold = Decimal(45_000)
    large = {row[0] for row in ROWS if Decimal(row[1].replace(",", ".")) >= threshold}

    result = draw(amount_column="belopp", threshold=threshold, size=25)

    full = [item for item in result.items if item.selection is ItemSelection.FULL_REVIEW]
    random_part = [item for item in result.items if item.selection is ItemSelection.RANDOM]
    assert {item.item_id for item in full} == large and large
    assert result.full_review_count == len(large)
    assert len(random_part) == 25
    assert all(item.amount < threshold for item in random_part)


def test_a_threshold_leaving_too_few_items_is_refused():
    with pytest.raises(DrawError, match="under tröskeln"):
        draw(population_csv(ROWS[:30]), amount_column="belopp", threshold=Decimal(1), size=5)


# --- the worklist ---------------------------------------------------------------------------------


def worklist_rows(data: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def fill_in(data: bytes, results: dict[int, tuple[object, object]]) -> bytes:
    """Write results and comments into worklist rows, as the controller would in Excel."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    width = sheet.max_column
    for row, (result, comment) in results.items():
        sheet.cell(row=row, column=width - 1, value=result)
        sheet.cell(row=row, column=width, value=comment)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def test_the_worklist_has_the_items_their_columns_and_empty_result_columns():
    result = draw(amount_column="belopp", size=5)

    rows = worklist_rows(export_draw(result, "population.csv"))

    assert rows[0] == ["id", "belopp", "datum", "konto", "Resultat (OK/Avvikelse)", "Kommentar"]
    assert [row[0] for row in rows[1:]] == result.item_ids
    assert rows[1][1] == float(result.items[0].amount)
    assert all(row[-2:] == [None, None] for row in rows[1:])
    about = load_workbook(io.BytesIO(export_draw(result))).worksheets[1]
    facts = {row[0].value: row[1].value for row in about.iter_rows()}
    assert facts["Frö"] == "ik-2025-t1"
    assert facts["Kontrollsumma (SHA-256)"] == result.population.checksum


def test_the_worklist_shows_selection_and_stratum_when_used():
    result = draw(amount_column="belopp", threshold=Decimal(49_000), strata_column="konto", size=8)

    rows = worklist_rows(export_draw(result))

    assert rows[0][4:6] == ["Urval", "Stratum"]
    assert {row[4] for row in rows[1:]} == {"Totalgranskning", "Slumpmässigt urval"}


def test_text_that_excel_would_evaluate_is_neutralised():
    item = sample_draw.DrawnItem(
        item_id='=HYPERLINK("http://x")',
        row_number=2,
        values=("+46 70 123", "@SUM(A1)", "-5", "vanlig"),
        amount=None,
        stratum=None,
        selection=ItemSelection.RANDOM,
        key="0",
    )

    data = write_sample_xlsx([item], ["tel", "a", "b", "c"], id_header="=id")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]

    for cell in [sheet["A1"], sheet["A2"], sheet["B2"], sheet["C2"], sheet["D2"]]:
        assert cell.data_type == "s", cell.coordinate
        assert cell.quotePrefix, cell.coordinate
    assert sheet["A2"].value == '=HYPERLINK("http://x")'
    assert not sheet["E2"].quotePrefix


def test_filled_in_results_are_read_back_per_item():
    result = draw(size=4)
    ids = result.item_ids
    filled = fill_in(
        export_draw(result),
        {2: ("OK", None), 3: ("avvikelse", "Attest saknas"), 4: (" ok ", "")},
    )

    results = read_results_xlsx(filled, ids)

    assert [(r.item_id, r.outcome, r.comment) for r in results] == [
        (ids[0], ItemOutcome.OK, ""),
        (ids[1], ItemOutcome.DEVIATION, "Attest saknas"),
        (ids[2], ItemOutcome.OK, ""),
    ]


def test_a_results_file_with_bad_rows_is_refused_row_by_row():
    result = draw(size=4)
    workbook = load_workbook(io.BytesIO(export_draw(result)))
    sheet = workbook.worksheets[0]
    sheet.append(["F-OKÄND", None, None, None, "OK", None])
    sheet.append([result.item_ids[0], None, None, None, "OK", None])
    sheet["E2"] = "Kanske"
    sheet["E3"] = "=1+1"
    sheet["F4"] = "Oklart"
    output = io.BytesIO()
    workbook.save(output)

    with pytest.raises(ResultsError) as error:
        read_results_xlsx(output.getvalue(), result.item_ids)

    assert error.value.problems == [
        "Rad 2, kolumn E: ”Kanske” är inget resultat; skriv OK eller Avvikelse.",
        "Rad 3, kolumn E: cellen innehåller en formel; skriv värdet i stället.",
        "Rad 4, kolumn E: det finns en kommentar men inget resultat; skriv OK eller Avvikelse.",
        "Rad 6, kolumn A: posten ”F-OKÄND” ingår inte i stickprovet.",
        f"Rad 7, kolumn A: posten ”{result.item_ids[0]}” finns redan på rad 2.",
    ]


def test_a_results_file_without_the_result_column_is_refused():
    workbook = Workbook()
    workbook.active.append(["id", "Kommentar"])
    output = io.BytesIO()
    workbook.save(output)

    with pytest.raises(ResultsError, match="”Resultat \\(OK/Avvikelse\\)” saknas"):
        read_results_xlsx(output.getvalue(), ["A"])


def test_a_results_file_that_is_no_xlsx_is_refused():
    with pytest.raises(ResultsError, match="ingen giltig XLSX"):
        read_results_xlsx(b"id;resultat\n", ["A"])
