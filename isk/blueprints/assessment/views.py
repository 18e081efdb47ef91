"""ISK-bedömningar: the list, a new draft, the assessment page, adoption, versions, PDF."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ...extensions import db
from ...forms import EmptyForm, options
from ...models import (
    REQUIREMENTS,
    Assessment,
    AssessmentRevision,
    ImprovementArea,
    OrgUnit,
    OrgUnitKind,
)
from ...models.types import utcnow
from ...permissions import Permission, access, can, require
from ...services import assessment, clock, wording
from ..files import download
from ..refusals import REFUSALS, View, show_refusal, submit
from . import bp
from .forms import (
    AdoptAssessmentForm,
    ArchiveImprovementForm,
    AssessmentForm,
    CarryForm,
    ImprovementForm,
    NewAssessmentForm,
)


def assessment_or_404(assessment_id: int, permission: Permission = Permission.VIEW_PLAN
                      ) -> Assessment:
    found = assessment.load_assessment(assessment_id) or abort(404)
    require(permission, found.org_unit)
    return found


def _show_url(item: Assessment, anchor: str | None = None) -> str:
    return url_for("assessment.show", assessment_id=item.id, _anchor=anchor)


# --- the list and a new draft -------------------------------------------------------------------


def _new_form() -> tuple[NewAssessmentForm, bool]:
    units = [u for u in assessment.assessing_units(current_user)
             if can(current_user, Permission.EDIT_PLAN, u)]
    form = NewAssessmentForm()
    form.org_unit.choices = options((u.id, f"{u.name} ({u.kind.label.lower()})") for u in units)
    return form, bool(units)


def _index_page(form: NewAssessmentForm, may_draft: bool, status: int = 200
                ) -> tuple[str, int]:
    regions = db.session.scalars(select(OrgUnit).where(
        OrgUnit.kind == OrgUnitKind.REGION, OrgUnit.archived_at.is_(None))).all()
    return render_template(
        "assessment/index.html", form=form,
        assessments=assessment.assessments_visible_to(current_user), may_draft=may_draft,
        regions=[r for r in regions if can(current_user, Permission.VIEW_PLAN, r)],
        this_year=clock.today().year), status


@bp.route("/")
@access(Permission.VIEW_PLAN)
def index() -> View:
    form, may_draft = _new_form()
    form.year.data = clock.today().year
    return _index_page(form, may_draft)


@bp.route("/ny", methods=["POST"])
@access(Permission.EDIT_PLAN)
def new() -> View:
    form, may_draft = _new_form()
    if not form.validate_on_submit():
        return _index_page(form, may_draft, 400)
    unit = db.session.get(OrgUnit, form.org_unit.data) or abort(400)
    require(Permission.EDIT_PLAN, unit)
    try:
        created = assessment.create_assessment(unit, form.year.data, form.period.data,
                                               current_user)
        db.session.flush()
    except REFUSALS as error:
        return _index_page(form, may_draft, show_refusal(form, error))
    db.session.commit()
    flash(_("Utkastet till ISK-bedömning är skapat."), "success")
    return redirect(_show_url(created))


# --- one assessment -------------------------------------------------------------------------------


def _page(item: Assessment, status: int = 200, **forms: object) -> tuple[str, int]:
    evidence = assessment.gather(item.org_unit, item.year, item.period, clock.today())
    may_edit = can(current_user, Permission.EDIT_PLAN, item.org_unit)
    may_adopt = can(current_user, Permission.ADOPT_PLAN, item.org_unit)
    form = forms.get("form") or AssessmentForm(formdata=None, version=item.version_id,
                                                 **assessment.AssessmentContent.of(item).values())
    revisions = item.revisions  # loaded with the assessment, by number
    return render_template(
        "assessment/show.html", item=item, evidence=evidence,
        texts=wording.region_texts(item.org_unit), requirements=REQUIREMENTS,
        form=form, improvement_form=forms.get("improvement_form") or ImprovementForm(
            formdata=None),
        archive_form=ArchiveImprovementForm(formdata=None), action_form=EmptyForm(),
        may_edit=may_edit and item.archived_at is None,
        may_adopt=may_adopt, adoption_refusal=assessment.adoption_refusal(item),
        revisions=revisions,
        changed_figures=assessment.figures_changed_since_adoption(
            item, evidence.figures, revisions[-1] if revisions else None)
        if item.is_adopted else [],
    ), status


@bp.route("/<int:assessment_id>")
@access(Permission.VIEW_PLAN)
def show(assessment_id: int) -> View:
    return _page(assessment_or_404(assessment_id))


@bp.route("/<int:assessment_id>/spara", methods=["POST"])
@access(Permission.EDIT_PLAN)
def save(assessment_id: int) -> View:
    item = assessment_or_404(assessment_id, Permission.EDIT_PLAN)
    form = AssessmentForm()
    if not form.validate_on_submit():
        return _page(item, 400, form=form)
    try:
        assessment.update_assessment(
            item, assessment.AssessmentContent(**{
                name: form[name].data for name in assessment.AssessmentContent.field_names()}),
            form.expected_version(), form.reason.data, current_user)
        db.session.flush()
    except REFUSALS as error:
        status = show_refusal(form, error)
        return _page(assessment_or_404(assessment_id), status, form=form)
    db.session.commit()
    message = _("Bedömningen är sparad.")
    if item.is_adopted:
        message += " " + _("Ändringen är sparad som en ny version.")
    flash(message, "success")
    return redirect(_show_url(item))


@bp.route("/<int:assessment_id>/faststall", methods=["GET", "POST"])
@access(Permission.ADOPT_PLAN)
def adopt(assessment_id: int) -> View:
    item = assessment_or_404(assessment_id, Permission.ADOPT_PLAN)
    form = AdoptAssessmentForm(version=item.version_id) if request.method == "GET" \
        else AdoptAssessmentForm()

    def change() -> tuple[str, str]:
        assessment.adopt_assessment(item, form.adopted_on.data, form.paragraph.data,
                                    form.diary_number.data, current_user,
                                    form.expected_version())
        return (_("Bedömningen är fastställd (%(reference)s).",
                  reference=item.adoption_reference), _show_url(item))

    return submit(form, change, "assessment/adopt.html", item=item,
                  refusal=assessment.adoption_refusal(item))


@bp.route("/<int:assessment_id>/arkivera", methods=["POST"])
@access(Permission.EDIT_PLAN)
def archive(assessment_id: int) -> Response:
    item = assessment_or_404(assessment_id, Permission.EDIT_PLAN)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        assessment.archive_assessment(item)
    except REFUSALS as error:
        show_refusal(None, error)
        return redirect(_show_url(item))
    db.session.commit()
    flash(_("Utkastet är arkiverat."), "success")
    return redirect(url_for("assessment.index"))


# --- förbättringsområden ------------------------------------------------------------------------


def improvement_or_404(item: Assessment, improvement_id: int) -> ImprovementArea:
    found = db.session.get(ImprovementArea, improvement_id)
    if found is None or found.assessment_id != item.id or found.archived_at is not None:
        abort(404)
    return found


@bp.route("/<int:assessment_id>/forbattringsomraden", methods=["POST"])
@access(Permission.EDIT_PLAN)
def add_improvement(assessment_id: int) -> View:
    item = assessment_or_404(assessment_id, Permission.EDIT_PLAN)
    form = ImprovementForm()
    if not form.validate_on_submit():
        return _page(item, 400, improvement_form=form)
    try:
        assessment.add_improvement(item, form.text.data, form.reason.data, current_user)
        db.session.flush()
    except REFUSALS as error:
        status = show_refusal(form, error)
        return _page(assessment_or_404(assessment_id), status, improvement_form=form)
    db.session.commit()
    flash(_("Förbättringsområdet är tillagt."), "success")
    return redirect(_show_url(item, "forbattringsomraden"))


@bp.route("/<int:assessment_id>/forbattringsomraden/<int:improvement_id>/ta-bort",
          methods=["POST"])
@access(Permission.EDIT_PLAN)
def archive_improvement(assessment_id: int, improvement_id: int) -> View:
    item = assessment_or_404(assessment_id, Permission.EDIT_PLAN)
    found = improvement_or_404(item, improvement_id)
    form = ArchiveImprovementForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        assessment.archive_improvement(found, form.reason.data, current_user)
        db.session.flush()
    except REFUSALS as error:
        show_refusal(None, error)
        return redirect(_show_url(item, "forbattringsomraden"))
    db.session.commit()
    flash(_("Förbättringsområdet är borttaget."), "success")
    return redirect(_show_url(item, "forbattringsomraden"))


@bp.route("/<int:assessment_id>/forbattringsomraden/<int:improvement_id>/infor",
          methods=["GET", "POST"])
@access(Permission.EDIT_PLAN)
def carry(assessment_id: int, improvement_id: int) -> View:
    item = assessment_or_404(assessment_id, Permission.EDIT_PLAN)
    found = improvement_or_404(item, improvement_id)
    plan = assessment.next_year_plan(found)
    if plan is not None:
        require(Permission.EDIT_PLAN, plan)
    form = CarryForm()
    own_risks = [(risk.id, f"{area.name} – {risk.text[:90]}")
                 for area in (plan.process_areas if plan else []) if area.archived_at is None
                 for risk in area.risks if risk.archived_at is None]
    form.risk_id.choices = options([(0, _("Välj en risk")), *own_risks])

    def change() -> tuple[str, str]:
        if form.kind.data == "action":
            assessment.carry_as_action(found, form.risk_id.data or 0, current_user)
        else:
            assessment.carry_as_risk(found, form.area.data or "", form.criteria.data or [],
                                     form.aspects.data or [], current_user)
        assert plan is not None
        return (_("Förbättringsområdet är infört i planen för %(year)d.", year=plan.year),
                url_for("plans.show", plan_id=plan.id))

    areas = [a.name for a in plan.process_areas if a.archived_at is None] if plan else []
    return submit(form, change, "assessment/carry.html", item=item, improvement=found,
                  plan=plan, refusal=assessment.carry_refusal(found, plan), areas=areas)


# --- versions and print ---------------------------------------------------------------------------


@bp.route("/<int:assessment_id>/versioner/<int:number>")
@access(Permission.VIEW_PLAN)
def revision(assessment_id: int, number: int) -> str:
    item = assessment_or_404(assessment_id)
    revisions = {r.number: r for r in db.session.scalars(
        select(AssessmentRevision).where(AssessmentRevision.assessment_id == item.id))}
    shown = revisions.get(number) or abort(404)
    previous = revisions.get(number - 1)
    return render_template(
        "assessment/revision.html", item=item, revision=shown, previous=previous,
        changes=assessment.revision_changes(previous.snapshot if previous else None,
                                            shown.snapshot),
        texts=wording.region_texts(item.org_unit))


@bp.route("/<int:assessment_id>.pdf")
@access(Permission.VIEW_PLAN)
def pdf(assessment_id: int) -> Response:
    item = assessment_or_404(assessment_id)
    return download(assessment.pdf_of(item, printed_by=current_user.name), "application/pdf",
                    assessment.pdf_filename(item))


# --- the region's samlad bedömning -------------------------------------------------------------


def region_or_404(region_id: int) -> tuple[OrgUnit, list[OrgUnit] | None]:
    """The region and its live units (the region first), read in one query."""
    units: list[OrgUnit] | None = assessment.region_units(region_id)
    region = units[0] if units and units[0].id == region_id else None
    if region is None:
        units = None  # an archived region (or none): read as before
        region = db.session.get(OrgUnit, region_id)
        if region is None or region.kind is not OrgUnitKind.REGION:
            abort(404)
    require(Permission.VIEW_PLAN, region)
    return region, units


@bp.route("/region/<int:region_id>/<int:year>")
@access(Permission.VIEW_PLAN)
def region(region_id: int, year: int) -> str:
    unit, units = region_or_404(region_id)
    overview = assessment.region_overview(unit, year, units)
    return render_template("assessment/region.html", overview=overview,
                           texts=wording.region_texts(unit),
                           may_draft=can(current_user, Permission.EDIT_PLAN, unit),
                           new_form=NewAssessmentForm(formdata=None),
                           years=range(clock.today().year, clock.today().year - 6, -1))


@bp.route("/region/<int:region_id>/<int:year>.pdf")
@access(Permission.VIEW_PLAN)
def region_pdf(region_id: int, year: int) -> Response:
    unit, units = region_or_404(region_id)
    from ...services.pdf.assessment import render_region  # reportlab only when printing

    data = render_region(assessment.region_overview(unit, year, units), wording.region_texts(unit),
                         printed=utcnow())
    return download(data, "application/pdf", f"samlad-bedomning-{year}-{unit.code.lower()}.pdf")

