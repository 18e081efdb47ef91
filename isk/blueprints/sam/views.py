"""SAM: rounds and their overview, each chef's follow-up, and the manager chain."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_percent, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from ...extensions import db
from ...models import OrgUnit, SamFollowUp, SamReturn, SamRound, User
from ...permissions import (
    AUTHENTICATED,
    Permission,
    access,
    can,
    may_answer_follow_up,
    may_confirm_follow_up,
    may_view_follow_up,
    require,
    sam_scope,
)
from ...services import clock, org, sam
from ..files import recorded_download
from ..refusals import REFUSALS, show_refusal
from . import forms

bp = Blueprint("sam", __name__, url_prefix="/sam")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ensure(allowed: bool) -> None:
    if not allowed:
        abort(403)


# --- Start page of SAM -------------------------------------------------------------------


@bp.route("/")
@access(AUTHENTICATED)
def index() -> str:
    return render_template(
        "sam/index.html",
        inbox=sam.inbox(current_user),
        own=sam.own_follow_ups(current_user),
        rounds=sam.rounds_visible_to(current_user)
        if can(current_user, Permission.VIEW_SAM_OVERVIEW)
        else [],
    )


# --- The indicator's targets --------------------------------------------------------------


@bp.route("/mal", methods=["GET", "POST"])
@access(Permission.MANAGE_SAM)
def targets() -> Response | tuple[str, int]:
    """The target per year for "andel chefer som svarat på årlig uppföljning av SAM"."""
    region = db.session.get(OrgUnit, org.region_of(current_user.org_unit)) \
        if current_user.org_unit else org.all_units()[0]
    require(Permission.MANAGE_SAM, region)
    form = forms.TargetForm()
    if request.method == "GET":
        year = request.args.get("ar", clock.today().year, type=int)
        current = sam.target_for(region, year)
        form.year.data = year
        if current is not None:
            form.target_min.data, form.target_max.data = current.target_min, current.target_max
            form.long_term_min.data = current.long_term_min
            form.long_term_max.data = current.long_term_max
    status = 200
    if form.validate_on_submit():
        try:
            sam.set_target(region, form.year.data, (form.target_min.data, form.target_max.data),
                           (form.long_term_min.data, form.long_term_max.data))
            db.session.flush()
        except REFUSALS as error:
            status = show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("Målet för %(year)d är sparat.", year=form.year.data), "success")
            return redirect(url_for(".targets", ar=form.year.data))
    elif form.errors:
        status = 400
    indicators = [sam.indicator_for(region, year)
                  for year in range(clock.today().year, clock.today().year - 4, -1)]
    return render_template("sam/targets.html", form=form, region=region,
                           indicators=indicators), status


# --- Rounds ------------------------------------------------------------------------------


def unit_choices(units: Sequence[OrgUnit]) -> list[SelectChoice]:
    """Units in tree order, indented by depth so the select reads like the organisation."""
    top = min((unit.path.count("/") for unit in units), default=0)
    return [SelectChoice(u.id, "\u2003" * (u.path.count("/") - top) + u.name) for u in units]


@bp.route("/rundor/ny", methods=["GET", "POST"])
@access(Permission.MANAGE_SAM)
def start_round() -> Response | tuple[str, int] | str:
    units = org.units_for(current_user)
    form = forms.StartRoundForm()
    form.org_unit.choices = unit_choices(units)
    if request.method == "GET":
        form.year.data = clock.today().year
        form.due_on.data = sam.default_due_date()
        form.questions.data = "\n".join(str(q) for q in sam.DEFAULT_QUESTIONS)
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("sam/start_round.html", form=form), status
    unit = next(u for u in units if u.id == form.org_unit.data)
    try:
        sam_round = sam.start_round(
            unit,
            form.year.data,
            form.due_on.data,
            form.questions.data.splitlines(),
            started_by=current_user,
        )
    except REFUSALS as error:
        status = show_refusal(form, error)
        return render_template("sam/start_round.html", form=form), status
    db.session.commit()
    flash(
        ngettext(
            "SAM-rundan %(year)d för %(unit)s är startad med %(num)d uppföljning.",
            "SAM-rundan %(year)d för %(unit)s är startad med %(num)d uppföljningar.",
            len(sam_round.follow_ups),
            year=sam_round.year,
            unit=unit.name,
        ),
        "success",
    )
    return redirect(url_for(".round_overview", round_id=sam_round.id))


def load_round_in_scope(round_id: int) -> tuple[SamRound, OrgUnit]:
    """The round and the unit whose overview to show (`?enhet=`), within the user's scope."""
    sam_round = sam.load_round(round_id) or abort(404)
    root = sam_scope(current_user, sam_round) or abort(403)
    unit_id = request.args.get("enhet", type=int)
    if unit_id is None or unit_id == root.id:
        return sam_round, root
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or not root.contains(unit):
        abort(404)
    return sam_round, unit


