"""The 4×4 risk matrix: sannolikhet × konsekvens, its cells and the colour band of a riskvärde."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ...models.types import LabelledEnum
from .fields import RiskContent

SCALE = (1, 2, 3, 4)


class RiskLevel(LabelledEnum):
    """The band a riskvärde falls in: 1-3 low, 4-6 medium, 8-9 high, 12-16 very high."""

    LOW = "low", _l("Låg")
    MEDIUM = "medium", _l("Medel")
    HIGH = "high", _l("Hög")
    VERY_HIGH = "very-high", _l("Mycket hög")


_BANDS = ((12, RiskLevel.VERY_HIGH), (8, RiskLevel.HIGH), (4, RiskLevel.MEDIUM))


def risk_level(score: int) -> RiskLevel:
    for lowest, level in _BANDS:
        if score >= lowest:
            return level
    return RiskLevel.LOW


@dataclass(frozen=True)
class MatrixCell:
    likelihood: int
    consequence: int
    count: int

    @property
    def score(self) -> int:
        return self.likelihood * self.consequence

    @property
    def level(self) -> str:
        """The colour band, as the stylesheet names it."""
        return risk_level(self.score).value


def build_matrix(risks: Iterable[RiskContent]) -> list[list[MatrixCell]]:
    """Rows from konsekvens 4 down to 1, columns sannolikhet 1 to 4, each with its count."""
    counts = Counter((r.likelihood, r.consequence) for r in risks if r.risk_score is not None)
    return [[MatrixCell(likelihood, consequence, counts[likelihood, consequence])
             for likelihood in SCALE] for consequence in reversed(SCALE)]


__all__ = ["SCALE", "MatrixCell", "RiskLevel", "build_matrix", "risk_level"]
