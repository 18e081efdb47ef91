"""What the SAM services share: the checklist's defaults and limits, the target, the refusals."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...models import AnswerValue
from ..errors import ConflictError, FieldProblems, SamError

__all__ = [
    "DEFAULT_QUESTIONS",
    "MAX_COMMENT_LENGTH",
    "MAX_QUESTIONS",
    "MAX_QUESTION_LENGTH",
    "NEEDS_COMMENT",
    "TARGET_SHARE",
    "SamAnswerProblems",
    "SamConflict",
    "SamError",
]

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


class SamConflict(ConflictError, SamError):
    """The follow-up or round changed since the page was loaded, or its state no longer allows
    the change (a closed round, a kvitterad follow-up): 409."""


class SamAnswerProblems(FieldProblems, SamError):
    """Every unanswered point and every missing comment of a save, each on its own field."""
