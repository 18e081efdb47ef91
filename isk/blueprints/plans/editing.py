"""Editing a plan's verksamheter, risks and åtgärder."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from ...extensions import db
from ...forms import options
from ...models import (
    Action,
    ActionStatus,
    Criterion,
    OrgUnit,
    Plan,
    PlanStatus,
    ProcessArea,
    Risk,
    RiskTreatment,
    SecurityAspect,
    User,
)
from ...permissions import Permission, access
from ...services import plans
from . import bp
from .forms import ActionForm, ArchiveForm, AreaForm, RiskForm
from .helpers import action_or_404, area_or_404, plan_or_404, risk_or_404, show_error

View = Response | str | tuple[str, int]


def _to_plan(plan: Plan, anchor: str | None = None) -> Response:
    return redirect(url_for("plans.show", plan_id=plan.id, _anchor=anchor))


def _saved(plan: Plan, message: str, anchor: str | None = None) -> Response:
    db.session.commit()
    if plan.status is PlanStatus.ADOPTED:
        message += " " + _("Ändringen är sparad som en ny version av planen.")
    flash(message, "success")
    return _to_plan(plan, anchor)


def _form_status(form: object) -> int:
    return 400 if getattr(form, "errors", None) else 200


def _confirm_change(
    plan: Plan,
    item: ProcessArea | Risk | Action,
    what: str,
    operation: Callable[..., None],
    done: str,
    *,
    anchor: str | None = None,
    restore: bool = False,
) -> View:
    """The archive/restore confirmation: the item's version, a reason when the plan asks one."""
    form = ArchiveForm(version=item.version_id) if request.method == "GET" else ArchiveForm()
    status = _form_status(form)
    if form.validate_on_submit():
        try:
            operation(item, form.reason.data, form.expected_version())
            db.session.flush()
        except (plans.PlanError, StaleDataError) as error:
            status = show_error(form, error)
        else:
            return _saved(plan, done, anchor)
    return render_template("plans/archive.html", plan=plan, form=form, what=what,
                           restore=restore), status


# --- verksamheter --------------------------------------------------------------------------


