"""The start page and the language switch."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ... import i18n
from ...forms import EmptyForm
from ...permissions import AUTHENTICATED, PUBLIC, access
from ...services import clock, plans, sam
from ..auth.views import safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
@access(AUTHENTICATED)
def index() -> str:
    return render_template(
        "main/index.html",
        plans=plans.plans_visible_to(current_user),
        sam_inbox=sam.inbox(current_user),
        today=clock.today(),
    )


@bp.route("/sprak/<code>", methods=["POST"])
@access(PUBLIC)
def set_language(code: str) -> Response:
    form = EmptyForm()
    if form.validate_on_submit():
        i18n.set_locale(code)
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))