def render_round(sam_round: SamRound, unit: OrgUnit, status: int = 200) -> tuple[str, int]:
    root = sam_scope(current_user, sam_round)
    overview = sam.build_overview(sam_round, unit)
    return (
        render_template(
            "sam/round.html",
            overview=overview,
            target_text=overview.target_text,
            root=root,
            breadcrumbs=([unit] if root is not None and unit.id == root.id else
                         [u for u in org.units_above(unit) if root and root.contains(u)]),
            close_form=forms.CloseRoundForm(data={"version": sam_round.version_id}),
            may_manage=can(current_user, Permission.MANAGE_SAM, sam_round.org_unit),
            share_of=share_texts(),
        ),
        status,
    )


def share_texts() -> Callable[[int, int], tuple[str, str | None]]:
    """The `share` macro's two texts ("3 av 4", "75 %") for a table of hundreds of units:
    the words translated once, each percentage formatted once."""
    words = _("%(n)d av %(total)d")  # no values given: the translation, not yet filled in
    percents: dict[float, str] = {}

    def share(count: int, total: int) -> tuple[str, str | None]:
        if not total:
            return words % {"n": count, "total": total}, None
        value = count / total
        if value not in percents:
            percents[value] = format_share(value)
        return words % {"n": count, "total": total}, percents[value]

    return share


@bp.route("/rundor/<int:round_id>")
@access(Permission.VIEW_SAM_OVERVIEW)
def round_overview(round_id: int) -> tuple[str, int]:
    return render_round(*load_round_in_scope(round_id))


@bp.route("/rundor/<int:round_id>/oversikt.xlsx")
@access(Permission.VIEW_SAM_OVERVIEW)
def export_xlsx(round_id: int) -> Response:
    sam_round, unit = load_round_in_scope(round_id)
    content = sam.overview_xlsx(sam.build_overview(sam_round, unit))
    return recorded_download(content, XLSX_TYPE, sam.export_filename(sam_round, unit, "xlsx"),
                             "sam_overview_exported", sam_round, format="xlsx",
                             org_unit=unit.code)


@bp.route("/rundor/<int:round_id>/oversikt.pdf")
@access(Permission.VIEW_SAM_OVERVIEW)
def export_pdf(round_id: int) -> Response:
    sam_round, unit = load_round_in_scope(round_id)
    from ...services.pdf import sam_overview as overview_pdf  # reportlab only when printing

    content = overview_pdf.render_overview(sam.build_overview(sam_round, unit))
    return recorded_download(content, "application/pdf",
                             sam.export_filename(sam_round, unit, "pdf"),
                             "sam_overview_exported", sam_round, format="pdf",
                             org_unit=unit.code)


@bp.route("/rundor/<int:round_id>/fragor", methods=["GET", "POST"])
@access(Permission.MANAGE_SAM)
def edit_questions(round_id: int) -> Response | tuple[str, int] | str:
    sam_round = sam.load_round(round_id) or abort(404)
    require(Permission.MANAGE_SAM, sam_round.org_unit)
    form = forms.QuestionsForm()
    if request.method == "GET":
        form.version.data = sam_round.version_id
        form.questions.data = "\n".join(q.text for q in sam_round.live_questions)
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("sam/questions.html", form=form, round=sam_round), status
    try:
        sam.replace_questions(
            sam_round, form.questions.data.splitlines(), expected_version=form.version.data
        )
    except REFUSALS as error:
        status = show_refusal(form, error)
        return render_template("sam/questions.html", form=form, round=sam_round), status
    db.session.commit()
    flash(_("Frågorna är sparade."), "success")
    return redirect(url_for(".round_overview", round_id=round_id))


