"""IK-plans: the plan page, editing, lifecycle, import and export."""

from typing import Any

from flask import Blueprint

from ...services import plans

bp = Blueprint("plans", __name__, url_prefix="/planer")


@bp.context_processor
def plan_rules() -> dict[str, Any]:
    """The services' rules that plan templates ask (never re-decided in a template)."""
    return {"needs_reason": plans.needs_reason}


# The route modules register their views on `bp`.
from . import editing, importing, views  # noqa: E402, F401
