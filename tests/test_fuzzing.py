"""Property-based fuzzing (Hypothesis) of what reads text people type or files they upload.

Each reader either gives a sound value or refuses with its own error and a Swedish message;
nothing else may escape (an escaping exception is a server error in a view). Where a value
can be written, reading what was written gives it back.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from isk import create_app
from isk.services.plans import imports
from isk.services.plans.table import ALL_COLUMNS, REQUIRED_COLUMNS
from isk.services.sampling import stats
from isk.services.sampling.population import parse_amount

FUZZ = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text as people and spreadsheets produce it: digits of every script, signs, separators,
# exponents, words, and anything else Unicode has.
TOKENS = [*"0123456789,.-+ %eE", "\u00a0", "\u2212", "\u202f", "٣", "²", "∞", "NaN", "inf",
          "kr", "SEK", "_", "'", "1" * 30]
number_like = st.lists(st.sampled_from(TOKENS), max_size=25).map("".join)
any_text = st.one_of(number_like, st.text(max_size=40))


@pytest.fixture(scope="module")
def context():
    """gettext needs an app context; these readers touch no database."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "SECRET_KEY": "fuzz"})
    with app.test_request_context():
        yield app


# --- rates: "5 %", "2,5", "0,5" ------------------------------------------------------------------


@FUZZ
@given(text=any_text)
@example(text="1" * 5000)  # longer than Python's int-from-text limit
@example(text="0," + "0" * 5000 + "1")
def test_a_rate_is_read_or_refused_in_swedish(context, text):
    try:
        rate = stats.parse_rate(text)
    except stats.SamplingError as refused:
        assert "andel" in str(refused) or "mer än 100 %" in str(refused)
        return
    assert isinstance(rate, Fraction) and 0 <= rate <= 1


@FUZZ
@given(hundredths=st.integers(min_value=0, max_value=10_000))
def test_a_percentage_as_swedes_write_it_reads_back_exactly(context, hundredths):
    percent = Fraction(hundredths, 100)
    written = f"{Decimal(hundredths) / 100:f}".replace(".", ",") + " %"
    assert stats.parse_rate(written) == percent / 100


@FUZZ
@given(risk=any_text, tolerable=any_text, expected=any_text,
       size=st.one_of(st.none(), st.integers(min_value=-10**30, max_value=10**30)))
@example(risk="", tolerable="100000000000000000000000000", expected="", size=None)  # found once
def test_the_size_calculator_answers_or_refuses(context, risk, tolerable, expected, size):
    for method in ("statistical", "judgement"):
        try:
            result = stats.size_from_inputs(method, risk=risk, tolerable=tolerable,
                                            expected=expected, size=size, reason="Skäl.")
        except stats.SamplingError as refused:
            assert str(refused)
            continue
        assert result.size >= 1


# --- amounts: "1 234,50 kr" ---------------------------------------------------------------------


@FUZZ
@given(text=any_text)
@example(text="1e999999999")
@example(text="-0")
def test_an_amount_is_read_or_refused(context, text):
    try:
        amount = parse_amount(text)
    except ValueError:
        return
    assert isinstance(amount, Decimal) and amount.is_finite()


@FUZZ
@given(amount=st.decimals(min_value=-10**12, max_value=10**12, places=2,
                          allow_nan=False, allow_infinity=False))
def test_an_amount_as_swedish_excel_writes_it_reads_back(context, amount):
    whole, _sep, cents = f"{abs(amount):.2f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u00a0")
    written = ("-" if amount < 0 else "") + grouped + "," + cents + " kr"
    assert parse_amount(written) == amount


# --- the plan import ----------------------------------------------------------------------------

cell = st.one_of(
    st.sampled_from(["", "ja", "nej", "x", "c", "c, d", "e;d", "1", "4", "5", "0",
                     "åtgärdas", "accepteras", "2026-02-30", "2026-01-15", "konfidentialitet",
                     "=1+1", " ", "Ekonomi", "HR", "Risken att fakturor betalas sent."]),
    st.text(max_size=30),
    st.text(min_size=199, max_size=210, alphabet="abc"),
)


@st.composite
def plan_rows(draw):
    optional = [name for name in ALL_COLUMNS if name not in REQUIRED_COLUMNS]
    header = [*REQUIRED_COLUMNS, *draw(st.lists(st.sampled_from(optional), unique=True,
                                               max_size=len(optional)))]
    header = draw(st.permutations(header))
    body = draw(st.lists(st.lists(cell, min_size=0, max_size=len(header) + 2),
                         min_size=0, max_size=12))
    return [(1, list(header), ()), *((n, row, ()) for n, row in enumerate(body, start=2))]


@FUZZ
@given(rows=plan_rows())
def test_plan_rows_become_risks_or_row_by_row_problems(context, rows):
    try:
        drafts = imports.parse_rows(iter(rows))
    except imports.PlanImportError as refused:
        assert refused.problems
        assert all(problem.startswith(("Rad ", "Filen", "…")) for problem in refused.problems)
        return
    assert drafts
    for draft in drafts:
        assert draft.text.strip() and draft.area.strip() and len(draft.area) <= 200
        assert draft.likelihood in (None, 1, 2, 3, 4)
        assert all(action.text.strip() for action in draft.actions)


@FUZZ
@given(rows=plan_rows(), delimiter=st.sampled_from([",", ";"]))
def test_a_plan_file_is_read_or_refused(context, rows, delimiter):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(row for _n, row, _refusals in rows)
    data = buffer.getvalue().encode("utf-8")
    try:
        imports.parse_rows(imports.read_rows("plan.csv", data))
    except imports.PlanImportError as refused:
        assert refused.problems


@FUZZ
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_as_a_plan_file_are_refused_not_crashed_on(context, data):
    try:
        imports.parse_rows(imports.read_rows("plan.csv", data))
    except imports.PlanImportError as refused:
        assert refused.problems