@bp.route("/rundor/<int:round_id>/avsluta", methods=["POST"])
@access(Permission.MANAGE_SAM)
def close_round(round_id: int) -> Response | tuple[str, int]:
    sam_round = sam.load_round(round_id) or abort(404)
    require(Permission.MANAGE_SAM, sam_round.org_unit)
    form = forms.CloseRoundForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        sam.close_round(sam_round, expected_version=form.version.data)
    except REFUSALS as error:
        status = show_refusal(None, error)
        return render_round(*load_round_in_scope(round_id), status=status)
    db.session.commit()
    flash(_("Rundan är avslutad."), "success")
    return redirect(url_for(".round_overview", round_id=round_id))


# --- A chef's follow-up ------------------------------------------------------------------


def load_follow_up(follow_up_id: int) -> SamFollowUp:
    follow_up = sam.load_follow_up(follow_up_id) or abort(404)
    ensure(may_view_follow_up(current_user, follow_up))
    return follow_up


def render_follow_up(follow_up: SamFollowUp, status: int = 200, **given: Any) -> tuple[str, int]:
    """The follow-up page; a refused form is passed in to show its errors, the rest are fresh."""
    version = {"version": follow_up.version_id}
    page_forms = {
        "answers_form": forms.answers_form(follow_up),
        "return_form": forms.ReturnForm(data=version),
        "withdraw_form": forms.WithdrawReturnForm(data=version),
        "acknowledge_form": forms.AcknowledgeForm(data=version),
        "confirm_form": forms.ConfirmForm(data=version),
        "send_back_form": forms.SendBackForm(data=version),
    }
    responses = forms.response_forms(follow_up)
    if "response_form" in given:
        responding = given.pop("response_form")
        responses[int(responding._prefix.rstrip("-")[1:])] = responding  # prefix "r<id>-"
    page_forms.update(given)
    return (
        render_template(
            "sam/follow_up.html",
            follow_up=follow_up,
            editable=sam.is_editable(follow_up),
            overdue=follow_up.is_overdue(clock.today()),
            response_forms=responses,
            **page_forms,
        ),
        status,
    )


def refused(
    follow_up: SamFollowUp, form_name: str, form: FlaskForm, error: Exception
) -> tuple[str, int]:
    """Undo, and show the page as it is saved now with the refusal on the form.

    The refused form keeps the version it was sent with, so a stale page stays stale
    until the user reloads it and sees the other change.
    """
    status = show_refusal(form, error)
    follow_up = sam.load_follow_up(follow_up.id) or abort(404)
    return render_follow_up(follow_up, status, **{form_name: form})


def done(follow_up: SamFollowUp, message: str) -> Response:
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".follow_up", follow_up_id=follow_up.id))


@bp.route("/uppfoljningar/<int:follow_up_id>")
@access(AUTHENTICATED)
def follow_up(follow_up_id: int) -> tuple[str, int]:
    return render_follow_up(load_follow_up(follow_up_id))


@bp.route("/uppfoljningar/<int:follow_up_id>/svar", methods=["POST"])
@access(Permission.RESPOND_SAM)
def save_answers(follow_up_id: int) -> Response | tuple[str, int]:
    follow_up = load_follow_up(follow_up_id)
    ensure(may_answer_follow_up(current_user, follow_up))
    form = forms.answers_form(follow_up)
    if not form.validate_on_submit():
        return render_follow_up(follow_up, 400, answers_form=form)
    try:
        sam.save_answers(follow_up, form.answer_inputs(), expected_version=form.version.data)
    except REFUSALS as error:
        return refused(follow_up, "answers_form", form, error)
    return done(follow_up, _("Svaren är sparade. Kvittera när du är klar."))


@bp.route("/uppfoljningar/<int:follow_up_id>/returneringar", methods=["POST"])
@access(Permission.RESPOND_SAM)
def add_return(follow_up_id: int) -> Response | tuple[str, int]:
    follow_up = load_follow_up(follow_up_id)
    ensure(may_answer_follow_up(current_user, follow_up))
    form = forms.ReturnForm()
    if not form.validate_on_submit():
        return render_follow_up(follow_up, 400, return_form=form)
    try:
        sam.add_return(
            follow_up,
            form.task.data,
            form.reason.data,
            by=current_user,
            expected_version=form.version.data,
        )
    except REFUSALS as error:
        return refused(follow_up, "return_form", form, error)
    return done(follow_up, _("Uppgiften är returnerad till din fördelande chef."))


