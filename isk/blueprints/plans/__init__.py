"""IK-plans: the plan page, editing, lifecycle, import and export."""

from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/planer")

# The route modules register their views on `bp`.
from . import editing, importing, views  # noqa: E402, F401
