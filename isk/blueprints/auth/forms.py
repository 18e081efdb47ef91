"""Forms for logging in and changing the password."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ...forms import Form


class LoginForm(Form):
    email = StringField(
        _l("E-postadress"),
        validators=[DataRequired(message=_l("Ange din e-postadress.")), Length(max=254)],
        render_kw={"autocomplete": "username", "type": "email", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Lösenord"),
        validators=[DataRequired(message=_l("Ange ditt lösenord.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()
    submit = SubmitField(_l("Logga in"))


def _new_password_field() -> PasswordField:
    return PasswordField(
        _l("Nytt lösenord"),
        validators=[DataRequired(message=_l("Ange ett nytt lösenord.")), Length(max=1024)],
        description=_l(
            "Minst 12 tecken. En fras med flera ord är lätt att minnas och svår att gissa."
        ),
        render_kw={"autocomplete": "new-password"},
    )


def _confirm_field(label: str, message: str) -> PasswordField:
    """The new password again, to catch a typing error."""
    return PasswordField(
        label,
        validators=[
            DataRequired(message=message),
            EqualTo("new_password", message=_l("Lösenorden är inte lika.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Nuvarande lösenord"),
        validators=[DataRequired(message=_l("Ange ditt nuvarande lösenord."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password_field()
    confirm_password = _confirm_field(_l("Upprepa det nya lösenordet"),
                                      _l("Upprepa det nya lösenordet."))
    submit = SubmitField(_l("Byt lösenord"))


class SetPasswordForm(Form):
    """Choose a password through a one-time link (an invitation or a new link)."""

    new_password = _new_password_field()
    confirm_password = _confirm_field(_l("Upprepa lösenordet"), _l("Upprepa lösenordet."))
    submit = SubmitField(_l("Spara lösenordet"))
