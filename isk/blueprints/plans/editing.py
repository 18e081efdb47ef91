"""Editing a plan's verksamheter, risks and åtgärder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from ...forms import options
from ...models import (
    Action,
    Plan,
    PlanStatus,
    ProcessArea,
    Risk,
)
from ...permissions import Permission, access
from ...services import org, plans
from ..refusals import View, submit
from . import bp
from .forms import ActionForm, ArchiveForm, AreaForm, RiskForm
from .helpers import action_or_404, area_or_404, plan_or_404, risk_or_404


def _submit(form: FlaskForm, change: Callable[[], str | None], done: str, template: str,
            **context: Any) -> View:
    """`submit` for a change to the plan: back to the plan page, at the changed risk.

    `change` calls the service and returns the anchor to show on the plan page.
    """
    plan: Plan = context["plan"]

    def apply() -> tuple[str, str]:
        anchor = change()
        message = done
        if plan.status is PlanStatus.ADOPTED:
            message += " " + _("Ändringen är sparad som en ny version av planen.")
        return message, url_for("plans.show", plan_id=plan.id, _anchor=anchor)

    return submit(form, apply, template, **context)


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

    def change() -> str | None:
        operation(item, form.reason.data, form.expected_version())
        return anchor

    return _submit(form, change, done, "plans/archive.html", plan=plan, what=what,
                   restore=restore)


# --- verksamheter --------------------------------------------------------------------------


@bp.route("/<int:plan_id>/verksamheter/ny", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def new_area(plan_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    form = AreaForm()

    def change() -> None:
        plans.create_area(plan, form.name.data, form.reason.data)

    done = _("Verksamheten ”%(name)s” är tillagd.", name=(form.name.data or "").strip())
    return _submit(form, change, done, "plans/area_form.html", plan=plan)


@bp.route("/<int:plan_id>/verksamheter/<int:area_id>", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def edit_area(plan_id: int, area_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    area = area_or_404(plan, area_id)
    form = AreaForm(obj=area, version=area.version_id) if request.method == "GET" else AreaForm()

    def change() -> None:
        plans.rename_area(area, form.name.data, form.expected_version(), form.reason.data)

    return _submit(form, change, _("Verksamheten är ändrad."), "plans/area_form.html",
                   plan=plan, area=area)


@bp.route("/<int:plan_id>/verksamheter/<int:area_id>/arkivera", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def archive_area(plan_id: int, area_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    area = area_or_404(plan, area_id)
    return _confirm_change(plan, area, _("verksamheten ”%(name)s”", name=area.name),
                           plans.archive_area, _("Verksamheten är arkiverad."))


# --- risks ---------------------------------------------------------------------------------


def _owner_choices(plan: Plan) -> list[SelectChoice]:
    people = ((u.id, f"{u.name} ({u.role.label})") for u in org.people_in(plan.org_unit))
    return options([(0, _("Ingen angiven")), *people])


def _risk_form(plan: Plan, risk: Risk | None = None) -> RiskForm:
    """The risk form; opened on a risk, its fields start from what the risk says."""
    form = RiskForm(obj=None)
    form.area.choices = options((a.id, a.name) for a in plans.live(plan.process_areas))
    form.owner_id.choices = _owner_choices(plan)
    if request.method == "GET":
        if risk is not None:
            form.area.data = risk.process_area_id
            form.version.data = risk.version_id
            for name, value in plans.RiskContent.of(risk).values().items():
                form[name].data = value
        else:
            form.area.data = request.args.get("verksamhet", type=int)
    return form


def _risk_content(form: RiskForm) -> plans.RiskContent:
    return plans.RiskContent(**{name: form[name].data
                                for name in plans.RiskContent.field_names()})


@bp.route("/<int:plan_id>/risker/ny", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def new_risk(plan_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    form = _risk_form(plan)
    if not form.area.choices:
        flash(_("Lägg först till en verksamhet i planen."), "info")
        return redirect(url_for("plans.new_area", plan_id=plan.id))

    def change() -> str:
        risk = plans.create_risk(area_or_404(plan, form.area.data), _risk_content(form),
                                 form.reason.data)
        return f"risk-{risk.id}"

    return _submit(form, change, _("Risken är tillagd."), "plans/risk_form.html", plan=plan)


@bp.route("/<int:plan_id>/risker/<int:risk_id>", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def edit_risk(plan_id: int, risk_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    risk = risk_or_404(plan, risk_id)
    form = _risk_form(plan, risk)

    def change() -> str:
        plans.update_risk(risk, _risk_content(form), area_or_404(plan, form.area.data),
                          form.expected_version(), form.reason.data)
        return f"risk-{risk.id}"

    return _submit(form, change, _("Risken är ändrad."), "plans/risk_form.html", plan=plan,
                   risk=risk, history=plans.risk_history(risk))


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


def _action_content(form: ActionForm) -> plans.ActionContent:
    return plans.ActionContent(**{name: form[name].data
                                  for name in plans.ActionContent.field_names()})


@bp.route("/<int:plan_id>/risker/<int:risk_id>/atgarder/ny", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def new_action(plan_id: int, risk_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    risk = risk_or_404(plan, risk_id)
    form = ActionForm()

    def change() -> str:
        plans.create_action(risk, _action_content(form), form.reason.data)
        return f"risk-{risk.id}"

    return _submit(form, change, _("Åtgärden är tillagd."), "plans/action_form.html",
                   plan=plan, risk=risk)


@bp.route("/<int:plan_id>/atgarder/<int:action_id>", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def edit_action(plan_id: int, action_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    action = action_or_404(plan, action_id)
    form = ActionForm(obj=action if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = action.version_id

    def change() -> str:
        plans.update_action(action, _action_content(form), form.expected_version(),
                            form.reason.data)
        return f"risk-{action.risk_id}"

    return _submit(form, change, _("Åtgärden är ändrad."), "plans/action_form.html",
                   plan=plan, risk=action.risk, action=action)


@bp.route("/<int:plan_id>/atgarder/<int:action_id>/arkivera", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def archive_action(plan_id: int, action_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    action = action_or_404(plan, action_id)
    return _confirm_change(plan, action, _("åtgärden ”%(text)s”", text=action.text),
                           plans.archive_action, _("Åtgärden är arkiverad."),
                           anchor=f"risk-{action.risk_id}")
