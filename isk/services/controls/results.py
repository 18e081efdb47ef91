"""Kontrollutfall: recording each performance of a control, with its evidence files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from ...extensions import db
from ...models import (
    Control,
    ControlResult,
    FollowUp,
    ResultStatus,
    Sample,
)
from ...models.types import utcnow
from .. import audit_log
from ..errors import ControlError
from . import evidence
from .planning import guard


@dataclass
class ResultData:
    performed_text: str
    performed_on: date | None
    status: ResultStatus
    follow_up: FollowUp
    comment: str | None = None
    sample: Sample | None = None


def record_result(
    control: Control, data: ResultData, uploads: Sequence[evidence.EvidenceUpload] = ()
) -> ControlResult:
    """Record one performance of the control with its (already checked) evidence files."""
    guard(control.plan)
    if control.archived_at is not None:
        raise ControlError(_("Kontrollen är arkiverad."))
    performed_text = (data.performed_text or "").strip()
    if not performed_text:
        raise ControlError(
            _("Ange när kontrollen utfördes, till exempel ett datum, en vecka eller T1."),
            "performed_text",
        )
    if data.performed_on is None:
        raise ControlError(_("Ange datum för utförandet."), "performed_on")
    if data.performed_on.year != control.plan.year:
        raise ControlError(
            _("Datumet ska ligga under planens år, %(year)d.", year=control.plan.year),
            "performed_on",
        )
    if data.sample is not None and data.sample.control_id != control.id:
        raise ControlError(_("Stickprovet hör inte till kontrollen."), "sample")
    result = ControlResult(
        control=control,
        performed_text=performed_text,
        performed_on=data.performed_on,
        status=data.status,
        follow_up=data.follow_up,
        comment=(data.comment or "").strip() or None,
        sample=data.sample,
        recorded_by=audit_log.current_actor(),
    )
    db.session.add(result)
    db.session.flush()
    audit_log.record("control_result_recorded", result, control=control.id,
                     status=data.status.value, follow_up=data.follow_up.value)
    for upload in uploads:
        evidence.store(result, upload)
    return result


def archive_result(result: ControlResult) -> None:
    guard(result.control.plan)
    result.archived_at = utcnow()
    for file in result.evidence:
        file.archived_at = file.archived_at or result.archived_at
    db.session.flush()
    audit_log.record("control_result_archived", result, control=result.control_id)
