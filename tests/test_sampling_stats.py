"""Sample sizes and upper deviation limits follow the AICPA tables' rule across their whole grid."""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction
from functools import cache

import pytest

from isk.models import SampleSizeMethod
from isk.services.sampling import stats
from isk.services.sampling.stats import SamplingError, evaluate, sample_size, upper_deviation_limit

RISKS = ("0.05", "0.10")
TOLERABLE = ("0.02", "0.03", "0.04", "0.05", "0.06", "0.07", "0.08", "0.09", "0.10", "0.15", "0.20")
QUARTERS = tuple(f"{Decimal(i) / 400:.4f}" for i in range(17))  # 0 % to 4 % by 0.25
EXPECTED = (*QUARTERS, "0.05", "0.06", "0.07", "0.08", "0.09", "0.10", "0.125", "0.15", "0.175")


# --- independent references -----------------------------------------------------------------------


def exact_cdf(n: int, k: int, p: Fraction) -> Fraction:
    """P(X ≤ k) for X ~ Bin(n, p), by the textbook sum in exact fractions."""
    return sum(
        (Fraction(math.comb(n, i)) * p**i * (1 - p) ** (n - i) for i in range(k + 1)), Fraction(0)
    )


def brute_force_size(risk: str, tolerable: str, expected: str) -> tuple[int, int]:
    """Try n = 1, 2, ... with exact fractions; slow, so only for the worked cells."""
    r, t, e = Fraction(risk), Fraction(tolerable), Fraction(expected)
    for n in range(1, 2001):
        k = math.ceil(n * e)
        if exact_cdf(n, k, t) <= r:
            return n, k
    raise AssertionError("no size up to 2000")


@cache
def most_deviations_tolerated(risk: str, tolerable: str) -> tuple[int, ...]:
    """For n = 0..2000, the largest k with P(X ≤ k) ≤ risk (-1 if none).

    Plain floats summed up from pmf(0), a different method from the service's log-space sum
    from k downwards; near the risk it falls back to exact fractions.
    """
    r, t = float(risk), float(tolerable)
    ratio = t / (1 - t)
    result = [-1]
    for n in range(1, 2001):
        term = (1 - t) ** n
        cdf, k = term, -1
        while k < n:
            if abs(cdf - r) < 1e-9 * r:
                below = exact_cdf(n, k + 1, Fraction(tolerable)) <= Fraction(risk)
            else:
                below = cdf < r
            if not below:
                break
            k += 1
            term *= (n - k) / (k + 1) * ratio
            cdf += term
        result.append(k)
    return tuple(result)


def reference_size(risk: str, tolerable: str, expected: str) -> tuple[int, int] | None:
    tolerated = most_deviations_tolerated(risk, tolerable)
    rate = Decimal(expected)
    for n in range(1, 2001):
        k = int((n * rate).to_integral_value(ROUND_CEILING))
        if k <= tolerated[n]:
            return n, k
    return None


def integer_cdf_at_most(n: int, k: int, permille: int, risk: Fraction) -> bool:
    """Exactly P(X ≤ k) ≤ risk for X ~ Bin(n, permille / 1000), term by term in integers."""
    total = sum(math.comb(n, i) * permille**i * (1000 - permille) ** (n - i) for i in range(k + 1))
    return total * risk.denominator <= risk.numerator * 1000**n


# --- sample size ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("risk", "tolerable", "expected", "size", "deviations"),
    [
        ("0.05", "0.05", "0", 59, 0),
        ("0.05", "0.05", "0.01", 93, 1),
        ("0.05", "0.04", "0.01", 156, 2),
        ("0.05", "0.05", "0.02", 181, 4),
        ("0.10", "0.05", "0", 45, 0),
    ],
)
def test_worked_cells_match_the_aicpa_tables_and_a_brute_force_count(
    risk, tolerable, expected, size, deviations
):
    result = sample_size(risk, tolerable, expected)

    assert (result.size, result.tolerated_deviations) == (size, deviations)
    assert brute_force_size(risk, tolerable, expected) == (size, deviations)