@bp.route("/<int:plan_id>/verksamheter/ny", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def new_area(plan_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    form = AreaForm()
    if form.validate_on_submit():
        try:
            plans.create_area(plan, form.name.data, form.reason.data)
        except plans.PlanError as error:
            status = show_error(form, error)
            return render_template("plans/area_form.html", plan=plan, form=form), status
        return _saved(plan, _("Verksamheten ”%(name)s” är tillagd.", name=form.name.data.strip()))
    return render_template("plans/area_form.html", plan=plan, form=form), _form_status(form)


@bp.route("/<int:plan_id>/verksamheter/<int:area_id>", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def edit_area(plan_id: int, area_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    area = area_or_404(plan, area_id)
    form = AreaForm(obj=area if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = area.version_id
    if form.validate_on_submit():
        try:
            plans.rename_area(area, form.name.data, form.expected_version(), form.reason.data)
            db.session.flush()
        except (plans.PlanError, StaleDataError) as error:
            status = show_error(form, error)
            return render_template("plans/area_form.html", plan=plan, form=form,
                                   area=area), status
        return _saved(plan, _("Verksamheten är ändrad."))
    return render_template("plans/area_form.html", plan=plan, form=form, area=area), \
        _form_status(form)


@bp.route("/<int:plan_id>/verksamheter/<int:area_id>/arkivera", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def archive_area(plan_id: int, area_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    area = area_or_404(plan, area_id)
    return _confirm_change(plan, area, _("verksamheten ”%(name)s”", name=area.name),
                           plans.archive_area, _("Verksamheten är arkiverad."))


# --- risks ---------------------------------------------------------------------------------


def _owner_choices(plan: Plan) -> list[SelectChoice]:
    people = db.session.scalars(
        select(User).join(User.org_unit)
        .where(OrgUnit.path.startswith(plan.org_unit.path), User.archived_at.is_(None))
        .order_by(User.name)
    ).all()
    people_choices = ((u.id, f"{u.name} ({u.role.label})") for u in people)
    return options([(0, _("Ingen angiven")), *people_choices])


def _risk_form(plan: Plan, risk: Risk | None = None) -> RiskForm:
    form = RiskForm(obj=None)
    form.area.choices = options((a.id, a.name) for a in plans.live(plan.process_areas))
    form.owner.choices = _owner_choices(plan)
    if request.method == "GET":
        if risk is not None:
            form.area.data = risk.process_area_id
            form.text.data = risk.text
            form.criteria.data = [c.value for c in risk.criteria]
            form.aspects.data = [a.value for a in risk.aspects]
            form.likelihood.data = str(risk.likelihood or "")
            form.consequence.data = str(risk.consequence or "")
            form.treatment.data = risk.treatment.value
            form.accepted_by.data = risk.accepted_by
            form.accepted_on.data = risk.accepted_on
            form.acceptance_reason.data = risk.acceptance_reason
            form.source.data = risk.source
            form.owner.data = risk.owner_id or 0
            form.version.data = risk.version_id
        else:
            area_id = request.args.get("verksamhet", type=int)
            if area_id:
                form.area.data = area_id
    return form


def _risk_data(form: RiskForm) -> plans.RiskData:
    owner = db.session.get(User, form.owner.data) if form.owner.data else None
    return plans.RiskData(
        text=form.text.data or "",
        criteria={Criterion(c) for c in form.criteria.data or []},
        aspects={SecurityAspect(a) for a in form.aspects.data or []},
        likelihood=int(form.likelihood.data) if form.likelihood.data else None,
        consequence=int(form.consequence.data) if form.consequence.data else None,
        treatment=RiskTreatment(form.treatment.data or RiskTreatment.MITIGATE.value),
        accepted_by=form.accepted_by.data,
        accepted_on=form.accepted_on.data,
        acceptance_reason=form.acceptance_reason.data,
        source=form.source.data,
        owner=owner,
    )


@bp.route("/<int:plan_id>/risker/ny", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def new_risk(plan_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    form = _risk_form(plan)
    if not form.area.choices:
        flash(_("Lägg först till en verksamhet i planen."), "info")
        return redirect(url_for("plans.new_area", plan_id=plan.id))
    if form.validate_on_submit():
        area = area_or_404(plan, form.area.data)
        try:
            risk = plans.create_risk(area, _risk_data(form), form.reason.data)
        except plans.PlanError as error:
            status = show_error(form, error)
            return render_template("plans/risk_form.html", plan=plan, form=form), status
        return _saved(plan, _("Risken är tillagd."), f"risk-{risk.id}")
    return render_template("plans/risk_form.html", plan=plan, form=form), _form_status(form)


@bp.route("/<int:plan_id>/risker/<int:risk_id>", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def edit_risk(plan_id: int, risk_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    risk = risk_or_404(plan, risk_id)
    form = _risk_form(plan, risk)
    history = plans.risk_history(risk)
    if form.validate_on_submit():
        area = area_or_404(plan, form.area.data)
        try:
            plans.update_risk(risk, _risk_data(form), area, form.expected_version(),
                              form.reason.data)
            db.session.flush()
        except (plans.PlanError, StaleDataError) as error:
            status = show_error(form, error)
            return render_template("plans/risk_form.html", plan=plan, form=form, risk=risk,
                                   history=history), status
        return _saved(plan, _("Risken är ändrad."), f"risk-{risk.id}")
    return render_template("plans/risk_form.html", plan=plan, form=form, risk=risk,
                           history=history), _form_status(form)


@bp.route("/<int:plan_id>/risker/<int:risk_id>/arkivera", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def archive_risk(plan_id: int, risk_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    risk = risk_or_404(plan, risk_id)
    return _confirm_change(plan, risk, _("risken ”%(text)s”", text=risk.text), plans.archive_risk,
                           _("Risken är arkiverad. Den kan återställas från planens sida."))


@bp.route("/<int:plan_id>/risker/<int:risk_id>/aterstall", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def restore_risk(plan_id: int, risk_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    risk = risk_or_404(plan, risk_id, archived=True)
    return _confirm_change(plan, risk, _("risken ”%(text)s”", text=risk.text), plans.restore_risk,
                           _("Risken är återställd."), anchor=f"risk-{risk.id}", restore=True)


# --- åtgärder ------------------------------------------------------------------------------


def _action_data(form: ActionForm) -> plans.ActionData:
    return plans.ActionData(
        text=form.text.data or "", responsible=form.responsible.data,
        due_date=form.due_date.data, status=ActionStatus(form.status.data),
    )


@bp.route("/<int:plan_id>/risker/<int:risk_id>/atgarder/ny", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def new_action(plan_id: int, risk_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    risk = risk_or_404(plan, risk_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            plans.create_action(risk, _action_data(form), form.reason.data)
        except plans.PlanError as error:
            status = show_error(form, error)
            return render_template("plans/action_form.html", plan=plan, risk=risk,
                                   form=form), status
        return _saved(plan, _("Åtgärden är tillagd."), f"risk-{risk.id}")
    return render_template("plans/action_form.html", plan=plan, risk=risk, form=form), \
        _form_status(form)


@bp.route("/<int:plan_id>/atgarder/<int:action_id>", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def edit_action(plan_id: int, action_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    action = action_or_404(plan, action_id)
    form = ActionForm(obj=action if request.method == "GET" else None)
    if request.method == "GET":
        form.status.data = action.status.value
        form.version.data = action.version_id
    if form.validate_on_submit():
        try:
            plans.update_action(action, _action_data(form), form.expected_version(),
                                form.reason.data)
            db.session.flush()
        except (plans.PlanError, StaleDataError) as error:
            status = show_error(form, error)
            return render_template("plans/action_form.html", plan=plan, risk=action.risk,
                                   form=form, action=action), status
        return _saved(plan, _("Åtgärden är ändrad."), f"risk-{action.risk_id}")
    return render_template("plans/action_form.html", plan=plan, risk=action.risk, form=form,
                           action=action), _form_status(form)


@bp.route("/<int:plan_id>/atgarder/<int:action_id>/arkivera", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def archive_action(plan_id: int, action_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    action = action_or_404(plan, action_id)
    return _confirm_change(plan, action, _("åtgärden ”%(text)s”", text=action.text),
                           plans.archive_action, _("Åtgärden är arkiverad."),
                           anchor=f"risk-{action.risk_id}")
