"""The plan page, new plans, the lifecycle, history and exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload
from werkzeug.wrappers import Response as BaseResponse

from ...extensions import db
from ...forms import EmptyForm, options
from ...models import Criterion, OrgUnit, Plan, PlanRevision
from ...models.types import utcnow
from ...permissions import Permission, access, can, require
from ...services import plans, wording
from ...services.plans import exports, versions
from ...services.plans.document import from_snapshot, table_rows
from ...services.plans.loading import without_collection
from ..files import recorded_download
from ..refusals import REFUSALS, show_refusal
from . import bp
from . import page as plan_page
from .forms import AdoptForm, NewPlanForm
from .helpers import plan_or_404

if TYPE_CHECKING:
    from ...services.pdf.plan import PlanLayout


@bp.route("/<int:plan_id>")
@access(Permission.VIEW_PLAN)
def show(plan_id: int) -> str:
    plan = plans.load_plan_for_reading(plan_id) or abort(404)
    require(Permission.VIEW_PLAN, plan)
    with without_collection():  # the page's rows are let go of before collection resumes
        page = plan_page.build(plan, request.args, current_user)
        html = render_template("plans/show.html", plan=plan, page=page,
                               criteria=list(Criterion),
                               texts=wording.region_texts(plan.org_unit),
                               action_form=EmptyForm())
        del page
    return html


@bp.route("/ny", methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def new() -> BaseResponse | str | tuple[str, int]:
    form = NewPlanForm()
    units = [u for u in plans.units_for_new_plan(current_user)
             if can(current_user, Permission.EDIT_PLAN, u)]
    form.org_unit.choices = options((u.id, f"{u.name} ({u.kind.label.lower()})") for u in units)
    if request.method == "GET":
        form.year.data = plans.next_plan_year()
    if form.validate_on_submit():
        unit = db.session.get(OrgUnit, form.org_unit.data) or abort(400)
        require(Permission.EDIT_PLAN, unit)
        try:
            plan = plans.create_plan(unit, form.year.data)
        except REFUSALS as error:
            status = show_refusal(form, error)
            return render_template("plans/new.html", form=form), status
        db.session.commit()
        flash(_("Utkastet till internkontrollplan %(year)d är skapat.", year=plan.year),
              "success")
        return redirect(url_for("plans.show", plan_id=plan.id))
    return render_template("plans/new.html", form=form), 400 if form.errors else 200


@bp.route("/<int:plan_id>/faststall", methods=["GET", "POST"])
@access(Permission.ADOPT_PLAN)
def adopt(plan_id: int) -> BaseResponse | str | tuple[str, int]:
    plan = plans.load_plan_for_display(plan_id) or abort(404)
    require(Permission.ADOPT_PLAN, plan)
    form = AdoptForm()
    if request.method == "GET":
        form.fingerprint.data = plans.content_fingerprint(plan)
    # What the page lists, read before any refusal rolls the session back.
    pending = [risk for risk in plans.document_for(plan).risks() if risk.unhandled]
    if form.validate_on_submit():
        try:
            plans.adopt_plan(plan, form.adopted_on.data, form.paragraph.data,
                             form.diary_number.data, current_user,
                             expected_fingerprint=form.fingerprint.data or "")
            db.session.flush()
        except REFUSALS as error:
            status = show_refusal(form, error)
            return render_template("plans/adopt.html", plan=plan, form=form,
                                   pending=pending), status
        db.session.commit()
        flash(_("Planen är fastställd (%(reference)s).", reference=plan.adoption_reference),
              "success")
        return redirect(url_for("plans.show", plan_id=plan.id))
    status = 400 if form.errors else 200
    return render_template("plans/adopt.html", plan=plan, form=form, pending=pending), status


def _lifecycle_post(
    plan_id: int, permission: Permission, operation: Callable[[Plan], Plan | None], message: str
) -> BaseResponse:
    plan = plan_or_404(plan_id, permission)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        result = operation(plan)  # the new plan for a copy, else None
    except plans.PlanError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("plans.show", plan_id=plan.id))
    db.session.commit()
    flash(message, "success")
    if result is not None and (missing := plans.region_rows_missing(result)):
        flash(missing, "warning")
    if plan.archived_at is not None:
        return redirect(url_for("main.index"))
    return redirect(url_for("plans.show", plan_id=(result or plan).id))


@bp.route("/<int:plan_id>/avsluta", methods=["POST"])
@access(Permission.ADOPT_PLAN)
def close(plan_id: int) -> BaseResponse:
    return _lifecycle_post(plan_id, Permission.ADOPT_PLAN, plans.close_plan,
                           _("Planen är avslutad."))


@bp.route("/<int:plan_id>/kopiera", methods=["POST"])
@access(Permission.EDIT_PLAN)
def copy_to_next_year(plan_id: int) -> BaseResponse:
    return _lifecycle_post(plan_id, Permission.EDIT_PLAN, plans.copy_to_next_year,
                           _("Nästa års utkast är skapat som en kopia av planen."))


@bp.route("/<int:plan_id>/arkivera", methods=["POST"])
@access(Permission.EDIT_PLAN)
def archive(plan_id: int) -> BaseResponse:
    return _lifecycle_post(plan_id, Permission.EDIT_PLAN, plans.archive_plan,
                           _("Utkastet är arkiverat."))


@bp.route("/<int:plan_id>/historik")
@access(Permission.VIEW_PLAN)
def history(plan_id: int) -> str:
    plan = plan_or_404(plan_id)
    revisions = db.session.scalars(
        select(PlanRevision).where(PlanRevision.plan_id == plan.id)
        .options(defer(PlanRevision.snapshot), selectinload(PlanRevision.created_by))
        .order_by(PlanRevision.number)
    ).all()
    return render_template("plans/history.html", plan=plan, revisions=revisions)


def _previous_snapshot(plan: Plan, number: int) -> dict | None:
    return db.session.scalar(select(PlanRevision.snapshot).where(
        PlanRevision.plan_id == plan.id, PlanRevision.number == number - 1))


def _revision_or_404(plan_id: int, number: int) -> tuple[Plan, PlanRevision]:
    plan = plan_or_404(plan_id)
    revision = db.session.scalar(
        select(PlanRevision).where(PlanRevision.plan_id == plan.id,
                                   PlanRevision.number == number)
    ) or abort(404)
    return plan, revision


@bp.route("/<int:plan_id>/versioner/<int:number>")
@access(Permission.VIEW_PLAN)
def revision(plan_id: int, number: int) -> str:
    plan, revision = _revision_or_404(plan_id, number)
    document = from_snapshot(revision.snapshot)
    return render_template("plans/revision.html", plan=plan, revision=revision,
                           changes=versions.changes(_previous_snapshot(plan, number),
                                                    revision.snapshot),
                           document=document,
                           rows=plan_page.table_view(table_rows(document.areas)),
                           texts=wording.region_texts(plan.org_unit))


@bp.route("/<int:plan_id>/versioner/<int:number>.pdf")
@access(Permission.VIEW_PLAN)
def revision_pdf(plan_id: int, number: int) -> Response:
    from ...services.pdf.plan import PlanLayout, render_plan  # reportlab: only for a PDF

    plan, revision = _revision_or_404(plan_id, number)
    pdf = render_plan(from_snapshot(revision.snapshot), wording.region_texts(plan.org_unit),
                      changes=versions.changes(_previous_snapshot(plan, number),
                                               revision.snapshot),
                      printed_at=utcnow(),
                      printed_by=current_user.name, revision=revision.number,
                      layout=PlanLayout.WORKING)
    return recorded_download(pdf, "application/pdf", f"{_file_stem(plan)}-version-{number}.pdf",
                             "plan_exported", plan, format="pdf", revision=number)


def _file_stem(plan: Plan) -> str:
    return f"internkontrollplan-{plan.year}-{plan.org_unit.code.lower()}"


@bp.route("/<int:plan_id>/export.<any(pdf, xlsx, csv):kind>")
@access(Permission.VIEW_PLAN)
def export(plan_id: int, kind: str) -> Response:
    plan = plans.load_plan_for_reading(plan_id) or abort(404)
    require(Permission.VIEW_PLAN, plan)
    layout = _layout() if kind == "pdf" else None
    stem = _file_stem(plan)
    details = {}
    data: bytes | list[bytes]
    if layout is not None:
        from ...services.pdf.plan import PlanLayout, render_plan  # reportlab: only for a PDF

        data = render_plan(plans.displayed_document(plan), wording.region_texts(plan.org_unit),
                           printed_at=utcnow(), changed_after=plans.changed_after_adoption(plan),
                           printed_by=current_user.name,
                           revision=plans.latest_revision_number(plan), layout=layout)
        mimetype = "application/pdf"
        details["layout"] = layout.value
        if layout is PlanLayout.WORKING:
            stem += "-arbetsversion"
    else:
        with without_collection():  # the plan's rows are let go of before collection resumes
            document = plans.displayed_document(plan)
            if kind == "xlsx":
                data = exports.to_xlsx(document,
                                       _("Internkontrollplan %(year)d", year=plan.year))
                mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            else:  # sent as the pieces it is written in, never joined into one string
                data, mimetype = list(exports.csv_chunks(document)), "text/csv; charset=utf-8"
            del document
    return recorded_download(data, mimetype, f"{stem}.{kind}", "plan_exported", plan,
                             format=kind, **details)


def _layout() -> PlanLayout:
    """`?layout=namnd` (the default) or `?layout=arbete`; anything else is a bad request."""
    from ...services.pdf.plan import PlanLayout

    value = request.args.get("layout", PlanLayout.NAMND.value)
    try:
        return PlanLayout(value)
    except ValueError:
        abort(400, description=_("Okänd utskrift ”%(value)s”: välj namnd eller arbete.",
                                 value=value))
