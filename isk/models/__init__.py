"""All models, imported here so that metadata and migrations see every table."""

from .audit import AuditEntry
from .org import OrgUnit, OrgUnitKind
from .plan import Action, ActionStatus, Criterion, Plan, PlanStatus, ProcessArea, Risk
from .user import REGION_WIDE_ROLES, Role, User

__all__ = [
    "REGION_WIDE_ROLES",
    "Action",
    "ActionStatus",
    "AuditEntry",
    "Criterion",
    "OrgUnit",
    "OrgUnitKind",
    "Plan",
    "PlanStatus",
    "ProcessArea",
    "Risk",
    "Role",
    "User",
]
