"""Turning a service's refusal into what the user sees, the same way in every view.

A `DomainError` with a field goes on that field; without one it goes above the form
(`form.page_errors`, shown by the `error_summary` and `page_errors` macros); a stale edit
(`ConflictError`, or a version clash found by the flush) is flashed with 409, since the whole
page is out of date. Nothing of the refused change is kept: the session is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from ..extensions import db
from ..services.errors import ConflictError, DomainError, FieldProblems

View = Response | str | tuple[str, int]
REFUSALS = (DomainError, StaleDataError)


def show_refusal(form: FlaskForm | None, error: DomainError | StaleDataError) -> int:
    """Undo the change, put the refusal where the user sees it, return the HTTP status."""
    db.session.rollback()
    if isinstance(error, StaleDataError):
        error = ConflictError()
    if isinstance(error, ConflictError):
        flash(str(error), "error")
        return error.status
    if isinstance(error, FieldProblems) and form is not None:
        for name, message in error.errors:
            _place(form, name, message)
        return error.status
    field = form._fields.get(error.field or "") if form is not None else None
    if field is not None:
        field.errors = [*field.errors, *error.problems]
    elif form is not None:
        form.page_errors = [*getattr(form, "page_errors", []), *error.problems]
    else:
        for problem in error.problems:
            flash(problem, "error")
    return error.status


def _place(form: FlaskForm, name: str | None, message: str) -> None:
    field = form._fields.get(name or "")
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.page_errors = [*getattr(form, "page_errors", []), message]


def submit(form: FlaskForm, change: Callable[[], tuple[str, str]], template: str,
           **context: Any) -> View:
    """Validate → change → one commit → flash → redirect; else the form again with a 4xx.

    `change` calls the service and returns the message to show and where to go next. A
    refusal from the service (or a version conflict, which the flush brings out) shows on
    the form, and nothing is written.
    """
    status = 200
    if form.validate_on_submit():
        try:
            message, target = change()
            db.session.flush()
        except REFUSALS as error:
            status = show_refusal(form, error)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(target)
    elif form.errors:
        status = 400
    return render_template(template, form=form, **context), status
