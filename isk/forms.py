"""Forms shared across blueprints, and `Form`, the base of every form."""

from collections.abc import Iterable, Iterator
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import SelectChoice

from .services.spreadsheets import control_character


class Form(FlaskForm):
    """The base of every form: text with a control character is refused, in every input.

    A browser lets a user paste NUL or a vertical tab (Word's line break); PostgreSQL cannot
    store NUL and an XLSX export cannot carry the others. Every submitted value is checked,
    the form's own fields and any input a view reads itself (a row's comment on a list
    page), and file names too: a field's refusal shows on the field, any other above the form.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        self.page_errors: list[str] = []
        super().__init__(*args, **kwargs)

    def process(self, formdata: Any = None, *args: Any, **kwargs: Any) -> None:
        self._submitted = self.meta.wrap_formdata(self, formdata)
        super().process(self._submitted, *args, **kwargs)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        fields = {field.name: field for field in self}
        for name, code in _control_characters(self._submitted):
            message = _("Texten innehåller ett otillåtet tecken (%(code)s). Ta bort det och "
                        "försök igen.", code=code)
            errors = fields[name].errors if name in fields else self.page_errors
            if message not in errors:
                errors.append(message)
            valid = False
        return valid


def _control_characters(formdata: Any) -> Iterator[tuple[str, str]]:
    """(input name, code point as "U+" and four hex digits) for each submitted text or file
    name with a control character."""
    if formdata is None or not hasattr(formdata, "lists"):
        return
    for name, values in formdata.lists():
        for value in values:
            text = value.filename if isinstance(value, FileStorage) else value
            if isinstance(text, str) and (code := control_character(text)):
                yield name, code


class EmptyForm(Form):
    """For POST-only buttons (log out, language): carries the CSRF token and nothing else."""


def options(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """Choices for a select, radio or checkbox field (WTForms 3.3 wants SelectChoice objects)."""
    return [SelectChoice(value=value, label=str(label)) for value, label in pairs]
