"""Stickprov on a control: the size calculator, population upload, the draw, and results."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from ...extensions import db
from ...forms import EmptyForm, options
from ...models import Control, ItemOutcome, Plan, Sample
from ...permissions import Permission, access
from ...services.sampling import samples, stats
from ...services.sampling.population import MAX_FILE_BYTES, parse_amount
from .. import body_limit
from ..files import recorded_download
from ..plans.helpers import plan_or_404
from ..refusals import REFUSALS, show_refusal
from . import bp
from .forms import (
    CalculatorForm,
    DrawForm,
    OutcomesForm,
    PopulationForm,
    RemainingForm,
    ResultsUploadForm,
)
from .helpers import control_or_404, may_record, sample_or_404

View = Response | str | tuple[str, int]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POPULATION_TYPES = {"csv": "text/csv", "xlsx": XLSX_TYPE}


# --- the size, as `flask isk sample-size` gives it ----------------------------------------------


def size_from(form: CalculatorForm | DrawForm) -> stats.SampleSizeResult:
    """The sample size the form asks for; SamplingError with a Swedish message if it cannot."""
    return stats.size_from_inputs(form.size_method.data, risk=form.risk.data,
                                  tolerable=form.tolerable.data, expected=form.expected.data,
                                  size=form.size.data, reason=form.reason.data)


@bp.route("/stickprovsstorlek")
@access(Permission.VIEW_PLAN)
def calculator() -> View:
    form = CalculatorForm(request.args)
    result = error = None
    if "risk" in request.args and form.validate():
        try:
            result = size_from(form)
        except stats.SamplingError as refused:
            error = str(refused)
    status = 400 if error else 200
    return render_template("controls/calculator.html", form=form, result=result, error=error,
                           text=stats.size_sentence(result) if result else None), status


# --- population and draw ------------------------------------------------------------------------


def _plan_control(plan_id: int, control_id: int, permission: Permission) -> tuple[Plan, Control]:
    plan = plan_or_404(plan_id, permission)
    return plan, control_or_404(plan, control_id)


@bp.route("/planer/<int:plan_id>/kontroller/<int:control_id>/stickprov/ny",
          methods=["GET", "POST"])
@access(Permission.RECORD_CONTROLS)
@body_limit(MAX_FILE_BYTES + 1024 * 1024)  # the file and the form around it
def upload_population(plan_id: int, control_id: int) -> View:
    plan, control = _plan_control(plan_id, control_id, Permission.RECORD_CONTROLS)
    form = PopulationForm()
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            population = samples.keep_population(upload.stream, upload.filename or "",
                                                 form.id_column.data)
        except REFUSALS as error:
            status = show_refusal(form, error)
        else:
            return redirect(url_for("controls.draw", plan_id=plan.id, control_id=control.id,
                                    checksum=population.checksum))
    elif form.errors:
        status = 400
    return render_template("controls/population.html", plan=plan, control=control,
                           form=form), status


def _draw_form(population: samples.StoredPopulation) -> DrawForm:
    form = DrawForm()
    columns = population.header[1:]
    form.amount_column.choices = options([("", _("Ingen")), *((c, c) for c in columns)])
    form.strata_column.choices = options([("", _("Inga strata")), *((c, c) for c in columns)])
    return form


def _amounts(text: str | None, field: str) -> tuple[Decimal, ...]:
    parts = [part.strip() for part in (text or "").split(";") if part.strip()]
    try:
        return tuple(parse_amount(part) for part in parts)
    except ValueError as error:
        raise samples.SampleError(
            [_("Skriv beloppen som tal, till exempel 1000 eller 1 000,50.")], field
        ) from error


@bp.route("/planer/<int:plan_id>/kontroller/<int:control_id>/stickprov/dra/<checksum>",
          methods=["GET", "POST"])
@access(Permission.RECORD_CONTROLS)
def draw(plan_id: int, control_id: int, checksum: str) -> View:
    plan, control = _plan_control(plan_id, control_id, Permission.RECORD_CONTROLS)
    population = samples.stored_population(checksum)
    if population is None:
        abort(404)
    form = _draw_form(population)
    status = 200
    if form.validate_on_submit():
        try:
            size = size_from(form)
            threshold = _amounts(form.threshold.data, "threshold")
            choices = samples.DrawChoices(
                id_column=population.header[0],
                amount_column=form.amount_column.data or None,
                strata_column=form.strata_column.data or None,
                band_edges=_amounts(form.band_edges.data, "band_edges"),
                threshold=threshold[0] if threshold else None,
                seed=form.seed.data,
            )
            risk = stats.parse_rate(form.risk.data) if form.risk.data else stats.DEFAULT_RISK
            tolerable = (stats.parse_rate(form.tolerable.data)
                         if form.tolerable.data else None)
            sample = samples.draw_for_control(control, population, size, choices, risk,
                                              tolerable)
        except REFUSALS as error:
            status = show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("Stickprovet är draget: %(n)d poster.", n=len(sample.items)), "success")
            return redirect(url_for("controls.sample", plan_id=plan.id, control_id=control.id,
                                    sample_id=sample.id))
    elif form.errors:
        status = 400
    return render_template("controls/draw.html", plan=plan, control=control, form=form,
                           population=population), status


# --- the sample page ----------------------------------------------------------------------------


def _sample_page(plan: Plan, control: Control, sample: Sample, status: int = 200,
                 outcomes_form: OutcomesForm | None = None,
                 upload_form: ResultsUploadForm | None = None,
                 remaining_form: RemainingForm | None = None) -> tuple[str, int]:
    sample = samples.load_sample(sample.id) or sample
    outcomes_form = outcomes_form or OutcomesForm(formdata=None)
    upload_form = upload_form or ResultsUploadForm(formdata=None)
    remaining_form = remaining_form or RemainingForm(formdata=None)
    for form in (outcomes_form, upload_form, remaining_form):
        form.version.data = sample.version_id
    return render_template(
        "controls/sample.html", plan=plan, control=control, sample=sample,
        state=samples.status_of(sample), outcomes_form=outcomes_form, upload_form=upload_form,
        remaining_form=remaining_form,
        can_record=may_record(plan),
        fraction=Fraction, rate_text=stats.rate_text, format_percent=stats.format_percent,
        ItemOutcome=ItemOutcome,
    ), status


@bp.route("/planer/<int:plan_id>/kontroller/<int:control_id>/stickprov/<int:sample_id>")
@access(Permission.VIEW_PLAN)
def sample(plan_id: int, control_id: int, sample_id: int) -> View:
    plan, control = _plan_control(plan_id, control_id, Permission.VIEW_PLAN)
    return _sample_page(plan, control, sample_or_404(control, sample_id))


@bp.route("/planer/<int:plan_id>/kontroller/<int:control_id>/stickprov/<int:sample_id>.xlsx")
@access(Permission.VIEW_PLAN)
def sample_xlsx(plan_id: int, control_id: int, sample_id: int) -> Response:
    _plan, control = _plan_control(plan_id, control_id, Permission.VIEW_PLAN)
    sample = sample_or_404(control, sample_id)
    return recorded_download(samples.worklist_xlsx(sample), XLSX_TYPE,
                             f"stickprov-{sample.id}.xlsx", "sample_worklist_exported", sample)


def _entries(sample: Sample) -> dict[str, samples.ItemEntry]:
    entries = {}
    for item in sample.items:
        value = request.form.get(f"outcome-{item.id}", "")
        outcome = ItemOutcome(value) if value in {o.value for o in ItemOutcome} else None
        entries[item.item_id] = samples.ItemEntry(
            outcome, request.form.get(f"comment-{item.id}", "")
        )
    return entries


@bp.route("/planer/<int:plan_id>/kontroller/<int:control_id>/stickprov/<int:sample_id>/resultat",
          methods=["POST"])
@access(Permission.RECORD_CONTROLS)
def record_outcomes(plan_id: int, control_id: int, sample_id: int) -> View:
    plan, control = _plan_control(plan_id, control_id, Permission.RECORD_CONTROLS)
    sample = sample_or_404(control, sample_id)
    form = OutcomesForm()
    if not form.validate_on_submit():
        return _sample_page(plan, control, sample, 400, outcomes_form=form)
    try:
        changed = samples.record_outcomes(sample, _entries(sample), form.expected_version())
        db.session.flush()
    except REFUSALS as error:
        return _sample_page(plan, control, sample, show_refusal(form, error),
                            outcomes_form=form)
    db.session.commit()
    flash(_("Resultaten är sparade (%(n)d ändrade poster).", n=changed), "success")
    return redirect(url_for("controls.sample", plan_id=plan.id, control_id=control.id,
                            sample_id=sample.id, _anchor="utvardering"))


@bp.route("/planer/<int:plan_id>/kontroller/<int:control_id>/stickprov/<int:sample_id>/aterstaende",
          methods=["POST"])
@access(Permission.RECORD_CONTROLS)
def mark_remaining(plan_id: int, control_id: int, sample_id: int) -> View:
    """Every item not yet examined is marked OK (utan avvikelse) in one go."""
    plan, control = _plan_control(plan_id, control_id, Permission.RECORD_CONTROLS)
    sample = sample_or_404(control, sample_id)
    form = RemainingForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = samples.mark_remaining_ok(sample, form.expected_version())
        db.session.flush()
    except REFUSALS as error:
        return _sample_page(plan, control, sample, show_refusal(form, error),
                            remaining_form=form)
    db.session.commit()
    flash(ngettext("%(num)d post är markerad som utan avvikelse.",
                   "%(num)d poster är markerade som utan avvikelse.", changed), "success")
    return redirect(url_for("controls.sample", plan_id=plan.id, control_id=control.id,
                            sample_id=sample.id, _anchor="utvardering"))


@bp.route("/planer/<int:plan_id>/kontroller/<int:control_id>/stickprov/<int:sample_id>/fil",
          methods=["POST"])
@access(Permission.RECORD_CONTROLS)
def upload_results(plan_id: int, control_id: int, sample_id: int) -> View:
    plan, control = _plan_control(plan_id, control_id, Permission.RECORD_CONTROLS)
    sample = sample_or_404(control, sample_id)
    form = ResultsUploadForm()
    if not form.validate_on_submit():
        return _sample_page(plan, control, sample, 400, upload_form=form)
    try:
        changed = samples.import_results(sample, form.file.data.read(), form.expected_version())
        db.session.flush()
    except REFUSALS as error:
        return _sample_page(plan, control, sample, show_refusal(form, error),
                            upload_form=form)
    db.session.commit()
    flash(_("Resultaten är inlästa (%(n)d ändrade poster).", n=changed), "success")
    return redirect(url_for("controls.sample", plan_id=plan.id, control_id=control.id,
                            sample_id=sample.id, _anchor="utvardering"))


# --- reperformance: for anyone who may read the plan, changing nothing --------------------------


@bp.route("/planer/<int:plan_id>/kontroller/<int:control_id>/stickprov/<int:sample_id>/omprovning",
          methods=["GET", "POST"])
@access(Permission.VIEW_PLAN)
def reperform(plan_id: int, control_id: int, sample_id: int) -> View:
    """The population file and its checksum; on POST the draw is redone and compared."""
    plan, control = _plan_control(plan_id, control_id, Permission.VIEW_PLAN)
    sample = samples.load_sample(sample_or_404(control, sample_id).id)
    form, outcome, status = EmptyForm(), None, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            outcome = samples.redraw_sample(sample)
        except REFUSALS as error:
            status = show_refusal(form, error)
        else:
            db.session.commit()
    return render_template(
        "controls/reperform.html", plan=plan, control=control, sample=sample, form=form,
        checksum_now=samples.population_checksum_now(sample), outcome=outcome,
    ), status


@bp.route("/planer/<int:plan_id>/kontroller/<int:control_id>/stickprov/<int:sample_id>/population")
@access(Permission.VIEW_PLAN)
def population_file(plan_id: int, control_id: int, sample_id: int) -> Response:
    """The kept population file as it was drawn from; the download is recorded."""
    _plan, control = _plan_control(plan_id, control_id, Permission.VIEW_PLAN)
    sample = sample_or_404(control, sample_id)
    population = samples.population_for_download(sample)
    if population is None:
        abort(404)
    db.session.commit()
    response = send_file(population.path, as_attachment=True, max_age=0,
                         download_name=sample.population_file_name,
                         mimetype=POPULATION_TYPES.get(population.file_format,
                                                       "application/octet-stream"))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
