"""The assessment as printed, and what changed between two of its versions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...models import REQUIREMENTS, Assessment, Judgement
from ...models.types import utcnow
from .. import clock, wording
from ..clock import local
from .assessments import latest_revision
from .evidence import gather

FIELD_LABELS = {
    "judgement": _l("Bedömning"),
    "motivation": _l("Motivering"),
    **{f"statement_{letter}": _l("Krav %(letter)s", letter=letter) for letter in REQUIREMENTS},
    "adopted_on": _l("Beslutsdatum"),
    "adoption_paragraph": _l("Paragraf"),
    "diary_number": _l("Diarienummer"),
}
FIGURE_LABELS = {
    "risks": _l("Risker"), "actions_done": _l("Genomförda åtgärder"),
    "actions": _l("Åtgärder"), "controls_planned": _l("Planerade kontroller"),
    "controls_performed": _l("Utförda kontroller"),
    "results_with_findings": _l("Kontrollutfall med brister"),
    "sam_acknowledged": _l("Chefer som kvitterat SAM"),
}


def pdf_filename(item: Assessment) -> str:
    return (f"isk-bedomning-{item.year}-{item.period.value}-"
            f"{item.org_unit.code.lower()}.pdf")


def pdf_of(item: Assessment, *, printed_by: str | None = None) -> bytes:
    """The assessment as the nämnd receives it."""
    evidence = gather(item.org_unit, item.year, item.period, clock.today())
    latest = latest_revision(item)
    changed_after = None
    if latest is not None and latest.number > 1:
        changed_after = (latest.number, local(latest.created_at).strftime("%Y-%m-%d"),
                         latest.reason)
    from ..pdf.assessment import render_assessment  # reportlab only when printing

    data = render_assessment(item, evidence, wording.region_texts(item.org_unit),
                             printed=utcnow(), printed_by=printed_by,
                             revision=latest.number if latest else None,
                             changed_after=changed_after)
    return data


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def _shown(name: str, value: Any) -> str:
    if value in (None, ""):
        return "–"
    if name == "judgement":
        return Judgement(value).label
    return str(value)


def revision_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """Field by field, what a version changed from the one before (all of it for the first);
    förbättringsområden added or removed; and key figures of the evidence that moved."""
    before = before or {}
    changes = [Change(str(label), _shown(name, before.get(name)), _shown(name, after.get(name)))
               for name, label in FIELD_LABELS.items() if before.get(name) != after.get(name)]
    old, new = before.get("improvements", []), after.get("improvements", [])
    changes += [Change(str(_("Förbättringsområde tillagt")), "–", text)
                for text in new if text not in old]
    changes += [Change(str(_("Förbättringsområde borttaget")), text, "–")
                for text in old if text not in new]
    old_figures, new_figures = before.get("figures", {}), after.get("figures", {})
    if old_figures:
        changes += [Change(str(_("Underlag: %(figure)s", figure=label)),
                           str(old_figures.get(name, "–")), str(new_figures.get(name, "–")))
                    for name, label in FIGURE_LABELS.items()
                    if old_figures.get(name) != new_figures.get(name)]
    return changes


__all__ = ["Change", "pdf_filename", "pdf_of", "revision_changes"]
