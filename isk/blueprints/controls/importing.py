"""Importing a follow-up table (CSV or XLSX): upload, preview, confirm; exporting it again."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from ...extensions import db
from ...models import Plan
from ...permissions import Permission, access
from ...services import upload_stash
from ...services.controls import followup, table
from ..files import recorded_download
from ..refusals import REFUSALS, View, show_refusal
from . import bp
from .forms import ConfirmFollowUpImportForm, FollowUpImportForm
from .helpers import plan_with_content_or_404, report_or_404
from .views import report_period

STASH_KIND = "followup"


def _prepare(plan: Plan, filename: str, data: bytes) -> table.FollowUpImport:
    return table.prepare(plan, table.parse_rows(table.read_rows(filename, data)))


def _upload_page(plan: Plan, form: FollowUpImportForm, status: int = 200) -> tuple[str, int]:
    return render_template("controls/import.html", plan=plan, form=form,
                           headings=followup.TABLE_HEADINGS), status


@bp.route("/planer/<int:plan_id>/uppfoljning/importera", methods=["GET", "POST"])
@access(Permission.RECORD_CONTROLS)
def import_followup(plan_id: int) -> View:
    plan = plan_with_content_or_404(plan_id, Permission.RECORD_CONTROLS)
    form = FollowUpImportForm()
    if not form.validate_on_submit():
        return _upload_page(plan, form, 400 if form.errors else 200)
    upload = form.file.data
    filename = upload.filename or "uppfoljning"
    data = upload.read()  # bounded by MAX_CONTENT_LENGTH; the gate checks the size
    try:
        prepared = _prepare(plan, filename, data)
    except REFUSALS as error:
        return _upload_page(plan, form, show_refusal(form, error))
    token = upload_stash.stash_upload(current_app.instance_path, plan, current_user.id,
                                      filename, data, STASH_KIND)
    return render_template("controls/import_preview.html", plan=plan, prepared=prepared,
                           filename=filename, headings=followup.TABLE_HEADINGS,
                           RowAction=table.RowAction,
                           form=ConfirmFollowUpImportForm(token=token))


@bp.route("/planer/<int:plan_id>/uppfoljning/importera/bekrafta", methods=["POST"])
@access(Permission.RECORD_CONTROLS)
def import_followup_confirm(plan_id: int) -> View:
    plan = plan_with_content_or_404(plan_id, Permission.RECORD_CONTROLS)
    form = ConfirmFollowUpImportForm()
    if not form.validate_on_submit():
        flash(_("Förhandsgranskningen har gått ut. Ladda upp filen igen."), "error")
        return redirect(url_for("controls.import_followup", plan_id=plan.id))
    try:
        filename, data = upload_stash.load_stash(
            current_app.instance_path, form.token.data, plan, current_user.id, STASH_KIND,
            error=table.FollowUpImportError)
        prepared = _prepare(plan, filename, data)
        table.apply(prepared, filename=filename)
    except REFUSALS as error:
        db.session.rollback()
        upload_form = FollowUpImportForm(formdata=None)
        return _upload_page(plan, upload_form, show_refusal(upload_form, error))
    db.session.commit()
    upload_stash.drop_stash(current_app.instance_path, form.token.data)
    flash(_("Importen är klar: %(results)s, varav %(controls)s.",
            results=ngettext("%(num)d kontrollutfall", "%(num)d kontrollutfall",
                             prepared.results),
            controls=ngettext("%(num)d ny kontroll", "%(num)d nya kontroller",
                              prepared.new_controls)), "success")
    return redirect(url_for("controls.report", plan_id=plan.id, period="helar"))


@bp.route("/planer/<int:plan_id>/uppfoljning.<any(csv, xlsx):kind>")
@access(Permission.VIEW_PLAN)
def report_export(plan_id: int, kind: str) -> Response:
    report = report_or_404(plan_id, report_period())
    plan = report.plan
    return recorded_download(table.export_table(report, kind), table.MIMETYPES[kind],
                             table.export_name(report, kind), "followup_exported", plan,
                             format=kind, period=report.period.value)
