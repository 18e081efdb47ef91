"""The region's own texts (requirements a–e, the plan's explanations, the SAM indicator)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from ...extensions import db
from ...forms import Form
from ...models import OrgUnit, OrgUnitKind, RegionTextKey
from ...permissions import Permission, access, require
from ...services import wording
from ..refusals import REFUSALS, show_refusal
from . import bp


def texts_form(region: OrgUnit, data: dict[str, object] | None = None) -> Form:
    """A form with a text field (and its version) per key of the region's wording."""

    class RegionTextsForm(Form):
        submit = SubmitField(_l("Spara texterna"))

    for key in RegionTextKey:
        setattr(RegionTextsForm, key.value, TextAreaField(
            key.label, validators=[Optional(), Length(max=wording.MAX_TEXT_LENGTH)],
            render_kw={"rows": 4}))
        setattr(RegionTextsForm, f"{key.value}_version", HiddenField())
    return RegionTextsForm(data=data) if data is not None else RegionTextsForm()


@bp.route("/regionens-texter/<int:region_id>", methods=["GET", "POST"])
@access(Permission.MANAGE_ORG)
def region_texts(region_id: int) -> Response | tuple[str, int]:
    region = db.session.get(OrgUnit, region_id)
    if region is None or region.kind is not OrgUnitKind.REGION:
        abort(404)
    require(Permission.MANAGE_ORG, region)
    current = wording.region_texts(region)
    stored = wording.stored_texts(region)
    if request.method == "GET":
        data: dict[str, object] = {key.value: current[key] for key in RegionTextKey}
        data |= {f"{key.value}_version": row.version_id for key, row in stored.items()}
        form = texts_form(region, data)
    else:
        form = texts_form(region)
    status = 200
    if form.validate_on_submit():
        versions = {key: int(v) if (v := form[f"{key.value}_version"].data) else None
                    for key in RegionTextKey}
        try:
            changed = wording.save_texts(
                region, {key: form[key.value].data for key in RegionTextKey},
                {key: v for key, v in versions.items() if key in stored})
            db.session.flush()
        except REFUSALS as error:
            status = show_refusal(form, error)
        else:
            db.session.commit()
            flash(_("Texterna är sparade (%(n)d ändrade).", n=changed), "success")
            return redirect(url_for("admin.region_texts", region_id=region.id))
    elif form.errors:
        status = 400
    return render_template("admin/region_texts.html", region=region, form=form,
                           own=current.own, keys=list(RegionTextKey)), status


@bp.route("/regionens-texter")
@access(Permission.MANAGE_ORG)
def region_texts_index() -> Response:
    region = db.session.scalar(select(OrgUnit).where(
        OrgUnit.kind == OrgUnitKind.REGION, OrgUnit.archived_at.is_(None)).order_by(OrgUnit.id))
    if region is None:
        abort(404)
    return redirect(url_for("admin.region_texts", region_id=region.id))

