"""Forms for the administration of users and units."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ...forms import Form, options
from ...models import OrgUnit, OrgUnitKind, Role

ROLE_HINT = _l(
    "Systemförvaltare och revisor ser hela regionen; övriga roller ser sin enhet och enheterna "
    "under den.")


def unit_choices(units: Sequence[OrgUnit], empty: str | None = None) -> list[SelectChoice]:
    """Units in tree order, indented by depth, with their kind and code."""
    top = min((unit.path.count("/") for unit in units), default=0)
    choices = [SelectChoice("", empty)] if empty is not None else []
    for unit in units:
        indent = "\u2003" * (unit.path.count("/") - top)
        choices.append(SelectChoice(str(unit.id), f"{indent}{unit.name} ({unit.code})"))
    return choices


def role_choices() -> list[SelectChoice]:
    return options((role.value, role.label) for role in Role)


class UserForm(Form):
    name = StringField(
        _l("Namn"),
        validators=[DataRequired(message=_l("Ange användarens namn.")), Length(max=200)],
        render_kw={"autocomplete": "off"},
    )
    role = SelectField(_l("Roll"), description=ROLE_HINT)
    org_unit = SelectField(
        _l("Enhet"),
        description=_l("Krävs för alla roller utom systemförvaltare och revisor."),
    )
    submit = SubmitField(_l("Spara"))


class InviteForm(UserForm):
    email = StringField(
        _l("E-postadress"),
        validators=[DataRequired(message=_l("Ange e-postadressen.")), Length(max=254)],
        description=_l("Inbjudan med en länk för att välja lösenord skickas hit."),
        render_kw={"type": "email", "autocomplete": "off", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Skicka inbjudan"))


def kind_choices() -> list[SelectChoice]:
    kinds = [kind for kind in OrgUnitKind if kind is not OrgUnitKind.REGION]
    return options((kind.value, kind.label) for kind in kinds)


class UnitForm(Form):
    name = StringField(
        _l("Namn"),
        validators=[DataRequired(message=_l("Ange enhetens namn.")), Length(max=200)],
        description=_l("Som det står i organisationen, till exempel ”Område Medicinsk teknik”."),
    )
    code = StringField(
        _l("Kod"),
        validators=[DataRequired(message=_l("Ange enhetens kod.")), Length(max=40)],
        description=_l("Kort och unik, till exempel ”MT”. Används vid import och på "
                       "kommandoraden."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    parent = SelectField(
        _l("Överordnad enhet"),
        description=_l("Enheten och allt under den flyttas dit. En nämnd ligger under "
                       "regionen, en förvaltning under en nämnd, och så vidare."),
    )
    submit = SubmitField(_l("Spara"))


class NewUnitForm(UnitForm):
    kind = SelectField(
        _l("Typ"),
        description=_l("Region → nämnd → förvaltning → område → enhet."),
    )
    submit = SubmitField(_l("Skapa enheten"))
