"""The start page (what waits for the user), search, help, and the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ... import i18n
from ...forms import EmptyForm
from ...models import Role
from ...permissions import AUTHENTICATED, PUBLIC, access
from ...services import search, work
from ..auth.views import safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
@access(AUTHENTICATED)
def index() -> str:
    waiting = work.waiting_work(current_user)
    return render_template("main/index.html", work=waiting, plans=waiting.plans)


@bp.route("/sok", endpoint="search")
@access(AUTHENTICATED)
def search_page() -> tuple[str, int]:
    text = request.args.get("q", "")
    kind = search.Kind.from_slug(request.args.get("typ"))
    if request.args.get("typ") and kind is None:
        abort(404)
    page = request.args.get("sida", 1, type=int)
    if page < 1 or page > 1000:
        abort(404)
    try:
        results = search.search(current_user, text, kind, page)
    except search.SearchError as refused:
        return render_template("main/search.html", text=text[:search.MAX_QUERY_LENGTH],
                               results=None, error=str(refused), kinds=search.Kind), 400
    return render_template("main/search.html", text=text, results=results, error=None,
                           kinds=search.Kind), 200


HELP_ROLES = {role.value: role for role in Role}


@bp.route("/hjalp", endpoint="help")
@bp.route("/hjalp/<role>", endpoint="help")
@access(AUTHENTICATED)
def help_page(role: str | None = None) -> str:
    chosen = HELP_ROLES.get(role or current_user.role.value) or abort(404)
    return render_template("main/help.html", role=chosen, roles=list(Role))


@bp.route("/sprak/<code>", methods=["POST"])
@access(PUBLIC)
def set_language(code: str) -> Response:
    form = EmptyForm()
    if form.validate_on_submit():
        i18n.set_locale(code)
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))
