"""Forms for plans, verksamheter, risks and åtgärder."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ...forms import Form, options
from ...models import ActionStatus, Criterion, RiskTreatment, SecurityAspect

SCALE = options([("", _l("Ej bedömd")), *((str(n), str(n)) for n in range(1, 5))])


def optional_int(value: object) -> int | None:
    """A select's value as a number; the empty choice ("", or 0 for "none chosen") is None."""
    if value in (None, "", "0", 0):
        return None
    return int(value)  # type: ignore[call-overload]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReasonMixin:
    """A change to an adopted plan says why; the view makes it required then."""

    reason = TextAreaField(
        _l("Anledning till ändringen"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Planen är fastställd: ändringen sparas som en ny version med din "
                       "motivering."),
    )


def _is_number(value: object) -> bool:
    """Plain digits 0-9 only: "²" is a digit to str.isdigit but no number to int()."""
    text = str(value)
    return text.isascii() and text.isdecimal()


class VersionMixin:
    version = HiddenField()

    def expected_version(self) -> int:
        """The version the form was opened on; a form without one never matches (409)."""
        value = self.version.data  # type: ignore[attr-defined]
        return int(value) if value and _is_number(value) else -1


class NewPlanForm(Form):
    org_unit = SelectField(_l("Enhet"), coerce=int, validators=[InputRequired()])
    year = IntegerField(
        _l("År"),
        validators=[InputRequired(message=_l("Ange ett år.")),
                    NumberRange(2000, 2100, message=_l("Ange ett år mellan 2000 och 2100."))],
    )
    submit = SubmitField(_l("Skapa utkast"))


class AreaForm(ReasonMixin, VersionMixin, Form):
    name = StringField(
        _l("Verksamhet"),
        validators=[DataRequired(message=_l("Ange verksamhetens namn.")), Length(max=200)],
        description=_l("Process eller område, till exempel HR, Ekonomi eller "
                       "Informationssäkerhet."),
    )
    submit = SubmitField(_l("Spara verksamhet"))


class RiskForm(ReasonMixin, VersionMixin, Form):
    area = SelectField(_l("Verksamhet"), coerce=int, validators=[InputRequired()])
    text = TextAreaField(
        _l("Risk"),
        validators=[DataRequired(message=_l("Beskriv risken.")), Length(max=10_000)],
        description=_l("Händelsen, till exempel ”Risken att leverantörsfakturor inte betalas "
                       "i tid.”"),
        render_kw={"rows": 3},
    )
    criteria = MultiCheckboxField(
        _l("Kriterier"),
        choices=options((c.value, c.label) for c in Criterion),
        coerce=Criterion,
        description=_l("Minst ett. Vilka krav på intern kontroll hotas om händelsen inträffar?"),
    )
    aspects = MultiCheckboxField(
        _l("Vad hotas (vid kriterium e)"),
        choices=options((a.value, a.label) for a in SecurityAspect),
        coerce=SecurityAspect,
    )
    likelihood = SelectField(_l("Sannolikhet (1-4)"), choices=SCALE, coerce=optional_int,
                             validators=[Optional()],
                             description=_l("Hur troligt det är att händelsen inträffar: 1 "
                                            "osannolik, 2 möjlig, 3 sannolik, 4 mycket "
                                            "sannolik."))
    consequence = SelectField(_l("Konsekvens (1-4)"), choices=SCALE, coerce=optional_int,
                              validators=[Optional()],
                              description=_l("Hur allvarligt det blir om den inträffar: 1 "
                                             "försumbar, 2 lindrig, 3 kännbar, 4 allvarlig. "
                                             "Riskvärdet är sannolikhet × konsekvens."))
    treatment = RadioField(
        _l("Hantering"),
        choices=options([
            (RiskTreatment.MITIGATE.value, _l("Åtgärdas – risken får en eller flera åtgärder")),
            (RiskTreatment.ACCEPT.value, _l("Accepteras – ingen åtgärd")),
        ]),
        default=RiskTreatment.MITIGATE.value,
        coerce=RiskTreatment,
    )
    accepted_by = StringField(_l("Beslutad av"), validators=[Optional(), Length(max=200)],
                              description=_l("Vid accepterad risk: vem som beslutade."))
    accepted_on = DateField(_l("Beslutsdatum"), validators=[Optional()])
    acceptance_reason = TextAreaField(_l("Motivering"), validators=[Optional(), Length(max=4000)],
                                      render_kw={"rows": 2})
    source = StringField(
        _l("Källa"), validators=[Optional(), Length(max=300)],
        description=_l("Till exempel ”Revisionsrapport 19RS3049” eller risk- och "
                       "väsentlighetsanalys."),
    )
    owner_id = SelectField(_l("Riskägare"), coerce=optional_int, validators=[Optional()],
                           description=_l("Den som ansvarar för att risken hanteras. "
                                          "Riskägaren ser risken och dess åtgärder på sin "
                                          "startsida."))
    sam_indicator = BooleanField(
        _l("Följs upp med SAM-indikatorn"),
        description=_l("Planen visar årets andel chefer som svarat på uppföljningen av SAM, "
                       "mot målet, vid den här risken."),
    )
    submit = SubmitField(_l("Spara risk"))


class ActionForm(ReasonMixin, VersionMixin, Form):
    text = TextAreaField(
        _l("Åtgärd"),
        validators=[DataRequired(message=_l("Beskriv åtgärden.")), Length(max=10_000)],
        render_kw={"rows": 3},
    )
    responsible = StringField(_l("Ansvarig"), validators=[Optional(), Length(max=200)],
                              description=_l("En roll eller ett namn. Står här en användares "
                                             "namn visas åtgärden på hens startsida."))
    due_date = DateField(_l("Klar senast"), validators=[Optional()],
                         description=_l("Datumet åtgärden ska vara genomförd, till exempel "
                                        "2026-10-31."))
    status = SelectField(_l("Status"), choices=options((s.value, s.label) for s in ActionStatus),
                         coerce=ActionStatus)
    submit = SubmitField(_l("Spara åtgärd"))


class ArchiveForm(ReasonMixin, VersionMixin, Form):
    submit = SubmitField(_l("Arkivera"))


class AdoptForm(Form):
    adopted_on = DateField(_l("Beslutsdatum"),
                           validators=[InputRequired(message=_l("Ange beslutsdatum."))])
    paragraph = StringField(
        _l("Paragraf"),
        validators=[DataRequired(message=_l("Ange paragrafen.")), Length(max=100)],
        description=_l("Nämndens beslutsparagraf, till exempel ”SN § 45”."),
    )
    diary_number = StringField(_l("Diarienummer"), validators=[Optional(), Length(max=100)])
    # What the plan said when the page was opened: adoption is of exactly that content.
    fingerprint = HiddenField()
    submit = SubmitField(_l("Fastställ planen"))


class ImportForm(Form):
    file = FileField(
        _l("Fil (CSV eller XLSX)"),
        validators=[FileRequired(message=_l("Välj en fil att importera."))],
        description=_l("Kolumner: verksamhet, risk, atgard och valfritt regionovergripande. "
                       "Verksamhet och risk kan stå tomma på fortsättningsrader, som när en "
                       "tabell klistras in från Word."),
    )
    submit = SubmitField(_l("Förhandsgranska"))


class ConfirmImportForm(Form):
    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Importera"))
