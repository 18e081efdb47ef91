"""The one place that decides what a role in an org scope may do.

Every route declares its rule with `@access(...)`: `PUBLIC`, `AUTHENTICATED` or a
`Permission`. `enforce_route_access` runs before each request, so a route is checked
even if its view forgets to; a route that declares nothing is refused (fail closed),
and a test walks `app.url_map` so that such a route never ships.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import ColumnElement, false, or_, select, true, union

from .extensions import db
from .models import (
    Control,
    OrgUnit,
    OrgUnitKind,
    Plan,
    ProcessArea,
    Risk,
    Role,
    SamFollowUp,
    SamRound,
    User,
)

F = TypeVar("F", bound=Callable[..., Any])


class Permission(enum.StrEnum):
    VIEW_PLAN = "view_plan"
    EDIT_PLAN = "edit_plan"
    ADOPT_PLAN = "adopt_plan"
    MANAGE_USERS = "manage_users"
    MANAGE_ORG = "manage_org"
    VIEW_AUDIT_LOG = "view_audit_log"
    # SAM: keep the manager chain; start and run rounds; answer or confirm a follow-up
    # (which one is decided per object below); read overviews and exports.
    MANAGE_MANAGER_CHAIN = "manage_manager_chain"
    MANAGE_SAM = "manage_sam"
    RESPOND_SAM = "respond_sam"
    VIEW_SAM_OVERVIEW = "view_sam_overview"
    # Controls and stickprov: plan controls, draw samples, record kontrollutfall and evidence.
    RECORD_CONTROLS = "record_controls"


class Access(enum.Enum):
    PUBLIC = "public"
    AUTHENTICATED = "authenticated"


PUBLIC = Access.PUBLIC
AUTHENTICATED = Access.AUTHENTICATED

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.CONTROLLER: frozenset(
        {
            Permission.VIEW_PLAN,
            Permission.EDIT_PLAN,
            Permission.VIEW_SAM_OVERVIEW,
            Permission.RECORD_CONTROLS,
        }
    ),
    Role.MANAGER: frozenset(
        {Permission.VIEW_PLAN, Permission.ADOPT_PLAN, Permission.RESPOND_SAM}
    ),
    Role.READER: frozenset({Permission.VIEW_PLAN}),
    Role.AUDITOR: frozenset(
        {Permission.VIEW_PLAN, Permission.VIEW_AUDIT_LOG, Permission.VIEW_SAM_OVERVIEW}
    ),
    Role.HR: frozenset(
        {
            Permission.VIEW_PLAN,
            Permission.MANAGE_SAM,
            Permission.RESPOND_SAM,
            Permission.VIEW_SAM_OVERVIEW,
        }
    ),
}

# Endpoints Flask itself adds; they serve only the public static files.
EXEMPT_ENDPOINTS = frozenset({"static"})
ACCESS_ATTRIBUTE = "isk_access"


def access(rule: Access | Permission) -> Callable[[F], F]:
    """Declare what a route needs; enforced centrally by `enforce_route_access`."""

    def decorate(view: F) -> F:
        setattr(view, ACCESS_ATTRIBUTE, rule)
        return view

    return decorate


def declared_access(view: Callable[..., Any]) -> Access | Permission | None:
    return getattr(view, ACCESS_ATTRIBUTE, None)


def has_permission(user: User | Any, permission: Permission) -> bool:
    """May this user's role do this at all (somewhere in its scope)?"""
    if not getattr(user, "is_authenticated", False):
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def in_scope(user: User, unit: OrgUnit) -> bool:
    """Is the unit the user's own or below it, or is the user's role region-wide?"""
    if user.is_region_wide:
        return True
    return user.org_unit is not None and user.org_unit.contains(unit)


def can(user: User | Any, permission: Permission, obj: Plan | OrgUnit | None = None) -> bool:
    """May this user do this to this object?"""
    if not has_permission(user, permission):
        return False
    if obj is None:
        return True
    if isinstance(obj, Plan) and permission is Permission.VIEW_PLAN and obj.is_region_plan:
        return True  # the region's shared content is part of every plan: anyone may read it
    unit = obj.org_unit if isinstance(obj, Plan) else obj
    if in_scope(user, unit):
        return True
    return (isinstance(obj, Plan) and permission is Permission.VIEW_PLAN
            and obj.id in owned_plan_ids(user))


def _owned_plans(user: User) -> Any:
    """The plans in which the user owns a live risk or is responsible for a live control."""
    return union(
        select(ProcessArea.plan_id).join(Risk, Risk.process_area_id == ProcessArea.id)
        .where(Risk.owner_id == user.id, Risk.archived_at.is_(None)),
        select(Control.plan_id).where(Control.responsible_id == user.id,
                                      Control.archived_at.is_(None)),
    )


