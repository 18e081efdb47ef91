"""Administration: users, units, the region's texts and the granskningslogg."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The route modules register their views on `bp`.
from . import audit, texts, units, views  # noqa: E402, F401
