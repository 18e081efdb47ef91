"""Kontroller, stickprov, kontrollutfall and the follow-up report of a plan."""

from flask import Blueprint

bp = Blueprint("controls", __name__)

# The route modules register their views on `bp`.
from . import importing, sampling, views  # noqa: E402, F401
