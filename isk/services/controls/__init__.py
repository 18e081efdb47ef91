"""Kontroller and kontrollutfall of a plan, their evidence, reporting periods and the follow-up.

`planning` and `results` are the package's public face here (`controls.create_control(...)`);
`evidence`, `periods` and `followup` are used as modules.
"""

from ..errors import ControlError
from . import table
from .planning import (
    ControlData,
    Target,
    accepts_changes,
    archive_control,
    change_refusal,
    control_counts_by_action,
    controls_of,
    create_control,
    guard,
    is_region_wide,
    load_control,
    resolve_target,
    target_key,
    targets_for,
    update_control,
)
from .results import ResultData, archive_result, draft_from_sample, record_result

__all__ = [
    "ControlData",
    "ControlError",
    "ResultData",
    "Target",
    "accepts_changes",
    "archive_control",
    "archive_result",
    "change_refusal",
    "control_counts_by_action",
    "controls_of",
    "create_control",
    "draft_from_sample",
    "guard",
    "is_region_wide",
    "load_control",
    "record_result",
    "resolve_target",
    "table",
    "target_key",
    "targets_for",
    "update_control",
]
