"""What the plan views share: loading with permission checks, and showing service errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from ...extensions import db
from ...models import Action, Plan, ProcessArea, Risk
from ...permissions import Permission, require
from ...services import plans


def plan_or_404(plan_id: int, permission: Permission = Permission.VIEW_PLAN) -> Plan:
    plan = db.session.get(Plan, plan_id)
    if plan is None or plan.archived_at is not None:
        abort(404)
    require(permission, plan)
    return plan


def area_or_404(plan: Plan, area_id: int) -> ProcessArea:
    area = db.session.get(ProcessArea, area_id)
    if area is None or area.plan_id != plan.id or area.archived_at is not None:
        abort(404)
    return area


def risk_or_404(plan: Plan, risk_id: int, *, archived: bool = False) -> Risk:
    risk = db.session.get(Risk, risk_id)
    if risk is None or risk.process_area.plan_id != plan.id:
        abort(404)
    if (risk.archived_at is not None) != archived:
        abort(404)
    return risk


def action_or_404(plan: Plan, action_id: int) -> Action:
    action = db.session.get(Action, action_id)
    if (action is None or action.archived_at is not None
            or action.risk.process_area.plan_id != plan.id):
        abort(404)
    return action


def show_error(form: FlaskForm, error: Exception) -> int:
    """Put a service's refusal where the user sees it; return the HTTP status to answer with."""
    db.session.rollback()
    if isinstance(error, StaleDataError | plans.ConflictError):
        message = str(error) if isinstance(error, plans.ConflictError) else _(
            "Någon annan har ändrat uppgiften sedan du öppnade formuläret. Dina ändringar har "
            "inte sparats. Ladda om sidan och gör om ändringen.")
        flash(message, "error")
        return 409
    field = getattr(error, "field", None)
    if field and field in form:
        form[field].errors = [*form[field].errors, str(error)]
    else:
        flash(str(error), "error")
    return 400


View = Response | str | tuple[str, int]


def submit(form: FlaskForm, change: Callable[[], tuple[str, str]], template: str,
           **context: Any) -> View:
    """Validate → change → one commit → flash → redirect; else the form again with a 4xx.

    `change` calls the service and returns the message to show and where to go next. A
    refusal from the service (or a version conflict, which the flush brings out) shows on
    the form, and nothing is written.
    """
    status = 200
    if form.validate_on_submit():
        try:
            message, target = change()
            db.session.flush()
        except (plans.PlanError, StaleDataError) as error:
            status = show_error(form, error)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(target)
    elif form.errors:
        status = 400
    return render_template(template, form=form, **context), status
