"""IK-plans: the plan page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ...models import Criterion
from ...permissions import Permission, access, require
from ...services import plans

bp = Blueprint("plans", __name__, url_prefix="/planer")


@bp.route("/<int:plan_id>")
@access(Permission.VIEW_PLAN)
def show(plan_id: int) -> str:
    plan = plans.load_plan_for_display(plan_id) or abort(404)
    require(Permission.VIEW_PLAN, plan)
    return render_template(
        "plans/show.html", plan=plan, rows=plans.table_rows(plan), criteria=list(Criterion)
    )
