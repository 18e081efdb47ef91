"""The ISK-bedömning: evidence, judgement, adoption, versions, and the region's samlad bedömning."""

from typing import Any

from flask import Blueprint

from ...models import RegionTextKey
from ...services import assessment

bp = Blueprint("assessment", __name__, url_prefix="/bedomningar")


@bp.context_processor
def assessment_rules() -> dict[str, Any]:
    """The services' rules that assessment templates ask."""
    return {"needs_reason": assessment.needs_reason, "RegionTextKey": RegionTextKey}


from . import views  # noqa: E402, F401