def owned_plan_ids(user: User) -> frozenset[int]:
    """Plans outside the user's scope that they may still read: a chef of an område who owns
    a risk, or is responsible for a control, in the nämnd's plan sees what they own.

    Asked only when the scope says no; remembered for the request.
    """
    cache = g.setdefault("isk_owned_plans", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = frozenset(db.session.scalars(_owned_plans(user)))
    return cache[user.id]


def readable_plans(user: User | Any) -> ColumnElement[bool]:
    """`can(user, VIEW_PLAN, plan)` as SQL, for a query that joins Plan and its OrgUnit."""
    if not has_permission(user, Permission.VIEW_PLAN):
        return false()
    if user.is_region_wide:
        return true()
    readable = [OrgUnit.kind == OrgUnitKind.REGION,
                Plan.id.in_(select(_owned_plans(user).subquery().c[0]))]
    if user.org_unit is not None:
        readable.append(OrgUnit.path.startswith(user.org_unit.path))
    return or_(*readable)


def who_may(permission: Permission, plan: Plan) -> list[User]:
    """The active users who may do this to the plan, by name: whom to ask (one query)."""
    from sqlalchemy import or_, select

    from .extensions import db

    roles = [role for role, granted in ROLE_PERMISSIONS.items() if permission in granted]
    above = [int(part) for part in plan.org_unit.path.strip("/").split("/") if part]
    candidates = db.session.scalars(
        select(User).where(User.role.in_(roles), User.active.is_(True),
                           User.archived_at.is_(None),
                           or_(User.org_unit_id.in_(above), User.org_unit_id.is_(None)))
        .order_by(User.name)
    ).all()
    return [user for user in candidates if in_scope(user, plan.org_unit)]


def require(permission: Permission, obj: Plan | OrgUnit | None = None) -> None:
    """Abort with 403 unless the current user may do this to this object."""
    if not can(current_user, permission, obj):
        abort(403)


def sam_scope(user: User | Any, sam_round: SamRound) -> OrgUnit | None:
    """The part of a SAM round whose overview the user may read, or None.

    The whole round if its unit is in the user's scope; the user's own subtree if the
    round covers more than the user's scope (an HR user of one förvaltning in a
    region-wide round).
    """
    if not has_permission(user, Permission.VIEW_SAM_OVERVIEW):
        return None
    if in_scope(user, sam_round.org_unit):
        return sam_round.org_unit
    if user.org_unit is not None and sam_round.org_unit.contains(user.org_unit):
        return user.org_unit
    return None


def is_own_follow_up(user: User | Any, follow_up: SamFollowUp) -> bool:
    return getattr(user, "is_authenticated", False) and follow_up.manager_id == user.id


def may_view_follow_up(user: User | Any, follow_up: SamFollowUp) -> bool:
    """The chef, whoever may confirm it, and overview readers whose scope holds its unit."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_own_follow_up(user, follow_up) or may_confirm_follow_up(user, follow_up):
        return True
    return has_permission(user, Permission.VIEW_SAM_OVERVIEW) and in_scope(
        user, follow_up.org_unit
    )


def readable_follow_ups(user: User | Any) -> ColumnElement[bool]:
    """`may_view_follow_up` as SQL, for a query that joins SamFollowUp and its OrgUnit."""
    if not getattr(user, "is_authenticated", False):
        return false()
    readable: list[ColumnElement[bool]] = [SamFollowUp.manager_id == user.id]
    if has_permission(user, Permission.RESPOND_SAM):
        readable.append(SamFollowUp.delegating_manager_id == user.id)
    if has_permission(user, Permission.VIEW_SAM_OVERVIEW):
        if user.is_region_wide:
            return true()
        if user.org_unit is not None:
            readable.append(OrgUnit.path.startswith(user.org_unit.path))
    return or_(*readable)


def may_answer_follow_up(user: User | Any, follow_up: SamFollowUp) -> bool:
    """Only the chef answers, returns tasks and kvitterar their own follow-up."""
    return has_permission(user, Permission.RESPOND_SAM) and is_own_follow_up(user, follow_up)


def may_confirm_follow_up(user: User | Any, follow_up: SamFollowUp) -> bool:
    """The fördelande chef stämmer av; at the top of the chain, whoever runs SAM for the unit."""
    if not has_permission(user, Permission.RESPOND_SAM) or is_own_follow_up(user, follow_up):
        return False
    delegating = follow_up.delegating_manager
    if delegating is not None and delegating.is_active:
        return delegating.id == user.id
    # At the top of the chain, or when the fördelande chef has left: whoever runs SAM there.
    return has_permission(user, Permission.MANAGE_SAM) and in_scope(user, follow_up.org_unit)


def enforce_route_access() -> Any:
    """before_request: apply the rule the matched route declared."""
    if request.endpoint is None or request.endpoint in EXEMPT_ENDPOINTS:
        return None  # 404/405 follow from routing itself
    view = current_app.view_functions[request.endpoint]
    rule = declared_access(view)
    if rule is None:
        current_app.logger.error("route %s declares no access rule", request.endpoint)
        abort(403)
    if rule is PUBLIC:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if isinstance(rule, Permission) and not has_permission(current_user, rule):
        abort(403)
    return None


def init_app(app: Flask) -> None:
    app.before_request(enforce_route_access)
    app.jinja_env.globals.update(can=can, has_permission=has_permission, Permission=Permission)
    app.jinja_env.globals.update(
        may_answer_follow_up=may_answer_follow_up,
        may_confirm_follow_up=may_confirm_follow_up,
    )
