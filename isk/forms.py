"""Forms shared across blueprints."""

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import SelectChoice


class EmptyForm(FlaskForm):
    """For POST-only buttons (log out, language): carries the CSRF token and nothing else."""


def options(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """Choices for a select, radio or checkbox field (WTForms 3.3 wants SelectChoice objects)."""
    return [SelectChoice(value=value, label=str(label)) for value, label in pairs]
