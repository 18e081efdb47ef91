"""Attribute sampling for tests of controls: sample size and evaluation, as the AICPA tables.

The AICPA Audit Sampling Guide builds its tables for tests of controls from the binomial
distribution: the sample size is the smallest n for which P(X ≤ k) ≤ risk, with X binomial
(n, tolerable rate) and k = ceil(n × expected rate) the deviations the sample tolerates; the
upper deviation limit is the one-sided exact (Clopper-Pearson) bound, rounded up to 0.1 %.

Every decision "is P(X ≤ k) at most the risk?" is made exactly: a fast log-space estimate
settles it when it is clearly on one side, and exact integer arithmetic settles the rest, so
float noise can never move a table cell. Rates are Fractions throughout (n × rate exactly).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from babel.numbers import format_decimal as babel_format_decimal
from flask import has_app_context
from flask_babel import format_decimal as flask_format_decimal
from flask_babel import gettext as _
from flask_babel import ngettext

from ...models import SampleSizeMethod
from ..errors import DomainError
from ..text import shorten

RISKS = (Fraction(1, 20), Fraction(1, 10))
DEFAULT_RISK = Fraction(1, 20)  # 95 % konfidens, the usual choice
DEFAULT_EXPECTED = Fraction(0)
MAX_TOLERABLE = Fraction(1, 5)
MAX_SAMPLE_SIZE = 2000
# Relative margin around the risk inside which the float estimate is not trusted.
FLOAT_MARGIN = 1e-8

RateLike = Fraction | Decimal | str | int | float


class SamplingError(DomainError):
    """The input cannot give a sample size or an evaluation; the message is for the user."""


@dataclass(frozen=True)
class SampleSizeResult:
    """A sample size and the deviations it tolerates (None when chosen by judgement)."""

    size: int
    tolerated_deviations: int | None
    method: SampleSizeMethod = SampleSizeMethod.STATISTICAL
    risk: Fraction | None = None
    tolerable: Fraction | None = None
    expected: Fraction | None = None
    reason: str = ""


@dataclass(frozen=True)
class SampleEvaluation:
    """The figures of an evaluated sample; percentages are Decimals such as Decimal("10.3")."""

    risk: Fraction
    size: int
    deviations: int
    deviation_rate: Decimal
    upper_limit: Decimal
    tolerable: Fraction | None
    reliable: bool | None
    conclusion: str

    @property
    def confidence(self) -> Decimal:
        return Decimal(100) - as_percent(self.risk)


# --- rates ------------------------------------------------------------------------------------


def as_rate(value: RateLike) -> Fraction:
    """A rate given as a fraction of one (0.05, "0.05", Decimal("0.05")) as an exact Fraction."""
    try:
        if isinstance(value, float):
            # The shortest repr is what the caller wrote: 0.05, not 0.05000000000000000277.
            return Fraction(repr(value))
        if isinstance(value, str):
            return Fraction(value.strip().replace(",", "."))
        return Fraction(value)
    except (ValueError, ZeroDivisionError, TypeError) as error:
        raise SamplingError(_("”%(value)s” är ingen andel.", value=value)) from error


def parse_rate(text: str | float | Decimal | Fraction) -> Fraction:
    """Read a rate as people type it: always a percentage, with or without the sign.

    "5 %", "5", "2,5", "0,5" and "0.5 %" are 5 %, 5 %, 2.5 %, 0.5 % and 0.5 %. What is typed
    is a percentage even below 1, so "0,5" is half a percent, never 50 %. The calculator, the
    draw form and the command line all read rates here.
    """
    if not isinstance(text, str):
        text = str(text)
    cleaned = text.strip().replace("\u00a0", " ").replace(",", ".")
    number = cleaned.removesuffix("%").strip()
    # ASCII digits only ("²" and "٣" are no rate), and no more than a rate needs: Python
    # refuses to read integers of thousands of digits, which would escape as a ValueError.
    if len(number) > 30 or not re.fullmatch(r"[0-9]+(\.[0-9]+)?|\.[0-9]+", number):
        raise SamplingError(
            _("”%(value)s” är ingen andel; skriv den i procent, till exempel 5 %%, 5 eller 0,5.",
              value=shorten(text, 40))
        )
    value = Fraction(number) / 100
    if value > 1:
        raise SamplingError(_("”%(value)s” är mer än 100 %%.", value=shorten(text, 40)))
    return value


def as_percent(rate: Fraction) -> Decimal:
    """A rate as an exact-enough Decimal percentage (Fraction(1, 40) → Decimal("2.5"))."""
    percent = rate * 100
    return (Decimal(percent.numerator) / Decimal(percent.denominator)).normalize()


def format_percent(value: Decimal, pattern: str = "0.0") -> str:
    """A percentage for people: Swedish "10,3 %" (the locale's decimal sign in the app).

    A number too large for the pattern's precision (someone typed 10^26 %) is written in
    exponent form rather than crashing the message that refuses it.
    """
    try:
        if has_app_context():
            number = flask_format_decimal(value, format=pattern)
        else:
            number = babel_format_decimal(value, format=pattern, locale="sv")
    except InvalidOperation:
        number = f"{value:.3E}"
    return f"{number} %"


def rate_text(rate: Fraction) -> str:
    """A rate as a percentage with the decimals it needs: "5 %", "2,25 %", "12,5 %"."""
    return format_percent(as_percent(rate), "0.##")


def _risk(value: RateLike) -> Fraction:
    risk = as_rate(value)
    if risk not in RISKS:
        raise SamplingError(
            _(
                "Risken för överförlitan måste vara 5 %% eller 10 %%, inte %(risk)s.",
                risk=rate_text(risk),
            )
        )
    return risk


# --- the binomial decision ----------------------------------------------------------------------


def _log_cdf(n: int, k: int, p: float) -> float:
    """log P(X ≤ k), X ~ Bin(n, p), 0 < p < 1, 0 ≤ k < n: summed down from k in log space."""
    log_p, log_q = math.log(p), math.log1p(-p)
    log_term = (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * log_p
        + (n - k) * log_q
    )
    odds = (1 - p) / p  # pmf(i - 1) / pmf(i) = i / (n - i + 1) × q / p
    mode = (n + 1) * p
    total = 1.0  # relative to pmf(k)
    term = 1.0
    for i in range(k, 0, -1):
        term *= odds * i / (n - i + 1)
        total += term
        if i < mode and term < total * 1e-18:
            break
    return log_term + math.log(total)


def _exact_cdf_at_most(n: int, k: int, p: Fraction, bound: Fraction) -> bool:
    """Exactly whether P(X ≤ k) ≤ bound, X ~ Bin(n, p), in integer arithmetic."""
    a, b = p.numerator, p.denominator
    c = b - a
    # P(X ≤ k) = c^(n-k) × Σ_{i≤k} C(n, i) a^i c^(k-i) / b^n, the sum by Horner's rule.
    acc, binom, a_power = 0, 1, 1
    for i in range(k + 1):
        acc = acc * c + binom * a_power
        binom = binom * (n - i) // (i + 1)
        a_power *= a
    return bound.denominator * acc * c ** (n - k) <= bound.numerator * b**n


def cdf_at_most(n: int, k: int, p: Fraction, bound: Fraction) -> bool:
    """Whether P(X ≤ k) ≤ bound for X ~ Bin(n, p); exact, fast where the answer is clear."""
    if k < 0:
        return True
    if k >= n or p == 0:
        return bound >= 1
    if p == 1:
        return True
    estimate = _log_cdf(n, k, float(p))
    target = math.log(float(bound))
    if estimate < target - FLOAT_MARGIN:
        return True
    if estimate > target + FLOAT_MARGIN:
        return False
    return _exact_cdf_at_most(n, k, p, bound)


def tolerated_deviations(size: int, expected: Fraction) -> int:
    """The deviations a sample of this size tolerates: ceil(size × expected), exactly."""
    return math.ceil(size * expected)


# --- sample size ----------------------------------------------------------------------------------


def sample_size(risk: RateLike, tolerable: RateLike, expected: RateLike) -> SampleSizeResult:
    """The AICPA sample size for a test of controls, with the deviations it tolerates."""
    risk_rate, tolerable_rate, expected_rate = _risk(risk), as_rate(tolerable), as_rate(expected)
    if not 0 < tolerable_rate <= MAX_TOLERABLE:
        raise SamplingError(
            _(
                "Den tolerabla avvikelsefrekvensen måste vara större än 0 %% och högst 20 %%, "
                "inte %(rate)s.",
                rate=rate_text(tolerable_rate),
            )
        )
    if expected_rate < 0:
        raise SamplingError(_("Den förväntade avvikelsefrekvensen kan inte vara negativ."))
    if expected_rate >= tolerable_rate:
        raise SamplingError(
            _(
                "Den förväntade avvikelsefrekvensen (%(expected)s) måste vara lägre än den "
                "tolerabla (%(tolerable)s); annars kan inget urval visa att kontrollen fungerar.",
                expected=rate_text(expected_rate),
                tolerable=rate_text(tolerable_rate),
            )
        )
    size = _smallest_size(risk_rate, tolerable_rate, expected_rate)
    if size is None:
        raise SamplingError(
            _(
                "Urvalet blir opraktiskt stort (mer än %(max)s poster) med risken %(risk)s, "
                "tolerabel avvikelsefrekvens %(tolerable)s och förväntad %(expected)s. Höj den "
                "tolerabla frekvensen, sänk den förväntade, välj 10 %% risk eller bestäm "
                "storleken efter bedömning och motivera den.",
                max="2 000",
                risk=rate_text(risk_rate),
                tolerable=rate_text(tolerable_rate),
                expected=rate_text(expected_rate),
            )
        )
    return SampleSizeResult(
        size=size,
        tolerated_deviations=tolerated_deviations(size, expected_rate),
        risk=risk_rate,
        tolerable=tolerable_rate,
        expected=expected_rate,
    )


def _smallest_size(risk: Fraction, tolerable: Fraction, expected: Fraction) -> int | None:
    """The smallest n ≤ MAX_SAMPLE_SIZE with P(X ≤ ceil(n × expected)) ≤ risk, or None.

    ceil(n × expected) is constant on runs of n, and on a run P(X ≤ k) falls as n grows;
    so each run is tried at its end and, if that passes, searched by bisection.
    """
    k = 0 if expected == 0 else 1
    while True:
        first = 1 if k == 0 else math.floor((k - 1) / expected) + 1
        if first > MAX_SAMPLE_SIZE:
            return None
        last = MAX_SAMPLE_SIZE if expected == 0 else min(math.floor(k / expected), MAX_SAMPLE_SIZE)
        if first <= last and cdf_at_most(last, k, tolerable, risk):
            while first < last:
                middle = (first + last) // 2
                if cdf_at_most(middle, k, tolerable, risk):
                    last = middle
                else:
                    first = middle + 1
            return first
        if expected == 0:
            return None
        k += 1


def judgement_size(size: int, reason: str) -> SampleSizeResult:
    """A size the controller chose by judgement; the reason is required, as it must be recorded."""
    if size < 1:
        raise SamplingError(_("Urvalet måste omfatta minst en post."))
    if size > MAX_SAMPLE_SIZE:
        raise SamplingError(_("Urvalet får omfatta högst %(max)s poster.", max="2 000"))
    if not reason.strip():
        raise SamplingError(
            _("Motivera varför urvalets storlek bestäms efter bedömning i stället för beräknas.")
        )
    return SampleSizeResult(
        size=size, tolerated_deviations=None, method=SampleSizeMethod.JUDGEMENT,
        reason=reason.strip()
    )


# --- evaluation -----------------------------------------------------------------------------------


def _check_counts(size: int, deviations: int) -> None:
    if size < 1:
        raise SamplingError(_("Urvalet måste omfatta minst en post."))
    if deviations < 0:
        raise SamplingError(_("Antalet avvikelser kan inte vara negativt."))
    if deviations > size:
        raise SamplingError(
            _(
                "Antalet avvikelser (%(deviations)s) kan inte vara större än urvalet (%(size)s).",
                deviations=deviations,
                size=size,
            )
        )


def found_text(deviations: int, size: int) -> str:
    """"1 avvikelse av 59 poster", "2 avvikelser av 59 poster": the count in its right form."""
    return ngettext("%(num)d avvikelse av %(size)d poster", "%(num)d avvikelser av %(size)d poster",
                    deviations, size=size)


def upper_limit_permille(risk: Fraction, size: int, deviations: int) -> int:
    """The Clopper-Pearson upper bound in tenths of a percent, rounded up: the smallest m with
    P(X ≤ deviations) ≤ risk for X ~ Bin(size, m / 1000)."""
    if deviations >= size:
        return 1000
    low, high = 0, 1000  # P(X ≤ k) is 1 at p = 0 and 0 at p = 1 (k < n)
    while high - low > 1:
        middle = (low + high) // 2
        if cdf_at_most(size, deviations, Fraction(middle, 1000), risk):
            high = middle
        else:
            low = middle
    return high


def upper_deviation_limit(risk: RateLike, size: int, deviations: int) -> Decimal:
    """The one-sided upper deviation limit as a percentage rounded up to 0.1 (Decimal("10.3"))."""
    risk_rate = _risk(risk)
    _check_counts(size, deviations)
    return Decimal(upper_limit_permille(risk_rate, size, deviations)).scaleb(-1)


def deviation_rate(size: int, deviations: int) -> Decimal:
    """The sample's deviation rate as a percentage rounded to 0.1."""
    return (Decimal(100 * deviations) / Decimal(size)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def evaluate(
    risk: RateLike, size: int, deviations: int, tolerable: RateLike | None = None
) -> SampleEvaluation:
    """Deviations, rate, upper limit and, given a tolerable rate, whether to rely on the control.

    The control is relied on when the printed (rounded-up) limit is at most the tolerable rate,
    as one reads the AICPA evaluation table; for tolerable rates in whole tenths of a percent
    that is the same as comparing the exact bound.
    """
    risk_rate = _risk(risk)
    _check_counts(size, deviations)
    tolerable_rate = None if tolerable is None else as_rate(tolerable)
    if tolerable_rate is not None and not 0 < tolerable_rate < 1:
        raise SamplingError(_("Den tolerabla avvikelsefrekvensen måste ligga mellan 0 och 100 %."))
    upper = upper_deviation_limit(risk_rate, size, deviations)
    rate = deviation_rate(size, deviations)
    confidence = rate_text(1 - risk_rate)
    figures = {
        "found": found_text(deviations, size),
        "upper": format_percent(upper),
        "confidence": confidence,
    }
    if tolerable_rate is None:
        reliable = None
        conclusion = _(
            "Med %(found)s är den övre avvikelsegränsen %(upper)s med %(confidence)s "
            "konfidens. Ange den tolerabla avvikelsefrekvensen för att avgöra om kontrollen kan "
            "förlitas på.",
            **figures,
        )
    else:
        reliable = upper <= as_percent(tolerable_rate)
        figures["tolerable"] = rate_text(tolerable_rate)
        if reliable:
            conclusion = _(
                "Kontrollen kan förlitas på: med %(found)s är den övre avvikelsegränsen "
                "%(upper)s med %(confidence)s konfidens, vilket inte överstiger den tolerabla "
                "avvikelsefrekvensen %(tolerable)s.",
                **figures,
            )
        else:
            conclusion = _(
                "Kontrollen kan inte förlitas på: med %(found)s är den övre avvikelsegränsen "
                "%(upper)s med %(confidence)s konfidens, vilket överstiger den tolerabla "
                "avvikelsefrekvensen %(tolerable)s.",
                **figures,
            )
    return SampleEvaluation(
        risk=risk_rate,
        size=size,
        deviations=deviations,
        deviation_rate=rate,
        upper_limit=upper,
        tolerable=tolerable_rate,
        reliable=reliable,
        conclusion=conclusion,
    )


# --- what a form or a command asks for ---------------------------------------------------------


def size_from_inputs(method: str, *, risk: str | None, tolerable: str | None,
                     expected: str | None, size: int | None = None,
                     reason: str | None = None) -> SampleSizeResult:
    """The sample size as typed on the calculator, the draw form or the command line.

    `method` is "judgement" (a size and its reason) or "statistical" (the rates; risk and
    expected default to 5 % and 0 %, the tolerable rate must be given).
    """
    if method == SampleSizeMethod.JUDGEMENT.value:
        return judgement_size(size or 0, reason or "")
    return sample_size(parse_rate(risk) if risk else DEFAULT_RISK,
                       parse_rate(tolerable or ""),
                       parse_rate(expected) if expected else DEFAULT_EXPECTED)


def size_sentence(result: SampleSizeResult) -> str:
    """The sentence the calculator page and `flask isk sample-size` both print."""
    if result.tolerated_deviations is None:
        return _("Urvalsstorlek: %(size)s poster, bestämd efter bedömning. Motivering: "
                 "%(reason)s", size=result.size, reason=result.reason)
    return _("Urvalsstorlek: %(size)s poster. Tolererade avvikelser: %(deviations)s.",
             size=result.size, deviations=result.tolerated_deviations)