# Table A-1 of the AICPA Audit Sampling Guide (5 % risk), the cells it prints.
AICPA_5_PERCENT = """
0.00  149(0) 99(0) 74(0) 59(0) 49(0) 42(0) 36(0) 32(0) 29(0) 19(0) 14(0)
0.25  236(1) 157(1) 117(1) 93(1) 78(1) 66(1) 58(1) 51(1) 46(1) 30(1) 22(1)
0.50  * 157(1) 117(1) 93(1) 78(1) 66(1) 58(1) 51(1) 46(1) 30(1) 22(1)
0.75  * 208(2) 117(1) 93(1) 78(1) 66(1) 58(1) 51(1) 46(1) 30(1) 22(1)
1.00  * * 156(2) 93(1) 78(1) 66(1) 58(1) 51(1) 46(1) 30(1) 22(1)
1.25  * * 156(2) 124(2) 78(1) 66(1) 58(1) 51(1) 46(1) 30(1) 22(1)
1.50  * * 192(3) 124(2) 103(2) 66(1) 58(1) 51(1) 46(1) 30(1) 22(1)
1.75  * * 227(4) 153(3) 103(2) 88(2) 77(2) 51(1) 46(1) 30(1) 22(1)
2.00  * * * 181(4) 127(3) 88(2) 77(2) 68(2) 46(1) 30(1) 22(1)
2.25  * * * 208(5) 127(3) 88(2) 77(2) 68(2) 61(2) 30(1) 22(1)
2.50  * * * * 150(4) 109(3) 77(2) 68(2) 61(2) 30(1) 22(1)
2.75  * * * * 173(5) 109(3) 95(3) 68(2) 61(2) 30(1) 22(1)
3.00  * * * * 195(6) 129(4) 95(3) 84(3) 61(2) 30(1) 22(1)
3.25  * * * * * 148(5) 112(4) 84(3) 61(2) 30(1) 22(1)
3.50  * * * * * 167(6) 112(4) 84(3) 76(3) 40(2) 22(1)
3.75  * * * * * 185(7) 129(5) 100(4) 76(3) 40(2) 22(1)
4.00  * * * * * * 146(6) 100(4) 89(4) 40(2) 22(1)
5.00  * * * * * * * 158(8) 116(6) 40(2) 30(2)
6.00  * * * * * * * * 179(11) 50(3) 30(2)
7.00  * * * * * * * * * 68(5) 37(3)
"""


def test_the_printed_cells_of_the_five_percent_table_are_reproduced():
    mismatches = []
    for line in AICPA_5_PERCENT.strip().splitlines():
        expected_percent, *cells = line.split()
        for tolerable, cell in zip(TOLERABLE, cells, strict=True):
            if cell == "*":
                continue
            result = sample_size("0.05", tolerable, Decimal(expected_percent) / 100)
            if f"{result.size}({result.tolerated_deviations})" != cell:
                mismatches.append((expected_percent, tolerable, cell, result))

    assert mismatches == []


def test_the_whole_grid_agrees_with_an_independent_computation():
    checked = refused = 0
    for risk in RISKS:
        for tolerable in TOLERABLE:
            for expected in EXPECTED:
                if Decimal(expected) >= Decimal(tolerable):
                    continue
                reference = reference_size(risk, tolerable, expected)
                if reference is None:
                    with pytest.raises(SamplingError, match="opraktiskt stort"):
                        sample_size(risk, tolerable, expected)
                    refused += 1
                    continue
                result = sample_size(risk, tolerable, expected)
                assert (result.size, result.tolerated_deviations) == reference, (
                    risk,
                    tolerable,
                    expected,
                )
                checked += 1

    assert (checked, refused) == (392, 14)