@bp.route(
    "/uppfoljningar/<int:follow_up_id>/returneringar/<int:return_id>/aterta", methods=["POST"]
)
@access(Permission.RESPOND_SAM)
def withdraw_return(follow_up_id: int, return_id: int) -> Response | tuple[str, int]:
    follow_up = load_follow_up(follow_up_id)
    ensure(may_answer_follow_up(current_user, follow_up))
    returned = db.session.get(SamReturn, return_id)
    if returned is None or returned.follow_up_id != follow_up.id:
        abort(404)
    form = forms.WithdrawReturnForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        sam.withdraw_return(follow_up, returned, expected_version=form.version.data)
    except REFUSALS as error:
        return refused(follow_up, "withdraw_form", form, error)
    return done(follow_up, _("Returneringen är tagen tillbaka."))


@bp.route(
    "/uppfoljningar/<int:follow_up_id>/returneringar/<int:return_id>/svar", methods=["POST"]
)
@access(Permission.RESPOND_SAM)
def answer_return(follow_up_id: int, return_id: int) -> Response | tuple[str, int]:
    """The fördelande chef answers a returned task: how it is handled from now on."""
    follow_up = load_follow_up(follow_up_id)
    ensure(may_confirm_follow_up(current_user, follow_up))
    returned = db.session.get(SamReturn, return_id)
    if returned is None or returned.follow_up_id != follow_up.id:
        abort(404)
    form = forms.ReturnResponseForm(prefix=f"r{returned.id}")
    if not form.validate_on_submit():
        return render_follow_up(follow_up, 400, response_form=form)
    try:
        sam.answer_return(follow_up, returned, form.response.data, by=current_user,
                          expected_version=form.version.data)
    except REFUSALS as error:
        return refused(follow_up, "response_form", form, error)
    return done(follow_up, _("Svaret på den returnerade uppgiften är sparat."))


@bp.route("/uppfoljningar/<int:follow_up_id>/kvittera", methods=["POST"])
@access(Permission.RESPOND_SAM)
def acknowledge(follow_up_id: int) -> Response | tuple[str, int]:
    follow_up = load_follow_up(follow_up_id)
    ensure(may_answer_follow_up(current_user, follow_up))
    form = forms.AcknowledgeForm()
    if not form.validate_on_submit():
        return render_follow_up(follow_up, 400, acknowledge_form=form)
    try:
        sam.acknowledge(follow_up, by=current_user, expected_version=form.version.data)
    except REFUSALS as error:
        return refused(follow_up, "acknowledge_form", form, error)
    return done(follow_up, _("Uppföljningen är kvitterad och skickad till din fördelande chef."))


@bp.route("/uppfoljningar/<int:follow_up_id>/avstam", methods=["POST"])
@access(Permission.RESPOND_SAM)
def confirm(follow_up_id: int) -> Response | tuple[str, int]:
    follow_up = load_follow_up(follow_up_id)
    ensure(may_confirm_follow_up(current_user, follow_up))
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        return render_follow_up(follow_up, 400, confirm_form=form)
    try:
        sam.confirm(follow_up, by=current_user, expected_version=form.version.data)
    except REFUSALS as error:
        return refused(follow_up, "confirm_form", form, error)
    return done(follow_up, _("Uppföljningen är avstämd."))


@bp.route("/uppfoljningar/<int:follow_up_id>/skicka-tillbaka", methods=["POST"])
@access(Permission.RESPOND_SAM)
def send_back(follow_up_id: int) -> Response | tuple[str, int]:
    follow_up = load_follow_up(follow_up_id)
    ensure(may_confirm_follow_up(current_user, follow_up))
    form = forms.SendBackForm()
    if not form.validate_on_submit():
        return render_follow_up(follow_up, 400, send_back_form=form)
    try:
        sam.send_back(
            follow_up, form.comment.data, by=current_user, expected_version=form.version.data
        )
    except REFUSALS as error:
        return refused(follow_up, "send_back_form", form, error)
    return done(follow_up, _("Uppföljningen är skickad tillbaka till chefen."))


# --- The manager chain -------------------------------------------------------------------


def render_managers(status: int = 200, **given: Any) -> tuple[str, int]:
    page = {"import_form": forms.ImportManagersForm()}
    page.update(given)
    return render_template("sam/managers.html", chain=sam.chain(), **page), status


@bp.route("/chefer")
@access(Permission.MANAGE_MANAGER_CHAIN)
def managers() -> tuple[str, int]:
    return render_managers()


