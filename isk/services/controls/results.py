"""Kontrollutfall: recording each performance of a control, or that it was not performed.

"Utfört", the result and "Eventuella åtgärder" are kept as written; the days "Utfört" stands for
are read from it (periods.parse_performed), and the planned occurrences the kontrollutfall
covers follow from those days unless the user names them. Nothing is invented: a control not
performed has no date and must say why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from ...extensions import db
from ...models import (
    Control,
    ControlResult,
    RemediationStatus,
    ResultCategory,
    Sample,
)
from ...models.types import utcnow
from .. import audit_log, clock
from ..errors import ControlError
from . import evidence, periods
from .planning import guard

NOT_PERFORMED_TEXT = "Ej utfört"
MAX_PERFORMED_LENGTH = 100  # the column's width


@dataclass
class ResultData:
    """One kontrollutfall as the follow-up table has it.

    `performed`: None reads it from `performed_text`; False records "Ej utfört" (the text may
    be left empty). `occurrences`: the planned occurrences it covers; None derives them.
    """

    performed_text: str
    result_text: str | None = None
    category: ResultCategory | None = None
    remediation: str | None = None
    remediation_status: RemediationStatus | None = None
    performed: bool | None = None
    occurrences: list[str] | None = None
    sample: Sample | None = None


def read_performed(year: int, data: ResultData) -> periods.Performed:
    """What "Utfört" says about the plan year, checked against the outcome the user chose."""
    text = " ".join((data.performed_text or "").split())
    if len(text) > MAX_PERFORMED_LENGTH:
        raise ControlError(_("Utfört får vara högst %(n)d tecken.", n=MAX_PERFORMED_LENGTH),
                           "performed_text")
    if data.performed is False:
        if not text:
            return periods.Performed(NOT_PERFORMED_TEXT, False)
        if not periods.NOT_PERFORMED.match(text):
            raise ControlError(
                _("En kontroll som inte utfördes har inget datum: skriv ”Ej utfört” eller "
                  "lämna fältet tomt."), "performed_text")
        return periods.Performed(text, False)
    try:
        performed = periods.parse_performed(text, year)
    except periods.PerformedError as error:
        raise ControlError(str(error), "performed_text") from None
    if data.performed is True and not performed.performed:
        raise ControlError(_("Ange när kontrollen utfördes, eller välj ”Ej utförd”."),
                           "performed_text")
    return performed


def _covered(control: Control, performed: periods.Performed,
             chosen: list[str] | None) -> list[str]:
    planned = list(control.occurrences or [])
    if not planned:
        if chosen:
            raise ControlError(_("Kontrollen är inte planerad till några tillfällen."),
                               "occurrences")
        return []
    if chosen:
        unknown = [code for code in chosen if code not in planned]
        if unknown:
            raise ControlError(
                _("Kontrollen är inte planerad till %(when)s.",
                  when=periods.occurrences_text(unknown)), "occurrences")
        return periods.sort_occurrences(chosen)
    if len(planned) == 1:
        return planned
    covered = periods.suggested_occurrences(performed, planned, control.plan.year)
    if not covered:
        raise ControlError(
            _("Ange vilket av de planerade tillfällena (%(when)s) utfallet gäller.",
              when=periods.occurrences_text(planned)), "occurrences")
    return covered


def record_result(
    control: Control, data: ResultData, uploads: Sequence[evidence.EvidenceUpload] = ()
) -> ControlResult:
    """Record one performance of the control (or that it was not performed) with its (already
    checked) evidence files."""
    guard(control.plan)
    if control.archived_at is not None:
        raise ControlError(_("Kontrollen är arkiverad."))
    performed = read_performed(control.plan.year, data)
    result_text = (data.result_text or "").strip() or None
    if not performed.performed:
        if result_text is None:
            raise ControlError(_("Skriv varför kontrollen inte utfördes."), "result_text")
        if data.category is not None:
            raise ControlError(
                _("En kontroll som inte utfördes har inget resultat att kategorisera."),
                "category")
        if data.sample is not None:
            raise ControlError(_("Ett stickprov visar att kontrollen utfördes."), "sample")
    if data.sample is not None and data.sample.control_id != control.id:
        raise ControlError(_("Stickprovet hör inte till kontrollen."), "sample")
    remediation = (data.remediation or "").strip() or None
    result = ControlResult(
        control=control,
        occurrences=_covered(control, performed, data.occurrences),
        performed=performed.performed,
        performed_text=performed.text,
        performed_start=performed.start,
        performed_end=performed.end,
        result_text=result_text,
        category=data.category,
        remediation=remediation,
        remediation_status=data.remediation_status,
        sample=data.sample,
        recorded_by=audit_log.current_actor(),
    )
    db.session.add(result)
    db.session.flush()
    audit_log.record(
        "control_result_recorded", result, control=control.id,
        performed=performed.performed,
        category=data.category.value if data.category else None,
        remediation_status=data.remediation_status.value if data.remediation_status else None)
    for upload in uploads:
        evidence.store(result, upload)
    return result


def draft_from_sample(sample: Sample) -> ResultData | None:
    """A kontrollutfall to start from, once the stickprov is evaluated: the day its last item
    was checked, its conclusion as the result, brister if it found deviations. None before."""
    from ..sampling.samples import status_of

    status = status_of(sample)
    evaluation = status.evaluation
    if evaluation is None:
        return None
    checked = [item.checked_at for item in sample.items if item.checked_at is not None]
    year = sample.control.plan.year
    last = max(checked).astimezone(clock.LOCAL_TIME).date() if checked else None
    performed_text = last.isoformat() if last is not None and last.year == year else ""
    deviations = evaluation.deviations + status.full_review_deviations
    found = deviations > 0 or evaluation.reliable is False
    draft = ResultData(
        performed_text=performed_text,
        result_text=_("Stickprov: %(conclusion)s", conclusion=evaluation.conclusion),
        category=ResultCategory.FINDINGS if found else ResultCategory.NO_FINDINGS,
        performed=True,
        sample=sample,
    )
    if performed_text:
        performed = periods.parse_performed(performed_text, year)
        draft.occurrences = periods.suggested_occurrences(
            performed, sample.control.occurrences, year) or None
    return draft


def archive_result(result: ControlResult) -> None:
    guard(result.control.plan)
    result.archived_at = utcnow()
    for file in result.evidence:
        file.archived_at = file.archived_at or result.archived_at
    db.session.flush()
    audit_log.record("control_result_archived", result, control=result.control_id)