def test_a_size_above_2000_is_refused_as_impractical():
    with pytest.raises(SamplingError, match="opraktiskt stort") as error:
        sample_size("0.05", "0.02", "0.015")

    assert "2 000" in str(error.value)


@pytest.mark.parametrize(
    ("risk", "tolerable", "expected", "message"),
    [
        ("0.07", "0.05", "0.01", "5 % eller 10 %"),
        ("0.05", "0.05", "0.05", "måste vara lägre"),
        ("0.05", "0.05", "0.06", "måste vara lägre"),
        ("0.05", "0", "0", "större än 0 %"),
        ("0.05", "0.25", "0", "högst 20 %"),
        ("0.05", "0.05", "-0.01", "negativ"),
        ("0.05", "fem", "0", "ingen andel"),
    ],
)
def test_invalid_inputs_are_refused_with_a_swedish_message(risk, tolerable, expected, message):
    with pytest.raises(SamplingError, match=message):
        sample_size(risk, tolerable, expected)


def test_rates_are_exact_so_n_times_rate_is_never_rounded_the_wrong_way():
    # 0.07 × 100 is 7.000000000000001 in floating point, which would round up to 8.
    assert stats.tolerated_deviations(100, stats.as_rate(0.07)) == 7
    assert stats.as_rate(0.07) == Fraction(7, 100)


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("5 %", Fraction(1, 20)),
        ("5%", Fraction(1, 20)),
        ("5", Fraction(1, 20)),
        ("2,5 %", Fraction(1, 40)),
        ("2.5", Fraction(1, 40)),
        ("1", Fraction(1, 100)),
        ("0", Fraction(0)),
        ("0,25 %", Fraction(1, 400)),
        # What is typed is a percentage, also below 1: "0,5" is half a percent, not 50 %.
        ("0,5", Fraction(1, 200)),
        ("0,5 %", Fraction(1, 200)),
        ("0.05", Fraction(1, 2000)),
        ("100", Fraction(1)),
    ],
)
def test_rates_can_be_written_as_people_write_them(text, rate):
    assert stats.parse_rate(text) == rate


@pytest.mark.parametrize("text", ["fem", "5,5,5", "-1", "101", "150 %", "", "%"])
def test_a_rate_that_is_no_percentage_is_refused_in_swedish(text):
    with pytest.raises(SamplingError, match=r"ingen andel|mer än 100"):
        stats.parse_rate(text)


def test_a_single_deviation_is_written_in_the_singular():
    one = stats.evaluate(Fraction(1, 20), 59, 1, Fraction(1, 20))
    two = stats.evaluate(Fraction(1, 20), 59, 2, Fraction(1, 20))

    assert "med 1 avvikelse av 59 poster" in one.conclusion
    assert "med 2 avvikelser av 59 poster" in two.conclusion


def test_a_size_chosen_by_judgement_needs_a_reason():
    with pytest.raises(SamplingError, match="Motivera"):
        stats.judgement_size(25, "  ")

    chosen = stats.judgement_size(25, "Liten population, alla leverantörer nya i år.")

    assert chosen.method is SampleSizeMethod.JUDGEMENT
    assert chosen.tolerated_deviations is None


# --- evaluation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("risk", "size", "deviations", "upper"),
    [
        ("0.05", 100, 5, "10.3"),
        ("0.05", 20, 0, "14.0"),
        ("0.10", 55, 0, "4.2"),
        ("0.05", 150, 3, "5.1"),
        ("0.05", 150, 6, "7.8"),
    ],
)
def test_upper_limits_match_the_aicpa_evaluation_tables(risk, size, deviations, upper):
    assert upper_deviation_limit(risk, size, deviations) == Decimal(upper)


def test_upper_limits_are_rounded_up_to_a_tenth_of_a_percent():
    # 1 - 0.1^(1/55) = 4.1001 %: the table prints 4.2, not the nearest 4.1.
    exact = 1 - 0.1 ** (1 / 55)

    assert 0.041 < exact < 0.0411
    assert upper_deviation_limit("0.10", 55, 0) == Decimal("4.2")


