"""Logging in and out, the password, and the user's own profile."""

# The route modules register their views on `views.bp`.
from . import account, views  # noqa: F401
