"""Forms shared across blueprints."""

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """For POST-only buttons (log out, language): carries the CSRF token and nothing else."""
