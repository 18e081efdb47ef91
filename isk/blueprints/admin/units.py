"""Administration: the organisation tree. Create, rename, move, archive and restore units."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...extensions import db
from ...forms import EmptyForm
from ...models import OrgUnit, OrgUnitKind
from ...permissions import Permission, access
from ...services import org
from ..refusals import REFUSALS, show_refusal, submit
from . import bp
from .forms import NewUnitForm, UnitForm, kind_choices, unit_choices

View = Response | str | tuple[str, int]


def _unit_or_404(unit_id: int) -> OrgUnit:
    return db.session.get(OrgUnit, unit_id) or abort(404)


def _parent(form: UnitForm) -> OrgUnit | None:
    return db.session.get(OrgUnit, int(form.parent.data)) if form.parent.data else None


@bp.route("/enheter")
@access(Permission.MANAGE_ORG)
def units() -> str:
    return render_template("admin/units.html", rows=org.unit_tree(), action_form=EmptyForm())


@bp.route("/enheter/ny", methods=["GET", "POST"])
@access(Permission.MANAGE_ORG)
def new_unit() -> View:
    form = NewUnitForm()
    form.kind.choices = kind_choices()
    form.parent.choices = unit_choices(org.all_units(), _("Välj överordnad enhet"))
    if request.method == "GET":
        parent = db.session.get(OrgUnit, request.args.get("under", 0, type=int))
        if parent is not None and parent.archived_at is None:
            form.parent.data = str(parent.id)
            below = min(parent.kind.depth + 1, OrgUnitKind.ENHET.depth)
            form.kind.data = list(OrgUnitKind)[below].value

    def change() -> tuple[str, str]:
        unit = org.create_org_unit(form.name.data, OrgUnitKind(form.kind.data), form.code.data,
                                   _parent(form))
        return (_("Enheten %(name)s är skapad.", name=unit.name),
                url_for(".units", _anchor=f"unit-{unit.id}"))

    return submit(form, change, "admin/unit_form.html", unit=None)


@bp.route("/enheter/<int:unit_id>", methods=["GET", "POST"])
@access(Permission.MANAGE_ORG)
def edit_unit(unit_id: int) -> View:
    unit = _unit_or_404(unit_id)
    form = UnitForm(data={"name": unit.name, "code": unit.code,
                          "parent": str(unit.parent_id or "")}
                    if request.method == "GET" else None)
    if unit.parent is None:
        form.parent.choices = unit_choices([], _("Ingen (regionen är roten)"))
    else:
        form.parent.choices = unit_choices(org.possible_parents(unit, unit.kind))

    def change() -> tuple[str, str]:
        renamed = org.rename_org_unit(unit, form.name.data, form.code.data)
        parent = _parent(form)
        moved = parent is not None and org.move_org_unit(unit, parent)
        if not (renamed or moved):
            return _("Inget är ändrat."), url_for(".units", _anchor=f"unit-{unit.id}")
        return (_("Enheten %(name)s är sparad.", name=unit.name),
                url_for(".units", _anchor=f"unit-{unit.id}"))

    return submit(form, change, "admin/unit_form.html", unit=unit,
                  refusal=org.archive_refusal(unit))


def _button(unit_id: int, act, message: str) -> View:  # type: ignore[no-untyped-def]
    unit = _unit_or_404(unit_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        act(unit)
        db.session.flush()
    except REFUSALS as error:
        status = show_refusal(None, error)
        return render_template("admin/units.html", rows=org.unit_tree(),
                               action_form=EmptyForm()), status
    db.session.commit()
    flash(message % {"name": unit.name}, "success")
    return redirect(url_for(".units", _anchor=f"unit-{unit.id}"))


@bp.route("/enheter/<int:unit_id>/arkivera", methods=["POST"])
@access(Permission.MANAGE_ORG)
def archive_unit(unit_id: int) -> View:
    return _button(unit_id, org.archive_org_unit,
                   _("%(name)s är arkiverad. Den syns inte längre i valen men historiken finns "
                     "kvar."))


@bp.route("/enheter/<int:unit_id>/aterstall", methods=["POST"])
@access(Permission.MANAGE_ORG)
def restore_unit(unit_id: int) -> View:
    return _button(unit_id, org.restore_org_unit, _("%(name)s är återställd."))