def manager_form(assignment: Any = None) -> forms.ManagerForm:
    form = forms.ManagerForm()
    chain = sam.chain()
    form.user.choices = [(u.id, f"{u.name} ({u.email})") for u in sam.possible_managers(assignment)]
    form.units.choices = unit_choices(org.all_units())
    form.delegating.choices = [(0, _("Ingen (kedjans topp)"))] + [
        (a.id, a.user.name) for a in sam.possible_delegating(assignment, chain)
    ]
    if request.method == "GET" and assignment is not None:
        form.version.data = assignment.version_id
        form.user.data = assignment.user_id
        form.units.data = [unit.id for unit in assignment.live_units]
        form.delegating.data = assignment.delegating_assignment_id or 0
    return form


def render_manager_form(form: forms.ManagerForm, assignment: Any, status: int = 200):
    return render_template("sam/manager_form.html", form=form, assignment=assignment), status


@bp.route("/chefer/ny", methods=["GET", "POST"])
@access(Permission.MANAGE_MANAGER_CHAIN)
def new_manager() -> Response | tuple[str, int]:
    return save_manager(None)


@bp.route("/chefer/<int:assignment_id>", methods=["GET", "POST"])
@access(Permission.MANAGE_MANAGER_CHAIN)
def edit_manager(assignment_id: int) -> Response | tuple[str, int]:
    return save_manager(sam.load_assignment(assignment_id) or abort(404))


def save_manager(assignment: Any) -> Response | tuple[str, int]:
    form = manager_form(assignment)
    if not form.validate_on_submit():
        return render_manager_form(form, assignment, 400 if request.method == "POST" else 200)
    user = db.session.get(User, form.user.data) or abort(400)
    if assignment is not None and user.id != assignment.user_id:
        abort(400)
    units = [db.session.get(OrgUnit, unit_id) for unit_id in form.units.data]
    try:
        sam.save_assignment(
            user,
            [unit for unit in units if unit is not None],
            sam.delegating_assignment(form.delegating.data),
            expected_version=form.version.data if assignment is not None else None,
        )
    except REFUSALS as error:
        return render_manager_form(form, assignment, show_refusal(form, error))
    db.session.commit()
    flash(_("%(name)s är sparad i chefskedjan.", name=user.name), "success")
    return redirect(url_for(".managers"))


@bp.route("/chefer/<int:assignment_id>/ta-bort", methods=["POST"])
@access(Permission.MANAGE_MANAGER_CHAIN)
def archive_manager(assignment_id: int) -> Response | tuple[str, int]:
    assignment = sam.load_assignment(assignment_id) or abort(404)
    form = forms.ArchiveManagerForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        sam.archive_assignment(assignment, expected_version=form.version.data)
    except REFUSALS as error:
        return render_managers(show_refusal(None, error))
    name = assignment.user.name
    db.session.commit()
    flash(_("%(name)s är borttagen ur chefskedjan.", name=name), "success")
    return redirect(url_for(".managers"))


@bp.route("/chefer/import", methods=["POST"])
@access(Permission.MANAGE_MANAGER_CHAIN)
def import_managers() -> Response | tuple[str, int]:
    form = forms.ImportManagersForm()
    if not form.validate_on_submit():
        return render_managers(400, import_form=form)
    upload = form.file.data
    try:
        summary = sam.import_chain(sam.read_table(upload.filename or "", upload.read()))
    except REFUSALS as error:
        return render_managers(show_refusal(form, error), import_form=form)
    db.session.commit()
    flash(
        _(
            "Chefskedjan är inläst: %(created)d nya och %(updated)d ändrade chefer.",
            created=summary.created,
            updated=summary.updated,
        ),
        "success",
    )
    return redirect(url_for(".managers"))


@bp.context_processor
def sam_template_helpers() -> dict[str, Any]:
    return {
        "percent": format_share,
        "today": clock.today(),
        "may_acknowledge": sam.may_acknowledge,
        "awaits_acknowledgement": sam.awaits_acknowledgement,
        "may_review": sam.may_review,
        "may_answer_returns": sam.may_answer_returns,
        "unanswered_returns": sam.unanswered_returns,
    }


def format_share(value: float | None) -> str:
    """A share as a Swedish percentage, "71 %"; a dash when there is nothing to count."""
    return "–" if value is None else format_percent(value)
