"""Controls of a plan, their kontrollutfall with evidence, and the follow-up report."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ...extensions import db
from ...forms import EmptyForm, options
from ...models import (
    Control,
    ControlMethod,
    EvidenceFile,
    OrgUnit,
    Plan,
    RemediationStatus,
    ResultCategory,
    User,
)
from ...permissions import Permission, access, require
from ...services import controls
from ...services.controls import evidence, periods
from ...services.controls.periods import Period
from ..files import recorded_download
from ..plans.helpers import plan_or_404
from ..refusals import REFUSALS, View, show_refusal, submit
from . import bp
from .forms import ControlForm, ResultForm
from .helpers import (
    control_or_404,
    may_record,
    plan_with_content_or_404,
    report_or_404,
    result_or_404,
)

PDF_TYPE = "application/pdf"


def _control_url(control: Control) -> str:
    return url_for("controls.show", plan_id=control.plan_id, control_id=control.id)


# --- the list ---------------------------------------------------------------------------------


@bp.route("/planer/<int:plan_id>/kontroller")
@access(Permission.VIEW_PLAN)
def index(plan_id: int) -> View:
    plan = plan_with_content_or_404(plan_id)
    return render_template(
        "controls/index.html", plan=plan, controls=controls.controls_of(plan),
        can_record=may_record(plan),
        occurrences_text=periods.occurrences_text, periods=list(Period), archive_form=EmptyForm(),
    )


# --- creating and changing a control ------------------------------------------------------------


def _responsible_choices(plan: Plan) -> list:
    people = db.session.scalars(
        select(User).join(User.org_unit)
        .where(OrgUnit.path.startswith(plan.org_unit.path), User.archived_at.is_(None))
        .order_by(User.name)
    ).all()
    return options([(0, _("Ingen angiven")), *((u.id, f"{u.name} ({u.role.label})")
                                                for u in people)])


def _occurrence_choices(codes: list[str]) -> list:
    dates = [code for code in codes if code not in periods.OCCURRENCE_ORDER]
    return options((code, periods.occurrence_label(code))
                   for code in [*periods.OCCURRENCE_ORDER, *sorted(dates)])


def _control_form(plan: Plan, control=None) -> ControlForm:  # type: ignore[no-untyped-def]
    form = ControlForm()
    form.target.choices = options((t.key, t.label) for t in controls.targets_for(plan))
    form.responsible.choices = _responsible_choices(plan)
    form.occurrences.choices = _occurrence_choices(control.occurrences if control else [])
    if request.method == "GET":
        if control is not None:
            form.target.data = controls.target_key(control)
            form.description.data = control.description
            form.method_text.data = control.method_text
            form.method.data = control.method.value if control.method else ""
            form.occurrences.data = list(control.occurrences)
            form.responsible.data = control.responsible_id or 0
            form.population_description.data = control.population_description
            form.version.data = control.version_id
        else:
            form.target.data = request.args.get("mal", "")
            form.responsible.data = current_user.id
    return form


def _control_data(form: ControlForm) -> controls.ControlData:
    responsible = db.session.get(User, form.responsible.data) if form.responsible.data else None
    occurrences = list(form.occurrences.data or [])
    if form.occurrence_date.data is not None:
        occurrences.append(form.occurrence_date.data.isoformat())
    return controls.ControlData(
        description=form.description.data or "",
        method_text=form.method_text.data,
        method=ControlMethod(form.method.data) if form.method.data else None,
        occurrences=occurrences,
        responsible=responsible,
        population_description=form.population_description.data,
    )


@bp.route("/planer/<int:plan_id>/kontroller/ny", methods=["GET", "POST"])
@access(Permission.RECORD_CONTROLS)
def new(plan_id: int) -> View:
    plan = plan_with_content_or_404(plan_id, Permission.RECORD_CONTROLS)
    form = _control_form(plan)

    def change() -> tuple[str, str]:
        control = controls.create_control(plan, form.target.data, _control_data(form))
        return _("Kontrollen är tillagd."), _control_url(control)

    return submit(form, change, "controls/form.html", plan=plan)


@bp.route("/planer/<int:plan_id>/kontroller/<int:control_id>/andra", methods=["GET", "POST"])
@access(Permission.RECORD_CONTROLS)
def edit(plan_id: int, control_id: int) -> View:
    plan = plan_with_content_or_404(plan_id, Permission.RECORD_CONTROLS)
    control = control_or_404(plan, control_id)
    form = _control_form(plan, control)

    def change() -> tuple[str, str]:
        controls.update_control(control, form.target.data, _control_data(form),
                                form.expected_version())
        return _("Kontrollen är ändrad."), _control_url(control)

    return submit(form, change, "controls/form.html", plan=plan, control=control)


@bp.route("/planer/<int:plan_id>/kontroller/<int:control_id>/arkivera", methods=["POST"])
@access(Permission.RECORD_CONTROLS)
def archive(plan_id: int, control_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.RECORD_CONTROLS)
    control = control_or_404(plan, control_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        controls.archive_control(control)
    except REFUSALS as error:
        show_refusal(None, error)
        return redirect(url_for("controls.show", plan_id=plan.id, control_id=control.id))
    db.session.commit()
    flash(_("Kontrollen är arkiverad."), "success")
    return redirect(url_for("controls.index", plan_id=plan.id))


# --- one control and its kontrollutfall ---------------------------------------------------------


@bp.route("/planer/<int:plan_id>/kontroller/<int:control_id>")
@access(Permission.VIEW_PLAN)
def show(plan_id: int, control_id: int) -> View:
    plan = plan_or_404(plan_id)
    control = control_or_404(plan, control_id)
    return render_template(
        "controls/show.html", plan=plan, control=control,
        occurrences_text=periods.occurrences_text,
        can_record=may_record(plan), action_form=EmptyForm(),
    )


def _result_form(control) -> ResultForm:  # type: ignore[no-untyped-def]
    form = ResultForm()
    samples = [s for s in control.samples if s.archived_at is None]
    form.sample.choices = options([
        (0, _("Inget stickprov")),
        *((s.id, _("Stickprov %(date)s, %(size)d poster",
                   date=format_date(s.created_at, "yyyy-MM-dd"),
                   size=s.size + s.full_review_count)) for s in samples),
    ])
    form.occurrences.choices = options(
        (code, periods.occurrence_label(code)) for code in control.occurrences)
    form.files.description = _(
        "PDF, PNG, JPEG, Word (DOCX), Excel (XLSX), CSV eller text. Högst %(max)s MB per fil.",
        max=f"{evidence.max_bytes() / (1024 * 1024):g}".replace(".", ","),
    )
    if request.method == "GET":
        chosen = request.args.get("stickprov", 0, type=int)
        sample = next((s for s in samples if s.id == chosen), None)
        form.sample.data = sample.id if sample else 0
        draft = controls.draft_from_sample(sample) if sample else None
        if draft is not None:
            form.outcome.data = "performed"
            form.performed_text.data = draft.performed_text
            form.result_text.data = draft.result_text
            form.category.data = draft.category.value if draft.category else ""
            form.occurrences.data = draft.occurrences or []
    return form


def _result_data(control, form: ResultForm) -> controls.ResultData:  # type: ignore[no-untyped-def]
    return controls.ResultData(
        performed_text=form.performed_text.data or "",
        performed=form.outcome.data == "performed",
        result_text=form.result_text.data,
        category=ResultCategory(form.category.data) if form.category.data else None,
        remediation=form.remediation.data,
        remediation_status=(RemediationStatus(form.remediation_status.data)
                            if form.remediation_status.data else None),
        occurrences=list(form.occurrences.data or []) or None,
        sample=next((s for s in control.samples if s.id == form.sample.data), None),
    )


@bp.route("/planer/<int:plan_id>/kontroller/<int:control_id>/utfall/ny", methods=["GET", "POST"])
@access(Permission.RECORD_CONTROLS)
def new_result(plan_id: int, control_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.RECORD_CONTROLS)
    control = control_or_404(plan, control_id)
    form = _result_form(control)

    def change() -> tuple[str, str]:
        try:
            uploads = [evidence.read_upload(f.filename, f.stream)
                       for f in form.files.data or [] if f and f.filename]
        except evidence.EvidenceError as error:
            raise controls.ControlError(str(error), "files") from error
        controls.record_result(control, _result_data(control, form), uploads)
        return _("Kontrollutfallet är sparat."), _control_url(control)

    return submit(form, change, "controls/result_form.html", plan=plan, control=control,
                  occurrences_text=periods.occurrences_text)


@bp.route("/planer/<int:plan_id>/kontroller/<int:control_id>/utfall/<int:result_id>/arkivera",
          methods=["POST"])
@access(Permission.RECORD_CONTROLS)
def archive_result(plan_id: int, control_id: int, result_id: int) -> View:
    plan = plan_or_404(plan_id, Permission.RECORD_CONTROLS)
    control = control_or_404(plan, control_id)
    result = result_or_404(control, result_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        controls.archive_result(result)
    except REFUSALS as error:
        show_refusal(None, error)
    else:
        db.session.commit()
        flash(_("Kontrollutfallet är arkiverat."), "success")
    return redirect(url_for("controls.show", plan_id=plan.id, control_id=control.id))


@bp.route("/planer/<int:plan_id>/underlag/<int:file_id>")
@access(Permission.VIEW_PLAN)
def evidence_file(plan_id: int, file_id: int) -> Response:
    """Served only to those who may see the plan, as an attachment, never sniffed."""
    plan = plan_or_404(plan_id)
    file = db.session.get(EvidenceFile, file_id)
    if (file is None or file.archived_at is not None or file.result.archived_at is not None
            or file.result.control.plan_id != plan.id):
        abort(404)
    require(Permission.VIEW_PLAN, plan)
    content = evidence.read_for_download(file)
    if content is None:
        abort(404)
    db.session.commit()
    response = send_file(io.BytesIO(content), mimetype=file.content_type,
                         as_attachment=True,
                         download_name=file.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- the follow-up report -----------------------------------------------------------------------


def report_period() -> Period:
    value = request.args.get("period", Period.T1.value)
    try:
        return Period(value)
    except ValueError:
        abort(404)


@bp.route("/planer/<int:plan_id>/uppfoljning")
@access(Permission.VIEW_PLAN)
def report(plan_id: int) -> View:
    report = report_or_404(plan_id, report_period())
    return render_template("controls/report.html", plan=report.plan, report=report,
                           periods=list(Period))


@bp.route("/planer/<int:plan_id>/uppfoljning.pdf")
@access(Permission.VIEW_PLAN)
def report_pdf(plan_id: int) -> Response:
    report = report_or_404(plan_id, report_period())
    plan, period = report.plan, report.period
    from ...services.pdf.followup import render_followup  # reportlab only when printing

    data = render_followup(report)
    filename = f"uppfoljning-{plan.org_unit.code}-{plan.year}-{period.value}.pdf"
    return recorded_download(data, PDF_TYPE, filename, "followup_exported", plan,
                             format="pdf", period=period.value)
