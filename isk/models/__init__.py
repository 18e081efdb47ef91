"""All models, imported here so that metadata and migrations see every table."""

from .audit import AuditEntry
from .org import OrgUnit, OrgUnitKind
from .plan import (
    Action,
    ActionStatus,
    Criterion,
    Plan,
    PlanRevision,
    PlanStatus,
    ProcessArea,
    Risk,
    RiskTreatment,
    SecurityAspect,
)
from .sam import (
    AnswerValue,
    FollowUpStatus,
    ManagerAssignment,
    ManagerUnit,
    ReminderKind,
    RoundStatus,
    SamAnswer,
    SamFollowUp,
    SamQuestion,
    SamReminder,
    SamReturn,
    SamRound,
)
from .user import REGION_WIDE_ROLES, Role, User

__all__ = [
    "REGION_WIDE_ROLES",
    "Action",
    "ActionStatus",
    "AnswerValue",
    "AuditEntry",
    "Criterion",
    "FollowUpStatus",
    "ManagerAssignment",
    "ManagerUnit",
    "OrgUnit",
    "OrgUnitKind",
    "Plan",
    "PlanRevision",
    "PlanStatus",
    "ProcessArea",
    "ReminderKind",
    "Risk",
    "RiskTreatment",
    "Role",
    "RoundStatus",
    "SamAnswer",
    "SamFollowUp",
    "SamQuestion",
    "SamReminder",
    "SamReturn",
    "SamRound",
    "SecurityAspect",
    "User",
]