def test_a_bound_exactly_on_a_tenth_of_a_percent_is_not_pushed_up():
    # P(X ≤ 0) = 0.9^n is exactly the risk 0.1 at p = 10 % when n = 1 (a contrived exact tie).
    assert stats.upper_limit_permille(Fraction(1, 10), 1, 0) == 900
    assert stats.cdf_at_most(1, 0, Fraction(9, 10), Fraction(1, 10))


def test_the_evaluation_grid_is_the_exact_rounded_up_clopper_pearson_bound():
    """For every cell, m / 1000 passes exactly and (m - 1) / 1000 fails: the definition."""
    for risk in RISKS:
        risk_fraction = Fraction(risk)
        for size in range(20, 501):
            for deviations in range(11):
                m = stats.upper_limit_permille(risk_fraction, size, deviations)
                assert integer_cdf_at_most(size, deviations, m, risk_fraction), (risk, size)
                assert not integer_cdf_at_most(size, deviations, m - 1, risk_fraction), (
                    risk,
                    size,
                    deviations,
                )


def test_the_evaluation_grid_agrees_with_a_float_bisection():
    """A scipy-free float cross-check on a sparse grid, away from rounding boundaries."""
    for risk in RISKS:
        r = float(risk)
        for size in range(20, 501, 37):
            for deviations in range(11):
                low, high = 0.0, 1.0
                for _ in range(50):
                    p = (low + high) / 2
                    cdf = sum(
                        math.comb(size, i) * p**i * (1 - p) ** (size - i)
                        for i in range(deviations + 1)
                    )
                    low, high = (low, p) if cdf <= r else (p, high)
                expected = math.ceil(high * 1000 - 1e-9) / 10
                limit = upper_deviation_limit(risk, size, deviations)
                assert float(limit) == pytest.approx(expected), (risk, size, deviations)


def test_a_control_within_the_tolerable_rate_can_be_relied_on():
    result = evaluate("0.05", 100, 1, "0.05")

    assert result.upper_limit == Decimal("4.7")
    assert result.reliable is True
    assert result.deviation_rate == Decimal("1.0")
    assert result.conclusion.startswith("Kontrollen kan förlitas på")
    assert "4,7 %" in result.conclusion


def test_a_control_above_the_tolerable_rate_cannot_be_relied_on():
    result = evaluate("0.05", 100, 5, "0.10")

    assert result.reliable is False
    assert result.conclusion.startswith("Kontrollen kan inte förlitas på")
    assert "10,3 %" in result.conclusion


def test_an_upper_limit_equal_to_the_tolerable_rate_is_relied_on():
    result = evaluate("0.05", 20, 0, "0.14")

    assert result.upper_limit == Decimal("14.0")
    assert result.reliable is True


def test_without_a_tolerable_rate_the_evaluation_gives_figures_but_no_verdict():
    result = evaluate("0.05", 60, 0)

    assert result.reliable is None
    assert "Ange den tolerabla" in result.conclusion


@pytest.mark.parametrize(
    ("size", "deviations", "message"),
    [(0, 0, "minst en post"), (10, -1, "negativt"), (10, 11, "större än urvalet")],
)
def test_impossible_counts_are_refused(size, deviations, message):
    with pytest.raises(SamplingError, match=message):
        evaluate("0.05", size, deviations)


def test_every_deviation_gives_a_hundred_percent_upper_limit():
    assert upper_deviation_limit("0.05", 20, 20) == Decimal("100.0")


def test_pure_calls_work_outside_an_app_context():
    from flask import has_app_context

    assert not has_app_context()
    assert stats.format_percent(Decimal("10.3")) == "10,3 %"
    with pytest.raises(SamplingError, match="opraktiskt"):
        sample_size("0.05", "0.02", "0.015")
