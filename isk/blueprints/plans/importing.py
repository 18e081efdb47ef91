"""Importing a plan from CSV or XLSX: upload, preview, confirm."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ...extensions import db
from ...models import OrgUnit, Plan
from ...permissions import Permission, access, can
from ...services import plans, upload_stash
from ...services.plans import imports
from ..refusals import REFUSALS, View, show_refusal
from . import bp
from .forms import ConfirmImportForm, ImportForm
from .helpers import plan_or_404


def _prepare(plan: Plan, filename: str, data: bytes) -> imports.ImportPlan:
    region_unit = db.session.get(OrgUnit, plans.region_root_id(plan.org_unit))
    may_edit_region = can(current_user, Permission.EDIT_PLAN, region_unit)
    drafts = imports.parse_rows(imports.read_rows(filename, data))
    return imports.prepare(plan, drafts, may_edit_region=may_edit_region)


def _upload_page(plan: Plan, form: ImportForm, status: int = 200) -> tuple[str, int]:
    return render_template("plans/import.html", plan=plan, form=form), status


@bp.route("/<int:plan_id>/importera", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def import_upload(plan_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    form = ImportForm()
    if not form.validate_on_submit():
        return _upload_page(plan, form, 400 if form.errors else 200)
    upload = form.file.data
    filename = upload.filename or "import"
    data = upload.read()  # bounded by MAX_CONTENT_LENGTH; the service checks the size
    try:
        prepared = _prepare(plan, filename, data)
    except REFUSALS as error:
        return _upload_page(plan, form, show_refusal(form, error))
    token = upload_stash.stash_upload(current_app.instance_path, plan, current_user.id,
                                      filename, data)
    return render_template("plans/import_preview.html", plan=plan, prepared=prepared,
                           filename=filename, form=ConfirmImportForm(token=token))


@bp.route("/<int:plan_id>/importera/bekrafta", methods=["POST"])
@access(Permission.EDIT_PLAN)
def import_confirm(plan_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.EDIT_PLAN)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        flash(_("Förhandsgranskningen har gått ut. Ladda upp filen igen."), "error")
        return redirect(url_for("plans.import_upload", plan_id=plan.id))
    try:
        filename, data = upload_stash.load_stash(current_app.instance_path, form.token.data,
                                                 plan, current_user.id,
                                                 error=imports.PlanImportError)
        prepared = _prepare(plan, filename, data)
        imports.apply(plan, prepared, filename=filename)
    except REFUSALS as error:
        upload_form = ImportForm(formdata=None)
        return _upload_page(plan, upload_form, show_refusal(upload_form, error))
    db.session.commit()
    upload_stash.drop_stash(current_app.instance_path, form.token.data)
    flash(_("Importen är klar: %(risks)s och %(actions)s.",
            risks=ngettext("%(num)d risk", "%(num)d risker", prepared.risk_count),
            actions=ngettext("%(num)d åtgärd", "%(num)d åtgärder", prepared.action_count)),
          "success")
    return redirect(url_for("plans.show", plan_id=plan.id))
